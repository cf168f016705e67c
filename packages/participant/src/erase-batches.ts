import type { ErasureTask, TaskResult } from './participant';

/**
 * Erases several subjects in one go (one `$in` query, one pipelined Redis UNLINK), one result
 * per task in the order given. A task that failed on its own gets its Error in its place; a
 * throw fails every task of the batch.
 */
export type EraseMany = (tasks: readonly ErasureTask[]) => Promise<readonly (TaskResult | Error)[]>;

/** More tasks than this wait for the next batch: a batch's store command stays bounded. */
const MAX_TASKS_PER_BATCH = 64;

interface Waiting {
  readonly task: ErasureTask;
  readonly resolve: (result: TaskResult) => void;
  readonly reject: (error: unknown) => void;
}

async function eraseBatch(eraseMany: EraseMany, batch: readonly Waiting[]): Promise<void> {
  let results: readonly (TaskResult | Error)[];
  try {
    results = await eraseMany(batch.map((waiting) => waiting.task));
    if (results.length !== batch.length)
      throw Object.assign(new Error(`eraseMany gave ${results.length} results for ${batch.length} tasks`), {
        code: 'ERASE_MANY_RESULT_COUNT',
        retriable: false,
      });
  } catch (error) {
    for (const waiting of batch) waiting.reject(error);
    return;
  }
  batch.forEach((waiting, index) => {
    const result = results[index]!;
    if (result instanceof Error) waiting.reject(result);
    else waiting.resolve(result);
  });
}

/**
 * One task's erase, from a participant's eraseMany. The first task goes at once; the tasks that
 * come while it is in the store (the consumer runs 16 subjects of a partition at once) go
 * together in the next call, so a burst costs a few store round trips, not one per subject.
 */
export function batchedErase(eraseMany: EraseMany): (task: ErasureTask) => Promise<TaskResult> {
  const waiting: Waiting[] = [];
  let erasing = false;

  async function eraseWaiting(): Promise<void> {
    erasing = true;
    while (waiting.length > 0) await eraseBatch(eraseMany, waiting.splice(0, MAX_TASKS_PER_BATCH));
    erasing = false;
  }

  return (task) =>
    new Promise<TaskResult>((resolve, reject) => {
      waiting.push({ task, resolve, reject });
      if (!erasing) void eraseWaiting();
    });
}
