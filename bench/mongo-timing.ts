// Where a benchmark's MongoDB time went: every command timed, by command and collection.
import type { MongoClient } from 'mongodb';

export interface MongoTiming {
  /** The commands that took the most time in all, as printable lines. */
  report(top?: number): string[];
  /** Commands answered so far. */
  count(): number;
}

/** The fields a command filters on, e.g. ` {subjectId}`: a filtered scan shows by its shape. */
function filterShape(command: Record<string, unknown>): string {
  const deletes = command.deletes as { q?: object }[] | undefined;
  const pipeline = command.pipeline as { $match?: object }[] | undefined;
  const filter = command.filter ?? command.query ?? deletes?.[0]?.q ?? pipeline?.[0]?.$match;
  return filter ? ` {${Object.keys(filter).join(',')}}` : '';
}

/** Needs a client connected with `monitorCommands: true`. */
export function timeMongoCommands(mongo: MongoClient): MongoTiming {
  const totals = new Map<string, { count: number; ms: number }>();
  const started = new Map<number, string>();
  mongo.on('commandStarted', (event) => {
    const command = event.command as Record<string, unknown>;
    const collection = command[event.commandName];
    const target = typeof collection === 'string' ? collection : '';
    started.set(event.requestId, `${event.commandName} ${target}${filterShape(command)}`);
  });
  mongo.on('commandSucceeded', (event) => {
    const key = started.get(event.requestId);
    if (!key) return;
    started.delete(event.requestId);
    const entry = totals.get(key) ?? { count: 0, ms: 0 };
    entry.count += 1;
    entry.ms += event.duration;
    totals.set(key, entry);
  });
  let answered = 0;
  mongo.on('commandSucceeded', () => void (answered += 1));
  return {
    count: () => answered,
    report: (top = 10) => [
      'MongoDB commands by total time (whole run):',
      ...[...totals]
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, top)
        .map(
          ([key, { count, ms }]) =>
            `  ${key.padEnd(58)} ${String(count).padStart(6)} calls ${ms.toFixed(0).padStart(7)} ms  ${(ms / count).toFixed(1)} ms each`,
        ),
    ],
  };
}
