import type { Db } from 'mongodb';

import {
  isEventOfType,
  makeEvent,
  type ErasureTaskIssuedData,
  type EventCodec,
  type LetheEvent,
} from '@lethe/events';
import { DLQ_HEADERS } from '@lethe/kafka';
import { generateSigningKeys, privateKeyFrom } from '@lethe/service-kit';
import type { EventProducer, KafkaClient } from '@lethe/kafka';
import {
  eventually,
  openTestScope,
  participantBasics,
  readAllEvents,
  readAllRecords,
  signedTaskData,
  uniqueName,
  type TestScope,
} from '@lethe/test-harness';

import { canonicalJson, evidenceDigest } from './evidence';
import {
  joinErasureProtocol,
  type Participant,
  type ParticipantDeclaration,
  type ParticipantDeps,
} from './participant';

describe('a participant built with the SDK, against the real servers', () => {
  let scope: TestScope;
  let db: Db;
  let kafka: KafkaClient;
  let codec: EventCodec;
  let producer: EventProducer;
  const topicName = (logical: string) => scope.topicName(logical);
  const participants: Participant[] = [];

  /** A participant of this file's own, on the scope, trusting the test run's task key. */
  const join = async (
    declaration: Pick<ParticipantDeclaration, 'participantId' | 'stores' | 'categories'>,
    erase: ParticipantDeps['erase'],
  ) => {
    participants.push(
      await joinErasureProtocol({
        ...participantBasics({ kafka, codec, topicName }),
        declaration: { phase: 1, timeoutMs: 10_000, ...declaration },
        erase,
      }),
    );
  };

  beforeAll(async () => {
    scope = await openTestScope('participant', {
      topics: ['lethe.erasure.participants.v1', 'lethe.erasure.answers.v1'],
    });
    ({ db, kafka, codec } = scope);
    producer = kafka.eventProducer(codec);
  });
  afterAll(async () => {
    await Promise.all(participants.map((participant) => participant.stop()));
    await scope.close();
  });

  async function read(logical: string, count: number, match: (event: LetheEvent) => boolean) {
    return eventually(
      async () => {
        const events = (await readAllEvents(kafka, codec, topicName(logical))).filter(match);
        return events.length >= count ? events : undefined;
      },
      20_000,
      `${count} events on ${logical}`,
    );
  }

  const issue = (
    participantId: string,
    subjectId: string,
    requestId: string,
    data: ErasureTaskIssuedData = signedTaskData({ requestId, participantId, subjectId }),
  ) =>
    producer.publish([
      {
        topic: topicName(`lethe.erasure.tasks.${participantId}.v1`),
        event: makeEvent(
          'ErasureTaskIssued',
          { subjectId, correlationId: requestId, producer: 'test', occurredAt: Date.now() },
          data,
        ),
      },
    ]);

  it('registers, erases one subject from its own store, proves it by read-back, and answers once', async () => {
    const notes = db.collection<{ subjectId: string; text: string }>('notes');
    await notes.insertMany([
      { subjectId: 'sub_gone', text: 'a' },
      { subjectId: 'sub_gone', text: 'b' },
      { subjectId: 'sub_gone', text: 'c' },
      { subjectId: 'sub_kept', text: 'd' },
    ]);
    const participantId = uniqueName('notes').toLowerCase();
    await join(
      { participantId, stores: ['mongodb:notes'], categories: ['user-content'] },
      // The whole participant: erase, read back, report.
      async ({ subjectId }) => {
        const { deletedCount } = await notes.deleteMany({ subjectId });
        const remaining = await notes.countDocuments({ subjectId });
        return {
          outcome: deletedCount > 0 ? 'erased' : 'not-found',
          counts: { 'mongodb:notes': deletedCount },
          verifiedEmpty: remaining === 0,
          evidence: { collection: 'notes', remaining },
        };
      },
    );

    const [registered] = await read(
      'lethe.erasure.participants.v1',
      1,
      (e) => isEventOfType(e, 'ParticipantRegistered') && e.data.participantId === participantId,
    );
    expect(isEventOfType(registered!, 'ParticipantRegistered') && registered.data).toMatchObject({
      stores: ['mongodb:notes'],
      categories: ['user-content'],
      taskTopic: `lethe.erasure.tasks.${participantId}.v1`,
    });

    await issue(participantId, 'sub_gone', 'req_sdk_1');
    // Answers go to the answers topic: the erasure log is the erasure service's alone.
    const [completed] = await read(
      'lethe.erasure.answers.v1',
      1,
      (e) => isEventOfType(e, 'ErasureTaskCompleted') && e.data.requestId === 'req_sdk_1',
    );
    expect(isEventOfType(completed!, 'ErasureTaskCompleted') && completed.data).toMatchObject({
      participantId,
      attempt: 1,
      outcome: 'erased',
      counts: { 'mongodb:notes': 3 },
      verifiedEmpty: true,
      evidenceDigest: evidenceDigest({ collection: 'notes', remaining: 0 }),
    });
    expect(completed!.envelope.subjectId).toBe('sub_gone');
    expect(await notes.countDocuments({ subjectId: 'sub_gone' })).toBe(0);
    expect(await notes.countDocuments({ subjectId: 'sub_kept' })).toBe(1);
  });

  it('erases the subjects of tasks that come together in one eraseMany call, and answers each task', async () => {
    const notes = db.collection<{ subjectId: string }>('notes_many');
    const subjects = ['sub_m1', 'sub_m2', 'sub_m3', 'sub_m4', 'sub_m5', 'sub_m6'];
    await notes.insertMany([...subjects, ...subjects, 'sub_m_kept'].map((subjectId) => ({ subjectId })));
    const participantId = uniqueName('many').toLowerCase();
    const calls: string[][] = [];
    participants.push(
      await joinErasureProtocol({
        ...participantBasics({ kafka, codec, topicName }),
        declaration: {
          participantId,
          stores: ['mongodb:notes'],
          categories: ['c'],
          phase: 1,
          timeoutMs: 10_000,
        },
        eraseMany: async (tasks) => {
          const ids = tasks.map((task) => task.subjectId);
          calls.push(ids);
          // Slow, so that the tasks behind the first one gather for the next call.
          await new Promise((resolve) => setTimeout(resolve, 300));
          const { deletedCount } = await notes.deleteMany({ subjectId: { $in: ids } });
          const left = await notes.countDocuments({ subjectId: { $in: ids } });
          return tasks.map(() => ({
            outcome: 'erased' as const,
            counts: { 'mongodb:notes': deletedCount / tasks.length },
            verifiedEmpty: left === 0,
            evidence: { remaining: left },
          }));
        },
      }),
    );

    await Promise.all(subjects.map((subjectId, n) => issue(participantId, subjectId, `req_many_${n}`)));
    const answers = await read(
      'lethe.erasure.answers.v1',
      subjects.length,
      (e) => isEventOfType(e, 'ErasureTaskCompleted') && e.data.participantId === participantId,
    );

    expect(answers.map((e) => e.envelope.subjectId).sort()).toEqual(subjects);
    for (const answer of answers)
      expect(isEventOfType(answer, 'ErasureTaskCompleted') && answer.data).toMatchObject({
        outcome: 'erased',
        counts: { 'mongodb:notes': 2 },
        verifiedEmpty: true,
      });
    expect(calls.flat().sort()).toEqual(subjects);
    expect(calls.length).toBeLessThan(subjects.length); // some went together
    expect(await notes.countDocuments({})).toBe(1);
  });

  it('answers a failing task with ErasureTaskFailed, its stable code and whether to retry', async () => {
    const participantId = uniqueName('broken').toLowerCase();
    await join({ participantId, stores: ['s3:exports'], categories: ['exports'] }, async () => {
      throw Object.assign(new Error('bucket sub_x unavailable'), {
        code: 'STORE_UNAVAILABLE',
        retriable: true,
      });
    });
    await issue(participantId, 'sub_x', 'req_sdk_2');
    const [failed] = await read(
      'lethe.erasure.answers.v1',
      1,
      (e) => isEventOfType(e, 'ErasureTaskFailed') && e.data.requestId === 'req_sdk_2',
    );
    expect(isEventOfType(failed!, 'ErasureTaskFailed') && failed.data).toMatchObject({
      participantId,
      code: 'STORE_UNAVAILABLE',
      retriable: true,
    });
  });

  it('digests evidence canonically: key order does not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    expect(evidenceDigest({ a: 1, b: 2 })).toBe(evidenceDigest({ b: 2, a: 1 }));
  });
  it('runs no task that the erasure service did not sign: unsigned, foreign, altered or expired go to its dead letters', async () => {
    const participantId = uniqueName('guarded').toLowerCase();
    const notes = db.collection<{ subjectId: string }>(`notes_${participantId.replace(/-/g, '_')}`);
    const subjects = ['sub_unsigned', 'sub_foreign', 'sub_altered', 'sub_expired'];
    await notes.insertMany([...subjects, 'sub_signed'].map((subjectId) => ({ subjectId })));
    await join({ participantId, stores: ['mongodb:notes'], categories: ['c'] }, async ({ subjectId }) => {
      const { deletedCount } = await notes.deleteMany({ subjectId });
      return {
        outcome: 'erased',
        counts: { 'mongodb:notes': deletedCount },
        verifiedEmpty: true,
        evidence: {},
      };
    });
    const task = (subjectId: string, requestId: string) => ({ requestId, participantId, subjectId });
    const signed = signedTaskData(task('sub_altered', 'req_forged_3'));
    await issue(participantId, 'sub_unsigned', 'req_forged_1', {
      ...signed,
      requestId: 'req_forged_1',
      signature: null,
    });
    const foreignKey = privateKeyFrom(generateSigningKeys().privateKey);
    await issue(
      participantId,
      'sub_foreign',
      'req_forged_2',
      signedTaskData(task('sub_foreign', 'req_forged_2'), { signingKey: foreignKey }),
    );
    // A genuine signature for another subject, replayed onto this one.
    await issue(
      participantId,
      'sub_altered',
      'req_forged_3',
      signedTaskData(task('sub_other', 'req_forged_3')),
    );
    const longAgo = Date.now() - 8 * 24 * 60 * 60 * 1000;
    await issue(
      participantId,
      'sub_expired',
      'req_forged_4',
      signedTaskData(task('sub_expired', 'req_forged_4'), { issuedAt: longAgo }),
    );
    await issue(participantId, 'sub_signed', 'req_genuine');

    await read(
      'lethe.erasure.answers.v1',
      1,
      (e) => isEventOfType(e, 'ErasureTaskCompleted') && e.data.requestId === 'req_genuine',
    );
    const dead = await eventually(
      async () => {
        const records = await readAllRecords(kafka, topicName(`lethe.erasure.tasks.${participantId}.v1.dlq`));
        return records.length >= 4 ? records : undefined;
      },
      20_000,
      'four dead letters',
    );
    // Keyed by subject, the tasks spread over partitions: the causes, in any order.
    expect(dead.map((r) => r.headers[DLQ_HEADERS.cause]?.split(':')[0]).sort()).toEqual([
      'TASK_EXPIRED',
      'TASK_KEY_UNKNOWN',
      'TASK_SIGNATURE_INVALID',
      'TASK_UNSIGNED',
    ]);
    for (const subjectId of subjects) expect(await notes.countDocuments({ subjectId })).toBe(1);
    expect(await notes.countDocuments({ subjectId: 'sub_signed' })).toBe(0);
    const answers = await readAllEvents(kafka, codec, topicName('lethe.erasure.answers.v1'));
    expect(answers.filter((e) => e.envelope.correlationId.startsWith('req_forged'))).toEqual([]);
  });
});
