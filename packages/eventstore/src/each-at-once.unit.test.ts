import { eachAtOnce } from './each-at-once';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('eachAtOnce', () => {
  it('does every item, never more than the limit at a time', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await eachAtOnce([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running += 1;
      most = Math.max(most, running);
      await tick();
      done.push(item);
      running -= 1;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('throws the first failure after the others in flight settle, and starts no more', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = eachAtOnce([1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      await tick();
      if (item === 1) throw new Error('one failed');
      settled += 1;
    });
    await expect(run).rejects.toThrow('one failed');
    expect(started).toEqual([1, 2]);
    expect(settled).toBe(1);
  });
});
