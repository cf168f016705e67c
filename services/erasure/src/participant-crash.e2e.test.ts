import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import type { KafkaAdmin, KafkaClient } from '@lethe/kafka';
import type { Db } from 'mongodb';

import { localKek } from '@lethe/crypto';
import {
  createEventCodec,
  createSchemaRegistry,
  isEventOfType,
  loadCatalog,
  type EventCodec,
} from '@lethe/events';
import { generateSigningKeys, publicKeyFrom } from '@lethe/service-kit';
import {
  bearer,
  createPrefixedTopics,
  eventually,
  killHard,
  readAllEvents,
  spawnLetheProcess,
  testDatabase,
  testKafka,
  testLogger,
  testServers,
  uniqueName,
} from '@lethe/test-harness';

import { startErasureService, type ErasureService } from './service';

// kill -9 a participant process after it erased but before it answered; start it again: the
// task comes back (its offset was never committed), runs again harmlessly, and the request
// completes once, with the participant's store empty for the subject and intact for another.

const PARTICIPANT = path.resolve(__dirname, '..', 'test', 'notes-participant.ts');
const keys = generateSigningKeys();
const operator = bearer(keys.privateKey, ['operator']);

describe('a participant process under kill -9', () => {
  const prefix = uniqueName('pcrash');
  const topicName = (logical: string) => `${prefix}.${logical}`;
  let db: Db;
  let drop: () => Promise<void>;
  let kafka: KafkaClient;
  let admin: KafkaAdmin;
  let codec: EventCodec;
  let erasure: ErasureService | undefined;
  let child: ChildProcess | undefined;

  function startParticipant(hangAfterErase: boolean): ChildProcess {
    return spawnLetheProcess(PARTICIPANT, db.databaseName, {
      LETHE_TOPIC_PREFIX: prefix,
      LETHE_TEST_HANG_AFTER_ERASE: hangAfterErase ? '1' : '0',
    });
  }
  const mark = (id: string) => db.collection<{ _id: string }>('participant_marks').findOne({ _id: id });
  const until = (what: string, check: () => Promise<unknown>) =>
    eventually(async () => ((await check()) ? true : undefined), 60_000, what);

  beforeAll(async () => {
    ({ db, drop } = await testDatabase('pcrash'));
    kafka = await testKafka();
    admin = kafka.admin;
    await createPrefixedTopics(admin, topicName, [
      'lethe.account.events.v1',
      'lethe.erasure.events.v1',
      'lethe.erasure.participants.v1',
      'lethe.retention.events.v1',
    ]);
    codec = createEventCodec({
      registry: createSchemaRegistry(testServers().registryUrl),
      catalog: loadCatalog(),
    });
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await erasure?.stop();
    await kafka.close();
    await drop();
  });

  it('gets the task again after a restart and completes the request once', async () => {
    const notes = db.collection<{ subjectId: string; text: string }>('notes');
    await notes.insertMany([
      ...[1, 2, 3].map((n) => ({ subjectId: 'sub_gone', text: `note ${n}` })),
      ...[1, 2].map((n) => ({ subjectId: 'sub_kept', text: `note ${n}` })),
    ]);

    child = startParticipant(true);
    const first = child.pid!;
    await until('the participant to be ready', () => mark(`ready:${first}`));
    erasure = await startErasureService({
      db,
      kafka,
      codec,
      kek: localKek(randomBytes(32).toString('base64')),
      logger: testLogger(),
      publicKeys: [publicKeyFrom(keys.publicKey)],
      topicName,
    });
    await until('three participants', async () => erasure!.directory.list().length === 3);

    const created = await erasure.app.inject({
      method: 'POST',
      url: '/v1/erasure-requests',
      headers: operator,
      payload: { subjectId: 'sub_gone', reason: 'dsar', regulation: 'GDPR' },
    });
    const { requestId } = created.json<{ requestId: string }>();

    // Erased, not yet answered: kill it there.
    await until('the first erase', () => mark(`erased:${first}:1`));
    await killHard(child);

    child = startParticipant(false);
    const second = child.pid!;
    const status = await eventually(
      async () => {
        const body = (
          await erasure!.app.inject({ url: `/v1/erasure-requests/${requestId}`, headers: operator })
        ).json<{
          status?: string;
          result?: string;
          outcomes?: { participantId: string; outcome: string }[];
        }>();
        return body.status === 'completed' ? body : undefined;
      },
      90_000,
      'the request to complete after the participant restarts',
    );
    expect(status.result).toBe('complete');
    expect(status.outcomes?.find((o) => o.participantId === 'notes')?.outcome).toBe('erased');
    // The same attempt came back to the new process: redelivery, not a timeout and a retry.
    expect(await mark(`erased:${second}:1`)).not.toBeNull();

    expect(await notes.countDocuments({ subjectId: 'sub_gone' })).toBe(0);
    expect(await notes.countDocuments({ subjectId: 'sub_kept' })).toBe(2);
    const events = await readAllEvents(kafka, codec, topicName('lethe.erasure.events.v1'));
    expect(
      events.filter((e) => isEventOfType(e, 'ErasureCompleted') && e.data.requestId === requestId),
    ).toHaveLength(1);
    // One answer from the notes participant: the killed process never sent one.
    expect(
      events.filter(
        (e) =>
          isEventOfType(e, 'ErasureTaskCompleted') &&
          e.data.requestId === requestId &&
          e.data.participantId === 'notes',
      ),
    ).toHaveLength(1);
  }, 180_000);
});
