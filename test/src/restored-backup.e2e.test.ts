import { ACCOUNT_EVENTS_TOPIC } from '@lethe/account';
import { createFieldCipher, createKeyVault, forgottenId } from '@lethe/crypto';
import { startErasureService } from '@lethe/erasure';
import { isEventOfType } from '@lethe/events';

import { eventually } from './isolation';
import { testTaskKeys } from './task-keys';
import { readAllEvents } from './events';
import { testLogger } from './kafka';
import { startWorld, type World } from './world';

// A backup of the key vault taken before an erasure, restored after it, brings the subject's
// key back (and loses its forgotten record): the erased data would decrypt again. The erasure
// service re-derives the erased subjects from the erasure log when it starts, and shreds again.

describe('a key vault restored from a backup taken before an erasure', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ name: 'restore' });
  });
  afterAll(async () => world?.stop());

  /** Deletes the account and waits until its erasure has completed; returns the request id. */
  async function deleteAndWait(subjectId: string): Promise<string> {
    const { accounts, erasure, operator } = world;
    const deleted = await accounts.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${subjectId}`,
      headers: operator,
    });
    const { requestId } = deleted.json<{ requestId: string }>();
    await eventually(
      async () =>
        (await erasure.app.inject({ url: `/v1/erasure-requests/${requestId}`, headers: operator })).json<{
          status: string;
        }>().status === 'completed' || undefined,
      // Generous: the test before runs a second erasure service in the world's consumer groups
      // and stops it, and on a loaded CI machine the groups took over 60 s to settle back once.
      150_000,
      'the erasure to complete',
    );
    return requestId;
  }

  it('gets the erased key shredded again when the erasure service starts, on the log', async () => {
    const { db, kafka, codec, kek, topicName } = world;
    const subjectId = await world.openAccount('restored');
    const keys = db.collection<{ _id: string }>('subject_keys');
    const forgotten = db.collection('forgotten_subjects');
    const backup = await keys.findOne({ _id: subjectId });
    expect(backup).not.toBeNull();

    const requestId = await deleteAndWait(subjectId);
    expect(await keys.findOne({ _id: subjectId })).toBeNull();

    // The restore: the key is back, the forgotten records are gone, and the data opens again.
    await keys.insertOne(backup!);
    await forgotten.deleteMany({});
    const created = (await readAllEvents(kafka, codec, topicName(ACCOUNT_EVENTS_TOPIC))).find(
      (event) => event.envelope.subjectId === subjectId && isEventOfType(event, 'AccountCreated'),
    )!;
    if (!isEventOfType(created, 'AccountCreated')) throw new Error('unreachable');
    const email = () =>
      createFieldCipher({ vault: createKeyVault({ db, kek, cacheTtlMs: 0 }) }).decrypt(
        { subjectId, context: ACCOUNT_EVENTS_TOPIC, recordId: created.envelope.eventId, field: 'email' },
        created.data.email,
      );
    expect(await email()).toEqual({ kind: 'value', value: 'restored@example.com' });

    // An erasure service starting on the restored vault.
    const restarted = await startErasureService({
      taskSigningKey: testTaskKeys().signingKey,
      db,
      kafka,
      codec,
      kek,
      logger: testLogger(),
      publicKeys: [],
      topicName,
      now: world.clock.now,
    });
    try {
      expect(restarted.reconciled).toEqual({ checked: 1, reapplied: 1 });
      expect(await keys.findOne({ _id: subjectId })).toBeNull();
      expect(await email()).toEqual({ kind: 'erased' });
      const reconciled = (await readAllEvents(kafka, codec, topicName('lethe.erasure.events.v1'))).filter(
        (event) => isEventOfType(event, 'ErasureReconciled'),
      );
      expect(reconciled.map((event) => [event.envelope.subjectId, event.data])).toEqual([
        [subjectId, { requestId, found: 'key-present', keyDestroyed: true, verifiedEmpty: true }],
      ]);
    } finally {
      await restarted.stop();
    }
  }, 180_000);

  it('shreds it again on demand (`lethe keys reconcile`), without a restart', async () => {
    const { erasure, operator, db } = world;
    const subjectId = await world.openAccount('restored-again');
    const keys = db.collection<{ _id: string }>('subject_keys');
    const backup = await keys.findOne({ _id: subjectId });
    await deleteAndWait(subjectId);
    await keys.insertOne(backup!);
    await db.collection<{ _id: string }>('forgotten_subjects').deleteOne({ _id: forgottenId(subjectId) });

    const answer = await erasure.app.inject({
      method: 'POST',
      url: '/v1/key-vault/reconcile',
      headers: operator,
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ checked: 2, reapplied: 1 }); // this subject, and the one above
    expect(await keys.findOne({ _id: subjectId })).toBeNull();
  }, 240_000);
});
