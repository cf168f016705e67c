import type { Db } from 'mongodb';
import type { Admin, Kafka, Producer } from 'kafkajs';

import {
  createTestTopics,
  eventually,
  testDatabase,
  testKafka,
  testLogger,
  testTopicSpec,
  uniqueName,
} from '@lethe/test-harness';

import { createCommandHandler } from './command-handler';
import type { Decider } from './decider';
import { EventStoreError } from './errors';
import { createOutboxRelay } from './outbox-relay';
import { createStreamStore, type OutboxRecord, type StreamDocument } from './stream-store';

// A tiny counter domain: enough to exercise versions, conflicts and the outbox.
type Command = { type: 'Add'; amount: number };
type Event = { type: 'Added'; amount: number; eventId: string };
type State = { total: number };
const counter: Decider<Command, Event, State> = {
  initialState: () => ({ total: 0 }),
  decide: (command) =>
    command.amount === 0 ? [] : [{ type: 'Added', amount: command.amount, eventId: uniqueName('evt') }],
  evolve: (state, event) => ({ total: state.total + event.amount }),
};

const context = (now: Date) => ({ now, correlationId: 'corr', causationId: null });

describe('the event store on the real MongoDB-wire server and broker', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let topic: string;

  beforeAll(async () => {
    ({ db, drop } = await testDatabase('eventstore'));
    kafka = testKafka();
    admin = kafka.admin();
    await admin.connect();
    [topic] = (await createTestTopics(admin, testTopicSpec('outbox'))) as [string];
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
    await drop();
  });

  const toRecords = async (streamId: string, events: readonly Event[]): Promise<OutboxRecord[]> =>
    events.map((event) => ({
      eventId: event.eventId,
      topic,
      key: streamId,
      value: Buffer.from(JSON.stringify(event)),
      headers: { 'lethe.event-id': event.eventId },
    }));

  async function published(count: number) {
    const consumer = kafka.consumer({ groupId: uniqueName('outbox-reader'), maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const events: Event[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => void events.push(JSON.parse(message.value!.toString()) as Event),
    });
    try {
      return await eventually(
        async () => (events.length >= count ? events : undefined),
        20_000,
        `${count} published events`,
      );
    } finally {
      await consumer.disconnect();
    }
  }

  it('appends at the expected version only and refuses a stale writer', async () => {
    const store = await createStreamStore<State>({ db, collection: uniqueName('streams') });
    const now = new Date('2026-11-27T12:00:00Z');
    expect(await store.append('s1', 0, { total: 1 }, [], now)).toBe(1);
    await expect(store.append('s1', 0, { total: 9 }, [], now)).rejects.toMatchObject({
      code: 'EVENTSTORE_CONFLICT',
    });
    expect(await store.append('s1', 1, { total: 2 }, [], now)).toBe(2);
    await expect(store.append('s1', 1, { total: 9 }, [], now)).rejects.toBeInstanceOf(EventStoreError);
    expect(await store.load('s1')).toEqual({ version: 2, state: { total: 2 } });
  });

  it('decides again on the newer state when commands race, losing none', async () => {
    const store = await createStreamStore<State>({ db, collection: uniqueName('streams') });
    const handle = createCommandHandler({ store, decider: counter, toRecords, maxAttempts: 20 });
    const now = new Date();
    await Promise.all(
      Array.from({ length: 8 }, () => handle('race', { type: 'Add', amount: 1 }, context(now))),
    );
    expect(await store.load('race')).toEqual({ version: 8, state: { total: 8 } });
    const commits = await store.collection.find({ streamId: 'race' }).toArray();
    expect(commits.map((commit) => commit.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(commits.every((commit) => commit.outbox.length === 1)).toBe(true);
  });

  it('relays the outbox to Kafka in order and clears it; a relay crash before clearing republishes', async () => {
    const store = await createStreamStore<State>({ db, collection: uniqueName('streams') });
    const handle = createCommandHandler({ store, decider: counter, toRecords });
    const now = new Date();
    for (const amount of [1, 2, 3]) await handle('relayed', { type: 'Add', amount }, context(now));
    const streams = store.collection as unknown as import('mongodb').Collection<StreamDocument<unknown>>;

    // A relay that dies after publishing, before clearing: the outbox stays.
    const failingStreams = new Proxy(streams, {
      get: (target, prop) =>
        prop === 'updateOne'
          ? async () => {
              throw new Error('crash before clear');
            }
          : Reflect.get(target, prop, target),
    });
    const crashingRelay = createOutboxRelay({ streams: failingStreams, producer, logger: testLogger() });
    await expect(crashingRelay.flush()).rejects.toThrow('crash before clear');
    expect(await streams.countDocuments({ streamId: 'relayed', pending: true })).toBe(3);

    const relay = createOutboxRelay({ streams, producer, logger: testLogger() });
    expect(await relay.flush()).toBe(3);
    expect(await streams.countDocuments({ streamId: 'relayed', pending: true })).toBe(0);
    expect(await store.load('relayed')).toEqual({ version: 3, state: { total: 6 } });

    // At least once, in order, with stable event ids for consumers to dedupe.
    // The crashed relay got the first commit out; the next relay sends it again, then the rest.
    const events = await published(4);
    expect(events.map((event) => event.amount)).toEqual([1, 1, 2, 3]);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(3);
    expect(await relay.flush()).toBe(0);
  });
});
