import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { MongoClient } from 'mongodb';

import { createEventCodec, createSchemaRegistry, loadCatalog, makeEvent } from '@lethe/events';
import { connectKafka, kafkaConnectionFromEnv } from '@lethe/kafka';
import { s3ClientFromEnv } from '@lethe/participant-s3';

import { eventually, uniqueName } from './isolation';
import { testLogger } from './kafka';
import { freePort } from './ports';
import { localPrincipalEnv } from './servers';

// A second, private stack (own LETHE_HOME, own ports; the installed servers are shared) proves
// what the system of record promises: a record and a document written before `down`/`up` are
// still there after it, and the record still decodes, because the registry kept its schema ids.
// It boots two JVMs twice beside the rest of the suite: on C1 alone (LETHE_JAVA_OPTS) they need
// about half the CPU, and the time limits leave room for a machine slower than this one.

const REPO_DIR = path.resolve(__dirname, '..', '..');
const STACK = path.join(REPO_DIR, 'deploy', 'local', 'stack.sh');

describe('the local stack (deploy/local/stack.sh)', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'lethe-stack-'));
  let env: NodeJS.ProcessEnv;
  let ports: Record<string, number>;

  const stack = (...args: string[]) => {
    const run = spawnSync('bash', [STACK, ...args], { env, encoding: 'utf8', timeout: 360_000 });
    return { status: run.status, out: `${run.stdout}${run.stderr}` };
  };
  /** `up`, and its whole output in the failure when it does not succeed. */
  const up = () => {
    const run = stack('up');
    if (run.status !== 0) throw new Error(`stack.sh up exited ${run.status}:\n${run.out}`);
    return run;
  };

  beforeAll(async () => {
    const names = [
      'KAFKA',
      'KAFKA_CONTROLLER',
      'REGISTRY',
      'REGISTRY_MANAGEMENT',
      'MONGO',
      'REDIS',
      'OBJECTS',
      'MAIL_SMTP',
      'MAIL_API',
    ];
    ports = {};
    for (const name of names) ports[name] = await freePort();
    env = {
      ...process.env,
      LETHE_HOME: home,
      LETHE_OPT_DIR: path.join(process.env.LETHE_HOME ?? path.join(REPO_DIR, '.lethe'), 'opt'),
      LETHE_JAVA_OPTS: '-XX:TieredStopAtLevel=1',
      ...Object.fromEntries(names.map((name) => [`LETHE_${name}_PORT`, String(ports[name])])),
    };
  });

  afterAll(() => {
    stack('down');
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses a busy port, names the variable that moves it, and starts nothing', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(ports.MONGO, '127.0.0.1', resolve));
    try {
      const up = stack('up');
      expect(up.status).not.toBe(0);
      expect(up.out).toContain(`port ${ports.MONGO} is already in use`);
      expect(up.out).toContain('LETHE_MONGO_PORT');
      const status = stack('status').out;
      expect(status).not.toMatch(/answering/);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('keeps the log, the schema ids and the documents across down and up', async () => {
    up();
    const again = up();
    expect(again.out).toContain('stack already up');
    for (const jvm of ['kafka', 'registry']) {
      const pid = readFileSync(path.join(home, 'run', `${jvm}.pid`), 'utf8').split(' ')[0];
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain('-XX:TieredStopAtLevel=1');
    }

    const privateAdmin = localPrincipalEnv('admin', env);
    const connection = kafkaConnectionFromEnv(privateAdmin);
    expect(connection.brokers).toEqual([`127.0.0.1:${ports.KAFKA}`]);
    const registryUrl = privateAdmin.LETHE_REGISTRY_URL!;
    expect(registryUrl).toMatch(new RegExp(`^https://admin:[^@]+@127\\.0\\.0\\.1:${ports.REGISTRY}/`));
    const registryOptions = { caFile: privateAdmin.LETHE_TLS_CA_FILE };
    const mongoUrl = privateAdmin.LETHE_MONGO_URL!;
    expect(mongoUrl).toContain(`:${ports.MONGO}/`);
    const kafka = await connectKafka({ ...connection, clientId: uniqueName('persist') }, testLogger());
    const topic = uniqueName('persist');
    await kafka.admin.applyTopics([
      { name: topic, partitions: 1, replicationFactor: 1, config: {}, purpose: 'test' },
    ]);

    const event = makeEvent(
      'AccountErased',
      {
        subjectId: 'sub_persist',
        correlationId: 'corr_persist',
        producer: 'test',
        occurredAt: 1_764_000_000_000,
      },
      { requestId: 'req_persist' },
    );
    const writer = createEventCodec({
      registry: createSchemaRegistry(registryUrl, registryOptions),
      catalog: loadCatalog(),
    });
    await kafka.eventProducer(writer).publish([{ event, topic }]);
    await kafka.close();
    const mongo = new MongoClient(mongoUrl);
    await mongo
      .db('persist')
      .collection('docs')
      .insertOne({ _id: 'doc-1' as never, kept: true });
    await mongo.close();
    const s3 = s3ClientFromEnv(privateAdmin);
    expect(privateAdmin.LETHE_S3_ENDPOINT).toBe(`https://127.0.0.1:${ports.OBJECTS}`);
    await s3.send(new CreateBucketCommand({ Bucket: 'persist' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'persist', Key: 'subjects/sub_persist/a.txt', Body: 'kept' }),
    );

    // What the servers keep and log is readable by this user alone.
    const readable = spawnSync(
      'find',
      [
        ...['data/kafka', 'data/redis', 'data/registry', 'data/objects', 'logs', 'secrets', 'tls'].map(
          (dir) => path.join(home, dir),
        ),
        '-perm',
        '/g=rwx,o=rwx',
        '!',
        '-name',
        'ca.crt',
      ],
      { encoding: 'utf8' },
    );
    expect(readable.stdout.trim()).toBe('');

    expect(stack('down').status).toBe(0);
    up();

    // A new codec has no cached schemas: it must fetch the id from the restarted registry.
    const reader = createEventCodec({
      registry: createSchemaRegistry(registryUrl, registryOptions),
      catalog: loadCatalog(),
    });
    const reconnected = await connectKafka({ ...connection, clientId: uniqueName('persist') }, testLogger());
    const values: Buffer[] = [];
    await eventually(
      async () => {
        await reconnected.readTopic(topic, (record) => void values.push(record.value!));
        return values.length > 0 ? true : undefined;
      },
      60_000,
      'the record after restart',
    );
    await reconnected.admin.deleteTopics([topic]);
    await reconnected.close();
    expect((await reader.decode(values[0]!)).event).toEqual(event);

    const after = new MongoClient(mongoUrl);
    expect(
      await after
        .db('persist')
        .collection('docs')
        .findOne({ _id: 'doc-1' as never }),
    ).toEqual({ _id: 'doc-1', kept: true });
    await after.close();
    const object = await s3.send(
      new GetObjectCommand({ Bucket: 'persist', Key: 'subjects/sub_persist/a.txt' }),
    );
    expect(await object.Body?.transformToString()).toBe('kept');
    s3.destroy();
  }, 900_000);
});
