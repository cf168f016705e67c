// `lethe dlq list | show | replay | purge`: dead letters for the people who run Lethe.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';

import {
  DEAD_LETTER_SUFFIX,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  showDeadLetters,
} from '@lethe/kafka';

import type { CliConfig } from './config';
import { withKafka } from './kafka-session';

/** A whole-number option, or a clear error naming it. */
function wholeNumber(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a whole number, not ${JSON.stringify(raw)}`);
  return value;
}

async function confirmed(topic: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    console.error('lethe dlq purge: not a terminal; pass --yes to purge without asking');
    return false;
  }
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await prompt.question(`Delete every record on ${topic}? Type the topic name to confirm: `);
  prompt.close();
  return answer.trim() === topic;
}

export async function dlqCommand(config: CliConfig, args: readonly string[]): Promise<number> {
  const [verb, ...rest] = args;
  const { positionals, values: options } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      all: { type: 'boolean' },
      yes: { type: 'boolean' },
      offset: { type: 'string' },
      limit: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      cause: { type: 'string' },
    },
  });
  const topic = positionals[0];
  if (verb === 'list') {
    return withKafka(config, { clientId: 'lethe-cli-dlq', quiet: true }, async (kafka) => {
      const summaries = await listDeadLetters(kafka, config.topicPrefix);
      for (const summary of summaries.filter((s) => s.records > 0 || options.all)) {
        const causes = Object.entries(summary.causes)
          .map(([cause, count]) => `${count} x ${cause}`)
          .join('; ');
        console.log(
          `${summary.topic}  records=${summary.records}` +
            (summary.oldestFailedAt ? `  oldest=${summary.oldestFailedAt}` : '') +
            (causes ? `\n  ${causes}` : ''),
        );
      }
      const waiting = summaries.filter((s) => s.records > 0).length;
      console.log(`dlq: ${waiting} of ${summaries.length} dead-letter topics hold records`);
      return 0;
    });
  }
  if (!topic || !topic.endsWith(DEAD_LETTER_SUFFIX)) {
    console.error('usage: lethe dlq list | show|replay|purge <topic>.dlq [options] (see lethe help)');
    return 2;
  }
  if (verb === 'show') {
    return withKafka(config, { clientId: 'lethe-cli-dlq', quiet: true }, async (kafka) => {
      const letters = await showDeadLetters(kafka, topic, {
        offset: wholeNumber(options.offset, 'offset') ?? 0,
        limit: wholeNumber(options.limit, 'limit') ?? 20,
      });
      for (const letter of letters) console.log(JSON.stringify(letter));
      return 0;
    });
  }
  if (verb === 'replay') {
    return withKafka(config, { clientId: 'lethe-cli-dlq', quiet: true }, async (kafka) => {
      const from = wholeNumber(options.from, 'from');
      const to = wholeNumber(options.to, 'to');
      const cause = options.cause;
      const result = await replayDeadLetters(kafka, topic, {
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(cause === undefined ? {} : { cause }),
        onProgress: (done, total) => {
          if (done === total || done % 100 === 0) console.log(`replaying: ${done}/${total}`);
        },
      });
      console.log(
        `replayed ${result.replayed} to their source topics; ${result.alreadyReplayed} had been replayed before` +
          (result.withoutValue > 0
            ? `; ${result.withoutValue} too large to have been copied (still on their source topic)`
            : ''),
      );
      return 0;
    });
  }
  if (verb === 'purge') {
    if (!(await confirmed(topic, options.yes === true))) return 2;
    return withKafka(config, { clientId: 'lethe-cli-dlq', quiet: true }, async (kafka) => {
      console.log(`purged ${await purgeDeadLetters(kafka, topic)} records from ${topic}`);
      return 0;
    });
  }
  console.error(`lethe dlq: unknown command ${JSON.stringify(verb)}`);
  return 2;
}
