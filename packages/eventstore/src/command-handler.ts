import type { Decider } from './decider';
import { foldEvents } from './decider';
import { EventStoreError } from './errors';
import type { OutboxRecord, StreamStore } from './stream-store';

export interface HandledCommand<Event, State> {
  readonly version: number;
  readonly events: readonly Event[];
  readonly state: State;
}

export interface CommandHandlerDeps<Command, Event, State> {
  store: StreamStore<State>;
  decider: Decider<Command, Event, State>;
  /** Encodes (and seals) the events for Kafka. */
  toRecords: (streamId: string, events: readonly Event[]) => Promise<OutboxRecord[]>;
  /** Told after each append, e.g. to wake the outbox relay. */
  onAppended?: () => void;
  maxAttempts?: number;
}

/**
 * The one generic write path: load, decide, evolve, append with the expected version. On a
 * concurrent write the whole decision is made again on the newer state.
 */
export function createCommandHandler<Command, Event, State>(deps: CommandHandlerDeps<Command, Event, State>) {
  const { store, decider, toRecords, onAppended, maxAttempts = 5 } = deps;
  return async function handle(
    streamId: string,
    command: Command,
    now: Date,
  ): Promise<HandledCommand<Event, State>> {
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const loaded = await store.load(streamId);
      const version = loaded?.version ?? 0;
      const state = loaded?.state ?? decider.initialState();
      const events = decider.decide(command, state);
      if (events.length === 0) return { version, events, state };
      const next = foldEvents(decider, state, events);
      try {
        const appended = await store.append(streamId, version, next, await toRecords(streamId, events), now);
        onAppended?.();
        return { version: appended, events, state: next };
      } catch (error) {
        if (!(error instanceof EventStoreError && error.code === 'EVENTSTORE_CONFLICT')) throw error;
      }
    }
    throw new EventStoreError(
      'EVENTSTORE_CONFLICT_RETRIES_EXHAUSTED',
      `stream ${streamId} kept changing under ${maxAttempts} attempts`,
      true,
    );
  };
}
