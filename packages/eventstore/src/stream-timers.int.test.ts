import { MongoClient, type Db } from 'mongodb';

import { testServers, uniqueName } from '@lethe/test-harness';

import { createStreamStore } from './stream-store';

type State = { n: number };

describe('due timers without a collection scan per sweep, on the real MongoDB-wire server', () => {
  let client: MongoClient;
  let db: Db;
  let timerQueries = 0;
  const t0 = new Date('2026-12-01T12:00:00Z');
  const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  beforeAll(async () => {
    client = await MongoClient.connect(testServers().mongoUrl, { monitorCommands: true });
    db = client.db(uniqueName('stream_timers').replace(/-/g, '_'));
    client.on('commandStarted', (event) => {
      const command = event.command as { find?: unknown };
      if (event.commandName === 'find' && String(command.find).endsWith('_timers')) timerQueries += 1;
    });
  });
  afterAll(async () => {
    await db.dropDatabase();
    await client.close();
  });

  const timed = (streamId: string, at: Date) => ({
    streamId,
    expectedVersion: 0,
    state: { n: 1 },
    records: [],
    now: t0,
    timer: at,
  });

  it('asks the store only when a timer it knows of is due; its own new timers count at once', async () => {
    const here = await createStreamStore<State>({
      db,
      collection: uniqueName('streams'),
      timerLookEveryMs: 60_000,
    });
    await here.append(timed('far', later(600)));

    expect(await here.dueTimers(later(1))).toEqual([]); // the first look
    const afterFirstLook = timerQueries;
    expect(await here.dueTimers(later(2))).toEqual([]);
    expect(await here.dueTimers(later(3))).toEqual([]);
    expect(timerQueries).toBe(afterFirstLook); // nothing due before 600 s: no query

    await here.append(timed('near', later(5)));
    expect(await here.dueTimers(later(6))).toEqual(['near']);
    // A jump of the clock past the earliest known timer looks at once too.
    expect((await here.dueTimers(later(601))).sort()).toEqual(['far', 'near']);
  });

  it("sees another process's timer once its view has aged", async () => {
    const collection = uniqueName('streams');
    const lookEveryMs = 2_000;
    const here = await createStreamStore<State>({ db, collection, timerLookEveryMs: lookEveryMs });
    const elsewhere = await createStreamStore<State>({ db, collection, timerLookEveryMs: lookEveryMs });
    expect(await here.dueTimers(later(1))).toEqual([]); // a look: no timers at all

    await elsewhere.append(timed('theirs', later(5)));
    expect(await here.dueTimers(later(6))).toEqual([]); // its view is fresh: not seen yet
    await new Promise((resolve) => setTimeout(resolve, lookEveryMs + 100));
    expect(await here.dueTimers(later(6))).toEqual(['theirs']);
  });

  it("keeps a due timer that another process committed after this one's view of the stream", async () => {
    const collection = uniqueName('streams');
    const here = await createStreamStore<State>({ db, collection });
    const elsewhere = await createStreamStore<State>({ db, collection });
    // This process saw the stream without a timer; the other moved it on, with one.
    await here.append({ ...timed('shared', later(5)), timer: null });
    await elsewhere.load('shared');
    await elsewhere.append({ ...timed('shared', later(5)), expectedVersion: 1 });

    expect(await here.dueTimers(later(6))).toEqual(['shared']);
    expect(await db.collection(`${collection}_timers`).countDocuments({ _id: 'shared' as never })).toBe(1);
  });

  it('hands out the due entries one look read across the calls that follow, then looks again', async () => {
    const store = await createStreamStore<State>({ db, collection: uniqueName('streams') });
    const names = Array.from({ length: 30 }, (_, i) => `due${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((name) => store.append(timed(name, later(5)))));
    await store.append(timed('later', later(600)));
    expect(await store.countDueTimers(later(6), 1_000)).toBe(30);

    const before = timerQueries;
    const handedOut = [
      ...(await store.dueTimers(later(6), 10)),
      ...(await store.dueTimers(later(6), 10)),
      ...(await store.dueTimers(later(6), 10)),
    ];
    expect(timerQueries - before).toBe(1); // one look served all three calls
    expect(handedOut.sort()).toEqual(names);
    // The backlog is empty: the next call looks again (the woken streams' timers are still stored,
    // as nothing ticked them), and finds them due again.
    expect(await store.dueTimers(later(6), 100)).toHaveLength(30);
    expect(timerQueries - before).toBe(2);
  });

  it('knows a timer it stored while a look was on the wire, without looking again', async () => {
    const store = await createStreamStore<State>({
      db,
      collection: uniqueName('streams'),
      timerLookEveryMs: 60_000,
    });
    await store.append(timed('first', later(600)));
    await Promise.all([store.dueTimers(later(1)), store.append(timed('meanwhile', later(300)))]);
    const before = timerQueries;
    expect(await store.dueTimers(later(2))).toEqual([]);
    expect(timerQueries).toBe(before); // nothing known is due: no look
    expect(await store.dueTimers(later(301))).toEqual(['meanwhile']);
  });
});
