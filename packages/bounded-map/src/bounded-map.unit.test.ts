import { BoundedMap } from './index';

describe('a bounded map', () => {
  it('keeps at most its bound, dropping the entry written longest ago', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2).set('a', 3).set('c', 4);
    expect(map.size).toBe(2);
    expect(map.has('b')).toBe(false); // written before the rewrite of 'a'
    expect([map.get('a'), map.get('c')]).toEqual([3, 4]);
  });

  it('refuses a bound below one', () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError);
  });
});
