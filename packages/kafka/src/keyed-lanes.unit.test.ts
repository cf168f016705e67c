import { runInKeyedLanes } from './keyed-lanes';

interface Item {
  readonly id: number;
  readonly key: string | null;
}

/** A run whose items finish when the test says so, recording what was running meanwhile. */
function controlledRun() {
  const release = new Map<number, (done: boolean) => void>();
  const started: number[] = [];
  const running = new Set<number>();
  let mostAtOnce = 0;
  const run = (item: Item) =>
    new Promise<boolean>((resolve) => {
      started.push(item.id);
      running.add(item.id);
      mostAtOnce = Math.max(mostAtOnce, running.size);
      release.set(item.id, (done) => {
        running.delete(item.id);
        resolve(done);
      });
    });
  const settle = async (id: number, done = true) => {
    await new Promise((resolve) => setImmediate(resolve));
    const finish = release.get(id);
    if (!finish) throw new Error(`item ${id} has not started`);
    finish(done);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { run, settle, started, running, mostAtOnce: () => mostAtOnce };
}

const items = (keys: (string | null)[]): Item[] => keys.map((key, id) => ({ id, key }));

describe('a partition run in keyed lanes', () => {
  it('runs different keys at once, one key in order, and reports the finished run from the start', async () => {
    const control = controlledRun();
    const through: number[] = [];
    const done = runInKeyedLanes(items(['a', 'b', 'a', 'c']), {
      limit: 8,
      keyOf: (item) => item.key,
      run: control.run,
      mayStart: () => true,
      finishedThrough: (index) => through.push(index),
    });

    await control.settle(1); // b finishes first: nothing before it has, so nothing to report
    expect(control.started).toEqual([0, 1, 3]); // the second 'a' waits for the first
    expect(through).toEqual([]);
    await control.settle(0);
    expect(through).toEqual([1]); // 0 and 1 finished
    expect(control.started).toEqual([0, 1, 3, 2]);
    await control.settle(3);
    expect(through).toEqual([1]); // 2 is still running
    await control.settle(2);
    await done;
    expect(through).toEqual([1, 3]);
  });

  it('never runs more than the limit at once', async () => {
    const control = controlledRun();
    const done = runInKeyedLanes(items(['a', 'b', 'c', 'd', 'e']), {
      limit: 2,
      keyOf: (item) => item.key,
      run: control.run,
      mayStart: () => true,
      finishedThrough: () => undefined,
    });
    for (const id of [0, 1, 2, 3, 4]) await control.settle(id);
    await done;
    expect(control.mostAtOnce()).toBe(2);
  });

  it('runs an unkeyed item alone, after everything before it', async () => {
    const control = controlledRun();
    const done = runInKeyedLanes(items(['a', null, 'b']), {
      limit: 8,
      keyOf: (item) => item.key,
      run: control.run,
      mayStart: () => true,
      finishedThrough: () => undefined,
    });
    await control.settle(0);
    expect(control.started).toEqual([0, 1]);
    expect([...control.running]).toEqual([1]);
    await control.settle(1);
    await control.settle(2);
    await done;
  });

  it('after an abandoned item starts nothing new, skips its key, and reports nothing past it', async () => {
    const control = controlledRun();
    const through: number[] = [];
    const done = runInKeyedLanes(items(['a', 'b', 'a', 'c']), {
      limit: 2,
      keyOf: (item) => item.key,
      run: control.run,
      mayStart: () => true,
      finishedThrough: (index) => through.push(index),
    });
    await control.settle(0, false); // abandoned (a stop, a rebalance)
    await control.settle(1);
    await done;
    expect(control.started).toEqual([0, 1]); // the second 'a' never ran, nor anything after
    expect(through).toEqual([]);
  });

  it('stops starting items once told to', async () => {
    const control = controlledRun();
    let open = true;
    const done = runInKeyedLanes(items(['a', 'b', 'c']), {
      limit: 1,
      keyOf: (item) => item.key,
      run: control.run,
      mayStart: () => open,
      finishedThrough: () => undefined,
    });
    open = false;
    await control.settle(0);
    await done;
    expect(control.started).toEqual([0]);
  });

  it('throws a failure of an item to its caller', async () => {
    await expect(
      runInKeyedLanes(items(['a', 'b']), {
        limit: 2,
        keyOf: (item) => item.key,
        run: async (item) => {
          if (item.id === 1) throw new Error('the dead-letter topic is unreachable');
          return true;
        },
        mayStart: () => true,
        finishedThrough: () => undefined,
      }),
    ).rejects.toThrow('unreachable');
  });
});
