// `lethe dlq list | show | replay | purge`: dead letters for the people who run Lethe.
import { createInterface } from 'node:readline/promises';

import {
  connectKafka,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
  showDeadLetters,
  type KafkaClient,
} from '@lethe/kafka';
import { createLogger } from '@lethe/logger';

import type { CliConfig } from './config';

/** `--name value` options after the positional arguments. */
function parseOptions(args: readonly string[]): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) positional.push(arg);
    else if (arg === '--yes') options.set('yes', 'true');
    else options.set(arg.slice(2), args[++i] ?? '');
  }
  return { positional, options };
}

function wholeNumber(options: Map<string, string>, name: string): number | undefined {
  const raw = options.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} must be a whole number, not ${JSON.stringify(raw)}`);
  return value;
}

async function withKafka<T>(config: CliConfig, use: (kafka: KafkaClient) => Promise<T>): Promise<T> {
  const kafka = await connectKafka(
    { ...config.kafka, clientId: 'lethe-cli-dlq' },
    createLogger({ name: 'lethe-cli', level: 'error' }),
  );
  try {
    return await use(kafka);
  } finally {
    await kafka.close();
  }
}

async function confirmed(topic: string, options: Map<string, string>): Promise<boolean> {
  if (options.has('yes')) return true;
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
  const { positional, options } = parseOptions(rest);
  const topic = positional[0];
  if (verb === 'list') {
    return withKafka(config, async (kafka) => {
      const summaries = await listDeadLetters(kafka, config.topicPrefix);
      for (const summary of summaries.filter((s) => s.records > 0 || options.has('all'))) {
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
  if (!topic || !topic.endsWith('.dlq')) {
    console.error('usage: lethe dlq list | show|replay|purge <topic>.dlq [options] (see lethe help)');
    return 2;
  }
  if (verb === 'show') {
    return withKafka(config, async (kafka) => {
      const letters = await showDeadLetters(kafka, topic, {
        offset: wholeNumber(options, 'offset') ?? 0,
        limit: wholeNumber(options, 'limit') ?? 20,
      });
      for (const letter of letters) console.log(JSON.stringify(letter));
      return 0;
    });
  }
  if (verb === 'replay') {
    return withKafka(config, async (kafka) => {
      const from = wholeNumber(options, 'from');
      const to = wholeNumber(options, 'to');
      const cause = options.get('cause');
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
    if (!(await confirmed(topic, options))) return 2;
    return withKafka(config, async (kafka) => {
      console.log(`purged ${await purgeDeadLetters(kafka, topic)} records from ${topic}`);
      return 0;
    });
  }
  console.error(`lethe dlq: unknown command ${JSON.stringify(verb)}`);
  return 2;
}
