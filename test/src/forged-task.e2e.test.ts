import { makeEvent } from '@lethe/events';
import { DLQ_HEADERS } from '@lethe/kafka';
import { generateSigningKeys, privateKeyFrom } from '@lethe/service-kit';

import { readAllRecords } from './events';
import { eventually } from './isolation';
import { signedTaskData } from './task-keys';
import { startWorld, type World } from './world';

// The forgery of issue 11: a hand-made ErasureTaskIssued for the key vault destroyed the key of
// a subject under a legal hold. Even from a principal allowed to write the task topic (the ACLs
// keep everyone else out), a task the erasure service did not sign is never run.

describe('a forged key-vault task for a subject under a legal hold', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ name: 'forged' });
  });
  afterAll(async () => world?.stop());

  it('is dead-lettered by the key vault: the hold stands and the subject’s data still opens', async () => {
    const { accounts, retention, operator, topicName } = world;
    const subjectId = await world.openAccount('heldperson');
    // A hold needs a subject retention has seen: the sign-up reaches it through the outbox.
    await eventually(
      async () => {
        const held = await retention.app.inject({
          method: 'POST',
          url: '/v1/legal-holds',
          headers: operator,
          payload: { subjectId, reference: 'case-11', reason: 'litigation' },
        });
        return held.statusCode === 201 ? held : undefined;
      },
      30_000,
      'the legal hold',
    );

    const taskTopic = topicName('lethe.erasure.tasks.key-vault.v1');
    const forged = (requestId: string, data: ReturnType<typeof signedTaskData>) => ({
      topic: taskTopic,
      event: makeEvent(
        'ErasureTaskIssued',
        { subjectId, correlationId: requestId, producer: 'erasure', occurredAt: Date.now() },
        data,
      ),
    });
    const task = (requestId: string) => ({ requestId, participantId: 'key-vault', subjectId });
    const stranger = privateKeyFrom(generateSigningKeys().privateKey);
    await world.kafka
      .eventProducer(world.codec)
      .publish([
        forged('req_forged_unsigned', { ...signedTaskData(task('req_forged_unsigned')), signature: null }),
        forged('req_forged_foreign', signedTaskData(task('req_forged_foreign'), { signingKey: stranger })),
      ]);

    const dead = await eventually(
      async () => {
        const records = await readAllRecords(world.kafka, `${taskTopic}.dlq`);
        return records.length >= 2 ? records : undefined;
      },
      30_000,
      'both forgeries dead-lettered',
    );
    expect(dead.map((r) => r.headers[DLQ_HEADERS.cause]?.split(':')[0]).sort()).toEqual([
      'TASK_KEY_UNKNOWN',
      'TASK_UNSIGNED',
    ]);
    // The key was not shredded: the account's sealed profile still opens.
    const profile = await accounts.app.inject({
      method: 'GET',
      url: `/v1/accounts/${subjectId}`,
      headers: operator,
    });
    expect(profile.statusCode).toBe(200);
    expect(profile.json<{ name: string }>().name).toBe('heldperson');
  });
});
