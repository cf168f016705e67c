import type { Db, Filter, FindOptions } from 'mongodb';

import {
  createTestTopics,
  eventually,
  testDatabase,
  readAllRecords,
  testKafka,
  testLogger,
  testTopicSpec,
  uniqueName,
} from '@lethe/test-harness';

import { createCommandHandler } from './command-handler';
import type { Decider } from './decider';
import { EventStoreError } from './errors';
import { createOutboxRelay } from './outbox-relay';
import { createStreamHeads } from './stream-heads';
import { commitId, createStreamStore, type OutboxRecord, type StreamDocument } from './stream-store';

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
  let kafka: Awaited<ReturnType<typeof testKafka>>;
  let admin: typeof kafka.admin;
  let topic: string;

  beforeAll(async () => {
    ({ db, drop } = await testDatabase('eventstore'));
    kafka = await testKafka();
    admin = kafka.admin;
    [topic] = (await createTestTopics(admin, testTopicSpec('outbox'))) as [string];
  });
  afterAll(async () => {
    await admin.deleteTopics([topic]);
    await kafka.close();
    await drop();
  });

  it('indexes what it filters on: a stream by id and version, pending marks by age, timers by due time', async () => {
    await createStreamStore<State>({ db, collection: 'indexed_streams' });
    const keys = async (collection: string) =>
      (await db.collection(collection).indexes()).map((index) => index.key as Record<string, number>);

    expect(await keys('indexed_streams')).toContainEqual({ streamId: 1, version: 1 });
    expect(await keys('indexed_streams_pending')).toContainEqual({ createdAt: 1 });
    expect(await keys('indexed_streams_timers')).toContainEqual({ at: 1 });
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
    return eventually(
      async () => {
        const events = (await readAllRecords(kafka, topic)).map(
          (r) => JSON.parse(r.value!.toString()) as Event,
        );
        return events.length >= count ? events : undefined;
      },
      20_000,
      `${count} published events`,
    );
  }

  it('appends at the expected version only and refuses a stale writer', async () => {
    const store = await createStreamStore<State>({ db, collection: uniqueName('streams') });
    const now = new Date('2026-11-27T12:00:00Z');
    expect(
      await store.append({ streamId: 's1', expectedVersion: 0, state: { total: 1 }, records: [], now: now }),
    ).toBe(1);
    await expect(
      store.append({ streamId: 's1', expectedVersion: 0, state: { total: 9 }, records: [], now: now }),
    ).rejects.toMatchObject({
      code: 'EVENTSTORE_CONFLICT',
    });
    expect(
      await store.append({ streamId: 's1', expectedVersion: 1, state: { total: 2 }, records: [], now: now }),
    ).toBe(2);
    await expect(
      store.append({ streamId: 's1', expectedVersion: 1, state: { total: 9 }, records: [], now: now }),
    ).rejects.toBeInstanceOf(EventStoreError);
    expect(await store.load('s1')).toMatchObject({ version: 2, state: { total: 2 } });
  });

  it('decides again on the newer state when commands race, losing none', async () => {
    const store = await createStreamStore<State>({ db, collection: uniqueName('streams') });
    const handle = createCommandHandler({ store, decider: counter, toRecords, maxAttempts: 20 });
    const now = new Date();
    await Promise.all(
      Array.from({ length: 8 }, () => handle('race', { type: 'Add', amount: 1 }, context(now))),
    );
    expect(await store.load('race')).toMatchObject({ version: 8, state: { total: 8 } });
    const commits = await store.history('race');
    expect(commits.map((commit) => commit.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(commits.every((commit) => commit.outbox.length === 1)).toBe(true);
  });

  it('relays the outbox to Kafka in order and marks it; a relay crash before marking republishes', async () => {
    const store = await createStreamStore<State>({ db, collection: uniqueName('streams') });
    const handle = createCommandHandler({ store, decider: counter, toRecords });
    const now = new Date();
    for (const amount of [1, 2, 3]) await handle('relayed', { type: 'Add', amount }, context(now));
    const unpublished = async () => (await store.unpublished(100, now)).map((commit) => commit.version);
    expect(await unpublished()).toEqual([1, 2, 3]);

    // A relay that dies after publishing, before marking: the outboxes stay pending.
    const crashing = {
      unpublished: store.unpublished.bind(store),
      unpublishedBefore: store.unpublishedBefore.bind(store),
      relayAlive: store.relayAlive.bind(store),
      relayStopped: store.relayStopped.bind(store),
      onCommitted: store.onCommitted.bind(store),
      markPublished: async () => {
        throw new Error('crash before marking');
      },
    };
    const crashingRelay = createOutboxRelay({
      store: crashing,
      send: kafka.send,
      logger: testLogger(),
      batchSize: 1,
    });
    await expect(crashingRelay.flush()).rejects.toThrow('crash before marking');
    expect(await unpublished()).toEqual([1, 2, 3]);

    const relay = createOutboxRelay({ store, send: kafka.send, logger: testLogger() });
    expect(await relay.flush()).toBe(3);
    expect(await unpublished()).toEqual([]);
    expect(await store.load('relayed')).toMatchObject({ version: 3, state: { total: 6 } });

    // At least once, in order, with stable event ids for consumers to dedupe.
    // The crashed relay got the first commit out; the next relay sends it again, then the rest.
    const events = await published(4);
    expect(events.map((event) => event.amount)).toEqual([1, 1, 2, 3]);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(3);
    expect(await relay.flush()).toBe(0);
  });

  it('relays a stream in version order when two processes write it, each with its own relay', async () => {
    const collection = uniqueName('streams');
    const here = await createStreamStore<State>({ db, collection });
    const there = await createStreamStore<State>({ db, collection });
    const [orderTopic] = (await createTestTopics(admin, testTopicSpec('order'))) as [string];
    const event = (amount: number) => ({ type: 'Added' as const, amount, eventId: uniqueName('evt') });
    const recordOf = (streamId: string, e: Event): OutboxRecord => ({
      eventId: e.eventId,
      topic: orderTopic,
      key: streamId,
      value: Buffer.from(JSON.stringify(e)),
      headers: {},
    });
    // `here` commits version 1 and its relay has not sent it yet (a slow produce, a pause).
    await here.append({
      streamId: 'shared',
      expectedVersion: 0,
      state: { total: 1 },
      records: [recordOf('shared', event(1))],
      now: new Date(),
    });
    // `there` builds version 2 on it; its relay sends at once.
    const relay = createOutboxRelay({ store: there, send: kafka.send, logger: testLogger() });
    relay.start(60_000); // its sweep, which would send version 1 too, does not come in time
    try {
      const head = await there.load('shared');
      await there.append({
        streamId: 'shared',
        expectedVersion: head!.version,
        state: { total: 3 },
        records: [recordOf('shared', event(2))],
        now: new Date(),
      });
      // What Kafka holds as soon as anything is there: version 1 first, sent with version 2.
      const firstSeen = await eventually(
        async () => {
          const sent = (await readAllRecords(kafka, orderTopic)).map(
            (r) => (JSON.parse(r.value!.toString()) as Event).amount,
          );
          return sent.length > 0 ? sent : undefined;
        },
        20_000,
        'a commit on Kafka',
      );
      expect(firstSeen).toEqual([1, 2]);
      expect(await here.unpublished(10, new Date())).toEqual([]);
    } finally {
      await relay.stop();
      await admin.deleteTopics([orderTopic]);
    }
  });

  it("leaves a live relay's commits to it, and sweeps them up once it is presumed dead or stopped", async () => {
    const collection = uniqueName('streams');
    const t0 = new Date('2026-12-02T00:00:00Z');
    const writer = await createStreamStore<State>({ db, collection, clock: () => t0 });
    const sweeper = await createStreamStore<State>({ db, collection, clock: () => t0 });
    const record = (streamId: string): OutboxRecord => ({
      eventId: uniqueName('evt'),
      topic,
      key: streamId,
      value: Buffer.from('{}'),
      headers: {},
    });
    const commit = (store: typeof writer, streamId: string, expectedVersion: number) =>
      store.append({
        streamId,
        expectedVersion,
        state: { total: expectedVersion + 1 },
        records: [record(streamId)],
        now: t0,
      });
    await commit(writer, 'slow', 0);
    // A process that died two hours ago without stopping its relay left its sign of life.
    const relays = db.collection<{ _id: string; seenAt: Date }>(`${collection}_relays`);
    await relays.insertOne({ _id: 'long-gone', seenAt: new Date(t0.getTime() - 7_200_000) });
    await writer.relayAlive(); // seen at t0
    expect((await relays.find({}).toArray()).map((relay) => relay._id)).not.toContain('long-gone');
    // Built on it by the other store: it waits behind the commit it follows.
    await sweeper.load('slow');
    await commit(sweeper, 'slow', 1);
    const swept = async (at: number, spareLiveRelays = true) =>
      (
        await sweeper.unpublished(10, new Date(t0.getTime() + at), { olderThanMs: 2_000, spareLiveRelays })
      ).map((c) => c.version);

    expect(await swept(5_000)).toEqual([]); // the writer's relay was seen 5 s ago
    expect(await swept(5_000, false)).toEqual([1, 2]); // an explicit flush sends everything
    expect(await swept(11_000)).toEqual([1, 2]); // not seen for 11 s: presumed dead
    await writer.relayAlive();
    await writer.relayStopped();
    expect(await swept(3_000)).toEqual([1, 2]); // stopped: nothing is left to it
  });

  it("finds a dead relay's commits behind a live relay's backlog", async () => {
    const collection = uniqueName('streams');
    const t0 = new Date('2026-12-02T00:00:00Z');
    const store = () => createStreamStore<State>({ db, collection, clock: () => t0 });
    const [live, dead, sweeper] = [await store(), await store(), await store()];
    const commit = (store: typeof live, streamId: string) =>
      store.append({
        streamId,
        expectedVersion: 0,
        state: { total: 1 },
        records: [
          { eventId: uniqueName('evt'), topic, key: streamId, value: Buffer.from('{}'), headers: {} },
        ],
        now: t0,
      });
    // The live relay's backlog sorts first; the dead one never said it was alive.
    for (const streamId of ['a1', 'a2', 'a3']) await commit(live, streamId);
    await commit(dead, 'z');
    await live.relayAlive();

    const swept = await sweeper.unpublished(2, new Date(t0.getTime() + 5_000), {
      olderThanMs: 2_000,
      spareLiveRelays: true,
    });
    expect(swept.map((c) => c.streamId)).toEqual(['z']);
  });

  it('keeps the head this process wrote when a read that began before it returns an older one', async () => {
    const commits = db.collection<StreamDocument<State>>(uniqueName('streams'));
    const document = (version: number): StreamDocument<State> => ({
      _id: commitId('raced', version),
      streamId: 'raced',
      version,
      state: { total: version },
      outbox: [],
      committedAt: new Date(),
      timer: null,
      writer: 'w',
    });
    // The read of a commit's state is held on the wire until released (a slow round trip).
    let release: () => void = () => undefined;
    let holding = false;
    let reachedHold: () => void = () => undefined;
    const holdReached = new Promise<void>((resolve) => (reachedHold = resolve));
    const held = Object.create(commits) as typeof commits;
    held.findOne = (async (filter: Filter<StreamDocument<State>>, options?: FindOptions) => {
      if (holding && options?.projection?.state === 1)
        await new Promise<void>((resolve) => {
          release = resolve;
          reachedHold();
        });
      return commits.findOne(filter, options);
    }) as typeof commits.findOne;
    const heads = createStreamHeads(held);
    await commits.insertMany([document(1), document(2)]);
    heads.remember('raced', { version: 1, state: { total: 1 }, timer: null, inFlight: false, ordered: true });

    holding = true;
    const reading = heads.load('raced'); // finds version 2, then waits to read it
    await holdReached;
    holding = false;
    await commits.insertOne(document(3)); // meanwhile this process writes version 3
    heads.remember('raced', { version: 3, state: { total: 3 }, timer: null, inFlight: false, ordered: true });
    release();

    expect((await reading)?.version).toBe(3);
    expect(await heads.load('raced', { trustCache: true })).toMatchObject({
      version: 3,
      state: { total: 3 },
    });
  });

  it('confirms a decision of nothing on the newest commit: a command is not lost to a stale view', async () => {
    const collection = uniqueName('streams');
    const here = await createStreamStore<State>({ db, collection });
    const there = await createStreamStore<State>({ db, collection });
    // Reaching a total closes it: a no-op below it (as an answer to a task not yet issued).
    type Close = { type: 'Close'; atLeast: number };
    type Closed = { type: 'Closed'; eventId: string };
    const closing: Decider<Close, Closed, State & { closed?: boolean }> = {
      initialState: () => ({ total: 0 }),
      decide: (command, state) =>
        state.total >= command.atLeast && !state.closed
          ? [{ type: 'Closed', eventId: uniqueName('evt') }]
          : [],
      evolve: (state) => ({ ...state, closed: true }),
    };
    await here.append({
      streamId: 'moved',
      expectedVersion: 0,
      state: { total: 1 },
      records: [],
      now: new Date(),
    });
    await there.load('moved');
    await there.append({
      streamId: 'moved',
      expectedVersion: 1,
      state: { total: 2 },
      records: [],
      now: new Date(),
    });
    // `here` still trusts version 1, where closing at 2 decides nothing.
    expect(await here.load('moved', { trustCache: true })).toMatchObject({ version: 1 });

    const handle = createCommandHandler({
      store: here,
      decider: closing,
      toRecords: async () => [],
      confirmNoOps: true,
    });
    const result = await handle('moved', { type: 'Close', atLeast: 2 }, context(new Date()));

    expect(result.events.map((event) => event.type)).toEqual(['Closed']);
    expect(await there.load('moved')).toMatchObject({ version: 3, state: { total: 2, closed: true } });
  });

  it('finds the newest version cold, from another process, by probing commit ids', async () => {
    const collection = uniqueName('streams');
    const writer = await createStreamStore<State>({ db, collection });
    const now = new Date();
    for (let version = 1; version <= 37; version += 1)
      await writer.append({
        streamId: 'long',
        expectedVersion: version - 1,
        state: { total: version },
        records: [],
        now: now,
      });
    // A second store has seen nothing: it gallops and bisects to version 37.
    const reader = await createStreamStore<State>({ db, collection });
    expect(await reader.load('long')).toMatchObject({ version: 37, state: { total: 37 } });
    // The writer's view is not stale after another writer moves the stream.
    await reader.append({
      streamId: 'long',
      expectedVersion: 37,
      state: { total: 38 },
      records: [],
      now: now,
    });
    expect(await writer.load('long')).toMatchObject({ version: 38, state: { total: 38 } });
    expect(await reader.load('absent')).toBeUndefined();
  });

  it('wakes a stream when its newest timer is due, and heals timers that are stale', async () => {
    const store = await createStreamStore<State>({ db, collection: uniqueName('streams') });
    const t0 = new Date('2026-11-27T12:00:00Z');
    const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
    await store.append({
      streamId: 'timed',
      expectedVersion: 0,
      state: { total: 1 },
      records: [],
      now: t0,
      timer: later(10),
    });
    await store.append({
      streamId: 'untimed',
      expectedVersion: 0,
      state: { total: 1 },
      records: [],
      now: t0,
      timer: later(5),
    });
    await store.append({
      streamId: 'untimed',
      expectedVersion: 1,
      state: { total: 2 },
      records: [],
      now: t0,
      timer: null,
    }); // the newest commit wants no wake-up
    await store.append({
      streamId: 'moved',
      expectedVersion: 0,
      state: { total: 1 },
      records: [],
      now: t0,
      timer: later(5),
    });
    await store.append({
      streamId: 'moved',
      expectedVersion: 1,
      state: { total: 2 },
      records: [],
      now: t0,
      timer: later(60),
    }); // moved later
    expect(await store.dueTimers(later(1))).toEqual([]);
    expect((await store.dueTimers(later(10))).sort()).toEqual(['timed']);
    // The stale ones were healed: 'untimed' is gone, 'moved' waits for its newest time.
    expect((await store.dueTimers(later(30))).sort()).toEqual(['timed']);
    expect((await store.dueTimers(later(60))).sort()).toEqual(['moved', 'timed']);
  });

  it('lists the streams in flight at their newest commit, and drops those that have left', async () => {
    const collection = uniqueName('streams');
    const store = await createStreamStore<State>({ db, collection });
    const now = new Date('2026-11-30T12:00:00Z');
    const commit = (streamId: string, expectedVersion: number, total: number, inFlight: boolean) =>
      store.append({ streamId, expectedVersion, state: { total }, records: [], now, inFlight });
    await commit('open', 0, 1, true);
    await commit('open', 1, 2, true); // still in flight: one entry
    await commit('finished', 0, 1, true);
    await commit('finished', 1, 2, false); // left: its entry is stale
    await commit('idle', 0, 1, false); // never in flight
    // Another process (a cold cache) sees the same.
    const reader = await createStreamStore<State>({ db, collection });
    const listed = await reader.inFlight(100);
    expect(listed.map(({ streamId, version, state }) => ({ streamId, version, state }))).toEqual([
      { streamId: 'open', version: 2, state: { total: 2 } },
    ]);
    // The stale entry was removed, not merely skipped.
    expect(await db.collection(`${collection}_in_flight`).countDocuments()).toBe(1);
  });
});
