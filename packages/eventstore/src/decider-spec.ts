import { foldEvents, type Decider } from './decider';

export interface DeciderSpec<Command, Event> {
  /** The command, decided on the state the given events fold to. */
  when(command: Command): {
    /** The events it causes. */
    then(): readonly Event[];
    /** The error it is refused with. */
    thenThrows(): unknown;
  };
}

/**
 * Given/when/then for a pure decider (STYLE.md section 7): `given(events).when(command).then()`
 * returns the events the command causes, so a test asserts on them with its own expectations.
 * No I/O: the state is the fold of the given events.
 */
export function deciderSpec<Command, Event, State>(
  decider: Decider<Command, Event, State>,
): { given(events?: readonly Event[]): DeciderSpec<Command, Event> } {
  return {
    given(events = []) {
      const state = foldEvents(decider, decider.initialState(), events);
      return {
        when(command) {
          return {
            then: () => decider.decide(command, state),
            thenThrows() {
              try {
                decider.decide(command, state);
              } catch (error) {
                return error;
              }
              throw new Error('the command was expected to be refused, and was decided');
            },
          };
        },
      };
    },
  };
}
