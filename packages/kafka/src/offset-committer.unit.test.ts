import { createLogger } from '@lethe/logger';

import { offsetCommitter, type CommittedOffset } from './offset-committer';

const log = createLogger({ name: 'test', level: 'silent' });

/** A broker stand-in whose commits stay open until the test releases them. */
function heldCommits() {
  const commits: CommittedOffset[][] = [];
  const releases: ((error?: Error) => void)[] = [];
  const commit = (offsets: CommittedOffset[]) =>
    new Promise<void>((resolve, reject) => {
      commits.push(offsets);
      releases.push((error) => (error ? reject(error) : resolve()));
    });
  const release = async (error?: Error) => {
    releases.shift()!(error);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { commits, commit, release };
}

describe('offsetCommitter', () => {
  it('commits at once, and while a commit is open gathers each partition latest mark into the next', async () => {
    const broker = heldCommits();
    const committer = offsetCommitter(broker.commit, log);

    committer.handled('t', 0, '0');
    committer.handled('t', 0, '1');
    committer.handled('t', 1, '7');
    committer.handled('t', 0, '2');
    expect(broker.commits).toEqual([[{ topic: 't', partition: 0, offset: '1' }]]);

    await broker.release();
    expect(broker.commits[1]).toEqual([
      { topic: 't', partition: 0, offset: '3' },
      { topic: 't', partition: 1, offset: '8' },
    ]);
    await broker.release();
    await committer.flushed();
    expect(broker.commits).toHaveLength(2);
  });

  it('keeps the marks of a failed commit for the next one, never moving a partition back', async () => {
    const broker = heldCommits();
    const committer = offsetCommitter(broker.commit, log);

    committer.handled('t', 0, '4');
    committer.handled('t', 1, '9');
    await broker.release(new Error('REBALANCE_IN_PROGRESS'));
    expect(broker.commits).toEqual([[{ topic: 't', partition: 0, offset: '5' }]]);

    committer.handled('t', 0, '5');
    expect(broker.commits[1]).toEqual(
      expect.arrayContaining([
        { topic: 't', partition: 0, offset: '6' },
        { topic: 't', partition: 1, offset: '10' },
      ]),
    );
    expect(broker.commits[1]).toHaveLength(2);
    await broker.release();
  });

  it('flushed() waits for the open commit and sends what is left', async () => {
    const broker = heldCommits();
    const committer = offsetCommitter(broker.commit, log);
    committer.handled('t', 0, '0');
    await broker.release(new Error('coordinator away'));
    expect(broker.commits).toHaveLength(1);

    const flushing = committer.flushed();
    await new Promise((resolve) => setImmediate(resolve));
    expect(broker.commits[1]).toEqual([{ topic: 't', partition: 0, offset: '1' }]);
    await broker.release();
    await flushing;
  });

  it('tries a failed commit again after a pause when no record comes', async () => {
    const broker = heldCommits();
    const committer = offsetCommitter(broker.commit, log, 20);
    committer.handled('t', 0, '3');
    await broker.release(new Error('coordinator away'));

    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(broker.commits).toEqual([
      [{ topic: 't', partition: 0, offset: '4' }],
      [{ topic: 't', partition: 0, offset: '4' }],
    ]);
    await broker.release();
    await committer.flushed();
  });
});
