import type { ChildProcess } from 'node:child_process';

import type { Db } from 'mongodb';

import { createEventCodec, createSchemaRegistry, loadCatalog, type EventCodec } from '@lethe/events';
import type { KafkaAdmin, KafkaClient } from '@lethe/kafka';
import { topicNamer } from '@lethe/service-kit';

import { uniqueName } from './isolation';
import { createPrefixedTopics, deleteTestTopicsAndGroups, testKafka } from './kafka';
import { testDatabase } from './mongo';
import { serviceUrl, testCaFile, testServiceFetch } from './https';
import { spawnLetheProcess } from './processes';
import { testServers } from './servers';

/** What most int and e2e tests start from: their own database, topics, groups and codec. */
export interface TestScope {
  /** The prefix of every topic and group the scope's services make (`LETHE_TOPIC_PREFIX`). */
  readonly prefix: string;
  readonly topicName: (logical: string) => string;
  readonly db: Db;
  readonly kafka: KafkaClient;
  readonly admin: KafkaAdmin;
  readonly codec: EventCodec;
  /**
   * Runs an entry point (a service's main.ts, a fixture) as a child process on the scope's
   * database and topic prefix; close() kills what is still running.
   */
  spawn(entry: string, env?: NodeJS.ProcessEnv): ChildProcess;
  /** Kills its processes, removes its topics, groups and database, and closes Kafka. */
  close(): Promise<void>;
}

export interface TestScopeOptions {
  /** Logical topic names (`lethe.erasure.events.v1`) to create under the scope's prefix. */
  topics?: readonly string[];
  /** Partitions of each topic (default 1)... */
  partitions?: number;
  /** ...except these. */
  partitionsOf?: Readonly<Record<string, number>>;
  /** Replicas of each topic and the acked-write quorum (a multi-broker cluster); default 1 and 1. */
  replication?: { readonly factor: number; readonly minInSync: number };
}

export async function openTestScope(name: string, options: TestScopeOptions = {}): Promise<TestScope> {
  const prefix = uniqueName(name);
  const topicName = topicNamer(prefix);
  const { db, drop } = await testDatabase(name);
  const kafka = await testKafka();
  const { partitions = 1, partitionsOf = {} } = options;
  for (const logical of options.topics ?? []) {
    await createPrefixedTopics(
      kafka.admin,
      topicName,
      [logical],
      partitionsOf[logical] ?? partitions,
      options.replication,
    );
  }
  const codec = createEventCodec({
    registry: createSchemaRegistry(testServers().registryUrl, { caFile: testCaFile() }),
    catalog: loadCatalog(),
  });
  const children: ChildProcess[] = [];
  return {
    prefix,
    topicName,
    db,
    kafka,
    admin: kafka.admin,
    codec,
    spawn(entry, env = {}) {
      const child = spawnLetheProcess(entry, db.databaseName, {
        LETHE_TOPIC_PREFIX: prefix,
        LETHE_LOG_LEVEL: 'warn',
        ...env,
      });
      children.push(child);
      return child;
    },
    async close() {
      // SIGTERM first: a service that stops in order leaves its consumer groups at once, so they
      // can be deleted; one killed keeps its member a session timeout (15 s) on the broker.
      await Promise.all(children.map((child) => stopGently(child)));
      await deleteTestTopicsAndGroups(kafka.admin, topicName(''));
      await kafka.close();
      await drop();
    },
  };
}

/** The status `/readyz` answers on a local port, or 0 while nothing listens there. */
export async function readyStatus(port: number): Promise<number> {
  try {
    return (await testServiceFetch()(serviceUrl(port, '/readyz'))).status;
  } catch {
    return 0;
  }
}

/** SIGTERM, then SIGKILL if the process is still there after 10 s. */
async function stopGently(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
