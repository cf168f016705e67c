// A domain is a pure decider (STYLE.md section 1): no I/O, time comes in with the command.
export interface Decider<Command, Event, State> {
  initialState(): State;
  /** The events a command causes in a state; throws a domain error to refuse it. */
  decide(command: Command, state: State): readonly Event[];
  evolve(state: State, event: Event): State;
}

export function foldEvents<Event, State>(
  decider: Pick<Decider<unknown, Event, State>, 'evolve'>,
  state: State,
  events: readonly Event[],
): State {
  return events.reduce((current, event) => decider.evolve(current, event), state);
}

/** Ends every switch over a union: a new case fails to compile until it is handled. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
