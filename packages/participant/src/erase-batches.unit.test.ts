import { batchedErase, type EraseMany } from './erase-batches';
import type { ErasureTask, TaskResult } from './participant';

const task = (subjectId: string): ErasureTask => ({
  requestId: `req-${subjectId}`,
  subjectId,
  scope: { all: true, categories: [], keep: [] },
  attempt: 1,
  deadlineAt: new Date(0),
  signature: null,
});

const erased = (subjectId: string): TaskResult => ({
  outcome: 'erased',
  counts: { 'test:store': 1 },
  verifiedEmpty: true,
  evidence: { subjectId },
});

describe('a participant erasing several subjects per call', () => {
  it('sends the first task at once and the tasks that came meanwhile together, each getting its own result', async () => {
    const calls: string[][] = [];
    const eraseMany: EraseMany = async (tasks) => {
      calls.push(tasks.map((t) => t.subjectId));
      await new Promise((resolve) => setTimeout(resolve, 5));
      return tasks.map((t) => (t.subjectId === 'sub-bad' ? new Error('store refused') : erased(t.subjectId)));
    };
    const erase = batchedErase(eraseMany);

    const outcomes = await Promise.allSettled(
      ['sub-1', 'sub-2', 'sub-bad', 'sub-3'].map((s) => erase(task(s))),
    );

    expect(calls).toEqual([['sub-1'], ['sub-2', 'sub-bad', 'sub-3']]);
    expect(
      outcomes.map((o) =>
        o.status === 'fulfilled' ? (o.value.evidence as { subjectId: string }).subjectId : 'failed',
      ),
    ).toEqual(['sub-1', 'sub-2', 'failed', 'sub-3']);
  });

  it('fails every task of a batch whose call throws, and takes the next batch afterwards', async () => {
    let fail = true;
    const erase = batchedErase(async (tasks) => {
      if (fail) throw Object.assign(new Error('connection lost'), { retriable: true });
      return tasks.map((t) => erased(t.subjectId));
    });

    await expect(erase(task('sub-1'))).rejects.toThrow('connection lost');
    fail = false;
    await expect(erase(task('sub-2'))).resolves.toMatchObject({ outcome: 'erased' });
  });

  it('refuses results that do not match the tasks one to one', async () => {
    const erase = batchedErase(async () => []);
    await expect(erase(task('sub-1'))).rejects.toMatchObject({ code: 'ERASE_MANY_RESULT_COUNT' });
  });
});
