import { ABANDONED_AFTER_MS, madeByTests, testRunStart } from './hygiene';
import { newTestRunId, uniqueName } from './isolation';

describe('which broker names global teardown removes', () => {
  const now = Date.UTC(2026, 10, 30, 12);
  const run = newTestRunId(now);

  it("removes the run's own names, at any depth of a scope's prefix", () => {
    const name = `e2e-${run}-0a1b2c3d.lethe.erasure.tasks.notes.v1.dlq`;
    expect(madeByTests(name, run, now)).toBe(true);
    expect(testRunStart(name)).toBe(Math.floor(now / 1000) * 1000);
  });

  it("leaves a concurrent run's names and the system's own alone", () => {
    const other = newTestRunId(now - 60_000);
    expect(madeByTests(`group-${other}-0a1b2c3d`, run, now)).toBe(false);
    for (const system of ['lethe.erasure.events.v1.dlq', 'lethe.audit', 'lethe.erasure.tasks.key-vault.v1'])
      expect(madeByTests(system, run, now)).toBe(false);
  });

  it('removes the names of runs that died, once older than any run, in both forms', () => {
    const dead = newTestRunId(now - ABANDONED_AFTER_MS - 1_000);
    expect(madeByTests(`ret-${dead}-0a1b2c3d.lethe.audit`, run, now)).toBe(true);
    const olderForm = `topics-${(now - ABANDONED_AFTER_MS - 1_000).toString(36)}-f29f43`;
    expect(madeByTests(olderForm, run, now)).toBe(true);
    const recentOlderForm = `topics-${(now - 60_000).toString(36)}-f29f43`;
    expect(madeByTests(recentOlderForm, run, now)).toBe(false);
  });

  it('reads back the run id of the names uniqueName makes', () => {
    process.env.LETHE_TEST_RUN ??= newTestRunId();
    const name = uniqueName('plan');
    expect(madeByTests(name, process.env.LETHE_TEST_RUN, Date.now())).toBe(true);
    expect(testRunStart(name)).toBeLessThanOrEqual(Date.now());
  });
});
