import { randomUUID } from 'node:crypto';

import { makeEvent, type EventCodec } from '@lethe/events';
import { createCommandHandler, createStreamStore, type Decider } from '@lethe/eventstore';
import type { Db } from 'mongodb';

import type { RetentionPolicy } from './policy';

// Activating a policy version is an event (PolicyVersionActivated), once per distinct file: a
// restart with the same policy activates nothing; an edited file, even under the same version
// name, is a new activation, because the digest names the exact bytes.

interface Activation {
  readonly policyVersion: string;
  readonly digest: string;
  readonly activatedAt: number;
}
type State = { readonly active: Activation | null; readonly history: readonly Activation[] };
type Command = { type: 'Activate'; data: Omit<Activation, 'activatedAt'>; metadata: { now: Date } };
type Event = { type: 'PolicyVersionActivated'; data: Activation };

const activationDecider: Decider<Command, Event, State> = {
  initialState: () => ({ active: null, history: [] }),
  decide: (command, state) =>
    state.active?.digest === command.data.digest
      ? []
      : [
          {
            type: 'PolicyVersionActivated',
            data: { ...command.data, activatedAt: command.metadata.now.getTime() },
          },
        ],
  evolve: (state, event) => ({ active: event.data, history: [...state.history, event.data] }),
};

const POLICY_STREAM = 'retention-policy';

export async function activatePolicy(deps: {
  db: Db;
  codec: EventCodec;
  policy: RetentionPolicy;
  now: Date;
  topic: string;
  activatedBy: string;
}): Promise<{
  activations: readonly Activation[];
  store: Awaited<ReturnType<typeof createStreamStore<State>>>;
}> {
  const store = await createStreamStore<State>({ db: deps.db, collection: 'retention_policy' });
  const handle = createCommandHandler({
    store,
    decider: activationDecider,
    toRecords: async (_streamId, events, context) =>
      Promise.all(
        events.map(async (event) => {
          const wire = makeEvent(
            'PolicyVersionActivated',
            {
              eventId: randomUUID(),
              subjectId: null,
              correlationId: context.correlationId,
              producer: 'retention',
              occurredAt: event.data.activatedAt,
            },
            {
              policyVersion: event.data.policyVersion,
              digest: event.data.digest,
              activatedBy: deps.activatedBy,
              llmProviderRetentionMs: deps.policy.llmProviderRetentionMs,
              legalRetention: deps.policy.clocks.flatMap((clock) =>
                clock.kind === 'after-erasure'
                  ? [
                      {
                        clock: clock.id,
                        categories: [...clock.erase.categories],
                        basis: clock.basis,
                        keepForMs: clock.expiresAfterMs,
                      },
                    ]
                  : [],
              ),
            },
          );
          return {
            eventId: wire.envelope.eventId,
            topic: deps.topic,
            key: POLICY_STREAM,
            value: await deps.codec.encode(wire),
            headers: {
              'lethe.event-id': wire.envelope.eventId,
              'lethe.event-type': 'PolicyVersionActivated',
            },
          };
        }),
      ),
  });
  const result = await handle(
    POLICY_STREAM,
    {
      type: 'Activate',
      data: { policyVersion: deps.policy.version, digest: deps.policy.digest },
      metadata: { now: deps.now },
    },
    { now: deps.now, correlationId: `policy:${deps.policy.digest.slice(7, 19)}`, causationId: null },
  );
  return { activations: result.state.history, store };
}
