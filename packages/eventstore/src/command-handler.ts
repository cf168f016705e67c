import type { Decider } from './decider';
import { foldEvents } from './decider';
import { EventStoreError } from './errors';
import type { OutboxRecord, StreamStore } from './stream-store';

export interface HandledCommand<Event, State> {
  readonly version: number;
  readonly events: readonly Event[];
  readonly state: State;
  /** The state the command was decided on (the same as `state` when nothing was decided). */
  readonly previous: State;
}

/** Decides a command on a stream and appends what it decided (see createCommandHandler). */
export type CommandHandler<Command, Event, State> = (
  streamId: string,
  command: Command,
  context: CommandContext,
) => Promise<HandledCommand<Event, State>>;

/** What a command carries besides its data: when it happened and which flow it belongs to. */
export interface CommandContext {
  readonly now: Date;
  readonly correlationId: string;
  readonly causationId: string | null;
}

/** How state is kept at rest, e.g. with its personal fields sealed. */
export interface StateCodec<State, Stored> {
  toStored(streamId: string, state: State): Promise<Stored>;
  fromStored(streamId: string, stored: Stored): Promise<State>;
}

export interface CommandHandlerDeps<Command, Event, State, Stored> {
  store: StreamStore<Stored>;
  decider: Decider<Command, Event, State>;
  /** Encodes (and seals) the events for Kafka. */
  toRecords: (streamId: string, events: readonly Event[], context: CommandContext) => Promise<OutboxRecord[]>;
  /** Absent: the state is stored as it is (then State and Stored must be the same type). */
  stateCodec?: StateCodec<State, Stored>;
  /** Told after each append, e.g. to wake the outbox relay. */
  onAppended?: () => void;
  /** When the new state wants to be woken (a deadline), stored with it; see dueTimers. */
  timerOf?: (state: State) => Date | null;
  /** Whether the new state has work in progress (an open request); see StreamStore.inFlight. */
  inFlightOf?: (state: State) => boolean;
  /**
   * Confirm a decision of nothing on the newest commit when it was made on this process's cached
   * view: for streams other processes write too, where a command that is a no-op on an older
   * state is lost (an answer to a task another instance issued). It costs a probe per no-op, so
   * streams whose no-ops are their hot path (an account's activity on the same day) leave it off.
   */
  confirmNoOps?: boolean;
  maxAttempts?: number;
}

const identity = <State, Stored>(): StateCodec<State, Stored> => ({
  toStored: async (_streamId, state) => state as unknown as Stored,
  fromStored: async (_streamId, stored) => stored as unknown as State,
});

/**
 * The one generic write path: load, decide, evolve, append with the expected version. On a
 * concurrent write the whole decision is made again on the newer state.
 */
export function createCommandHandler<Command, Event, State, Stored = State>(
  deps: CommandHandlerDeps<Command, Event, State, Stored>,
): CommandHandler<Command, Event, State> {
  const { store, decider, toRecords, onAppended, maxAttempts = 5 } = deps;
  const codec = deps.stateCodec ?? identity<State, Stored>();
  return async function handle(
    streamId: string,
    command: Command,
    context: CommandContext,
  ): Promise<HandledCommand<Event, State>> {
    // First from what this process last saw; a conflict means it was stale, so then afresh.
    let loaded = await store.load(streamId, { trustCache: true });
    // Whether a decision of nothing stands as it is: on a fresh view, or where none is confirmed.
    let confirmed = !deps.confirmNoOps;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const version = loaded?.version ?? 0;
      const state = loaded ? await codec.fromStored(streamId, loaded.state) : decider.initialState();
      const events = decider.decide(command, state);
      if (events.length === 0) {
        // Nothing, on a view that may be behind (another instance wrote since): a stale view is
        // caught by the append's version check only when there is something to append, so a
        // decision of nothing is confirmed on the newest commit (one probe when it is the same).
        if (confirmed) return { version, events, state, previous: state };
        confirmed = true;
        const newest = await store.load(streamId);
        if ((newest?.version ?? 0) === version) return { version, events, state, previous: state };
        loaded = newest;
        continue;
      }
      const next = foldEvents(decider, state, events);
      try {
        const records = await toRecords(streamId, events, context);
        const appended = await store.append({
          streamId,
          expectedVersion: version,
          state: await codec.toStored(streamId, next),
          records,
          now: context.now,
          timer: deps.timerOf?.(next) ?? null,
          inFlight: deps.inFlightOf?.(next) ?? false,
        });
        onAppended?.();
        return { version: appended, events, state: next, previous: state };
      } catch (error) {
        if (!(error instanceof EventStoreError && error.code === 'EVENTSTORE_CONFLICT')) throw error;
      }
      loaded = await store.load(streamId);
      confirmed = true; // read afresh
    }
    throw new EventStoreError(
      'EVENTSTORE_CONFLICT_RETRIES_EXHAUSTED',
      `stream ${streamId} kept changing under ${maxAttempts} attempts`,
      true,
    );
  };
}
