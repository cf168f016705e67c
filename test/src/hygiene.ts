import type { KafkaAdmin } from '@lethe/kafka';

// What the test suite leaves on the broker: nothing. Every topic and consumer group a test makes
// is named by uniqueName, so it carries the run's id (`-r<seconds base 36>-<8 hex>`); global
// teardown deletes them all, whichever test made them and whether or not that test finished.
// Names of runs that died before their teardown (and of the older `-<ms base 36>-<6 hex>` form)
// go once they are old enough that no run still using them can be alive.

const RUN_NAME = /-r([0-9a-z]{6})-[0-9a-f]{8}(?![0-9a-z])/;
const OLDER_NAME = /-([0-9a-z]{8})-[0-9a-f]{6}(?![0-9a-z])/;
/** Longer than any run (CI allows 90 minutes). */
export const ABANDONED_AFTER_MS = 6 * 60 * 60 * 1000;

/** When the run that made `name` started, or undefined for a name no test made. */
export function testRunStart(name: string): number | undefined {
  const run = RUN_NAME.exec(name);
  if (run) return parseInt(run[1]!, 36) * 1000;
  const older = OLDER_NAME.exec(name);
  if (!older) return undefined;
  const made = parseInt(older[1]!, 36);
  // Milliseconds since 1970 between 2020 and 2100: a test's name, not a word that looks like one.
  return made > Date.UTC(2020, 0) && made < Date.UTC(2100, 0) ? made : undefined;
}

/** Whether teardown of run `runId` removes `name`: the run's own, or an abandoned run's. */
export function madeByTests(name: string, runId: string, now = Date.now()): boolean {
  if (name.includes(`-${runId}-`)) return true;
  const started = testRunStart(name);
  return started !== undefined && now - started > ABANDONED_AFTER_MS;
}

export interface Leftovers {
  readonly topics: string[];
  readonly groups: string[];
}

async function leftovers(admin: KafkaAdmin, runId: string): Promise<Leftovers> {
  const [topics, groups] = await Promise.all([admin.listTopics(), admin.listGroups()]);
  return {
    topics: topics.filter((name) => madeByTests(name, runId)),
    groups: groups.filter((name) => madeByTests(name, runId)),
  };
}

/**
 * Deletes the run's topics and groups (and abandoned runs'), and returns what is still there
 * after a few tries: a group keeps its members a session timeout (15 s) after a process is
 * killed, so the tries span twice that.
 */
export async function deleteTestLeftovers(
  admin: KafkaAdmin,
  runId: string,
  { attempts = 13, pauseMs = 2_500 } = {},
): Promise<{ deleted: Leftovers; remaining: Leftovers }> {
  const found = await leftovers(admin, runId);
  let remaining = found;
  for (let attempt = 0; attempt < attempts; attempt++) {
    // Groups first: a group's committed offsets name its topics.
    for (const group of remaining.groups) await admin.deleteGroups([group]).catch(() => undefined);
    for (let i = 0; i < remaining.topics.length; i += 100)
      await admin.deleteTopics(remaining.topics.slice(i, i + 100)).catch(() => undefined);
    remaining = await leftovers(admin, runId);
    if (remaining.topics.length + remaining.groups.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  const gone = (all: string[], left: string[]) => all.filter((name) => !left.includes(name));
  return {
    deleted: { topics: gone(found.topics, remaining.topics), groups: gone(found.groups, remaining.groups) },
    remaining,
  };
}
