import { BoundedMap } from './index';

describe('a bounded map', () => {
  it('keeps at most its bound, dropping the entry written longest ago', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    expect(map.size).toBe(2);
    expect(map.has('b')).toBe(false); // written before the rewrite of 'a'
    expect([map.get('a'), map.get('c')]).toEqual([3, 4]);
  });

  it('drops in the order of the latest writes, past deleted and rewritten keys', () => {
    const map = new BoundedMap<string, number>(3);
    map.set('a', 1).set('b', 2).set('c', 3);
    map.delete('a');
    map.set('b', 20); // now the newest
    map.set('d', 4); // three entries: c, b, d
    expect(map.size).toBe(3);
    map.set('e', 5); // drops c, the oldest write still standing
    expect(['b', 'c', 'd', 'e'].filter((key) => map.has(key))).toEqual(['b', 'd', 'e']);
    map.set('f', 6); // then b (written after c, before d)
    expect(['b', 'd', 'e', 'f'].filter((key) => map.has(key))).toEqual(['d', 'e', 'f']);
    expect(map.get('d')).toBe(4);
  });

  it('stays exact through many rewrites of a few keys and many more keys than its bound', () => {
    const map = new BoundedMap<number, number>(100);
    for (let i = 0; i < 10_000; i += 1) map.set(i % 7, i); // rewrites: the queue compacts
    for (let i = 0; i < 100_000; i += 1) map.set(1_000 + i, i);
    expect(map.size).toBe(100);
    // Exactly the last 100 keys written remain.
    for (let i = 99_900; i < 100_000; i += 1) expect(map.get(1_000 + i)).toBe(i);
    expect(map.has(0)).toBe(false);
    expect(map.has(1_000 + 99_899)).toBe(false);
  });

  it('refuses a bound below one', () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError);
  });
});
