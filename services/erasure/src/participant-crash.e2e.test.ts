import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

import { isEventOfType } from '@lethe/events';
import { eventually, killHard, openTestScope, readAllEvents, type TestScope } from '@lethe/test-harness';

import {
  completedRequest,
  completionsOf,
  ERASURE_TOPICS,
  operatorKeys,
  startTestErasure,
} from '../test/erasure-fixture';
import type { ErasureService } from './service';

// kill -9 a participant process after it erased but before it answered; start it again: the
// task comes back (its offset was never committed), runs again harmlessly, and the request
// completes once, with the participant's store empty for the subject and intact for another.

const PARTICIPANT = path.resolve(__dirname, '..', 'test', 'notes-participant.ts');
const { publicKey, operator } = operatorKeys();

describe('a participant process under kill -9', () => {
  let scope: TestScope;
  let erasure: ErasureService | undefined;

  const startParticipant = (hangAfterErase: boolean): ChildProcess =>
    scope.spawn(PARTICIPANT, { LETHE_TEST_HANG_AFTER_ERASE: hangAfterErase ? '1' : '0' });
  const mark = (id: string) => scope.db.collection<{ _id: string }>('participant_marks').findOne({ _id: id });
  const until = (what: string, check: () => Promise<unknown>) =>
    eventually(async () => ((await check()) ? true : undefined), 60_000, what);

  beforeAll(async () => {
    scope = await openTestScope('pcrash', { topics: ERASURE_TOPICS });
  });
  afterAll(async () => {
    await erasure?.stop();
    await scope.close();
  });

  it('gets the task again after a restart and completes the request once', async () => {
    const notes = scope.db.collection<{ subjectId: string; text: string }>('notes');
    await notes.insertMany([
      ...[1, 2, 3].map((n) => ({ subjectId: 'sub_gone', text: `note ${n}` })),
      ...[1, 2].map((n) => ({ subjectId: 'sub_kept', text: `note ${n}` })),
    ]);

    let child = startParticipant(true);
    const first = child.pid!;
    await until('the participant to be ready', () => mark(`ready:${first}`));
    const service = await startTestErasure(scope, publicKey);
    erasure = service;
    await until('four participants', async () => service.directory.list().length === 4);

    const created = await service.app.inject({
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
    const status = await completedRequest(service.app, requestId, operator, 90_000);
    expect(status.result).toBe('complete');
    expect(status.outcomes.find((o) => o.participantId === 'notes')?.outcome).toBe('erased');
    // The same attempt came back to the new process: redelivery, not a timeout and a retry.
    expect(await mark(`erased:${second}:1`)).not.toBeNull();

    expect(await notes.countDocuments({ subjectId: 'sub_gone' })).toBe(0);
    expect(await notes.countDocuments({ subjectId: 'sub_kept' })).toBe(2);
    expect(await completionsOf(scope, requestId)).toBe(1);
    const events = await readAllEvents(scope.kafka, scope.codec, scope.topicName('lethe.erasure.events.v1'));
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
