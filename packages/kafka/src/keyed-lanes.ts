export interface KeyedLanesOptions<Item> {
  /** Items running at once, at most. */
  readonly limit: number;
  /** Items of one key run in order; an item without a key runs alone, after all before it. */
  readonly keyOf: (item: Item) => string | null;
  /** Runs one item: true when it finished, false when it was abandoned unfinished. */
  readonly run: (item: Item) => Promise<boolean>;
  /** Checked before each item starts: false stops starting new ones. */
  readonly mayStart: () => boolean;
  /** Told, in order, each time the items finished from the first one on reach further. */
  readonly finishedThrough: (index: number) => void;
}

/**
 * Runs a partition's records the way their keys allow: different keys at once, each key's in
 * order. Lethe keys records by subject, so two records of one stream never run at once, and a
 * slow subject holds only its own lane. Only the run of finished records from the first one on
 * may be committed; anything after an abandoned record comes again after the restart.
 */
export async function runInKeyedLanes<Item>(
  items: readonly Item[],
  { limit, keyOf, run, mayStart, finishedThrough }: KeyedLanesOptions<Item>,
): Promise<void> {
  const lanes = new Map<string, Promise<boolean>>();
  const running = new Set<Promise<boolean>>();
  const finished: boolean[] = [];
  let through = -1;
  let abandoned = false;

  const advance = () => {
    const before = through;
    while (finished[through + 1] === true) through += 1;
    if (through > before) finishedThrough(through);
  };

  for (const [index, item] of items.entries()) {
    if (abandoned || !mayStart()) break;
    const key = keyOf(item);
    if (key === null) await Promise.all(running);
    while (running.size >= limit) await Promise.race(running);
    if (abandoned || !mayStart()) break;
    const ahead = key === null ? undefined : lanes.get(key);
    const runItem = async (): Promise<boolean> => {
      // The key's earlier record must have finished: order within a key is the guarantee.
      if (ahead && !(await ahead)) return false;
      const done = await run(item);
      if (!done) abandoned = true;
      finished[index] = done;
      advance();
      return done;
    };
    const started = runItem();
    running.add(started);
    void started
      .finally(() => {
        running.delete(started);
        if (key !== null && lanes.get(key) === started) lanes.delete(key);
      })
      .catch(() => undefined); // its failure is thrown where it is awaited
    if (key === null)
      await started; // alone: nothing after it starts before it ends
    else lanes.set(key, started);
  }
  await Promise.all(running);
}
