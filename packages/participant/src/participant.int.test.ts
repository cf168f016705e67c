import type { Db } from 'mongodb';

import { isEventOfType, makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import type { EventProducer, KafkaClient } from '@lethe/kafka';
import {
  eventually,
  openTestScope,
  readAllEvents,
  testLogger,
  uniqueName,
  type TestScope,
} from '@lethe/test-harness';

import { canonicalJson, evidenceDigest } from './evidence';
import { joinErasureProtocol, type Participant } from './participant';

describe('a participant built with the SDK, against the real servers', () => {
  let scope: TestScope;
  let db: Db;
  let kafka: KafkaClient;
  let codec: EventCodec;
  let producer: EventProducer;
  const topicName = (logical: string) => scope.topicName(logical);
  const participants: Participant[] = [];

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

  const issue = (participantId: string, subjectId: string, requestId: string) =>
    producer.publish([
      {
        topic: topicName(`lethe.erasure.tasks.${participantId}.v1`),
        event: makeEvent(
          'ErasureTaskIssued',
          { subjectId, correlationId: requestId, producer: 'test', occurredAt: Date.now() },
          {
            requestId,
            participantId,
            attempt: 1,
            phase: 1,
            scope: { all: true, categories: [] },
            deadlineAt: Date.now() + 60_000,
          },
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
    participants.push(
      await joinErasureProtocol({
        kafka,
        codec,
        logger: testLogger(),
        topicName,
        declaration: {
          participantId,
          stores: ['mongodb:notes'],
          categories: ['user-content'],
          phase: 1,
          timeoutMs: 10_000,
        },
        // The whole participant: erase, read back, report.
        erase: async ({ subjectId }) => {
          const { deletedCount } = await notes.deleteMany({ subjectId });
          const remaining = await notes.countDocuments({ subjectId });
          return {
            outcome: deletedCount > 0 ? 'erased' : 'not-found',
            counts: { 'mongodb:notes': deletedCount },
            verifiedEmpty: remaining === 0,
            evidence: { collection: 'notes', remaining },
          };
        },
      }),
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

  it('answers a failing task with ErasureTaskFailed, its stable code and whether to retry', async () => {
    const participantId = uniqueName('broken').toLowerCase();
    participants.push(
      await joinErasureProtocol({
        kafka,
        codec,
        logger: testLogger(),
        topicName,
        declaration: {
          participantId,
          stores: ['s3:exports'],
          categories: ['exports'],
          phase: 1,
          timeoutMs: 10_000,
        },
        erase: async () => {
          throw Object.assign(new Error('bucket sub_x unavailable'), {
            code: 'STORE_UNAVAILABLE',
            retriable: true,
          });
        },
      }),
    );
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
});
