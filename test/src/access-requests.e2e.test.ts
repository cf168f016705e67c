import { isEventOfType } from '@lethe/events';
import { ACCOUNT_PARTICIPANT } from '@lethe/account';
import { RETENTION_SCHEDULE_PARTICIPANT } from '@lethe/retention';
import { joinErasureProtocol, type Participant } from '@lethe/participant';

import { readAllEvents } from './events';
import { eventually } from './isolation';
import { testLogger } from './kafka';
import { testTaskKeys } from './task-keys';
import { startWorld, type World } from './world';

// Issue 14 point 4, the right of access: an access request fans out like an erasure to every
// participant that exports, each seals its answer to the request's key, and the erasure service
// keeps one package under the subject's key, for the subject alone, until it expires or the
// subject is erased. The data never reaches the erasure log; every step and download does.

const DAY_MS = 24 * 60 * 60 * 1000;

interface AccessView {
  requestId: string;
  status: string;
  expiresAt: string | null;
  packageDigest: string | null;
  participants: { participantId: string; outcome: string | null; records: number }[];
  deletedBecause: string | null;
}

describe('access requests', () => {
  let world: World;
  let account: Participant;
  let schedule: Participant;

  beforeAll(async () => {
    world = await startWorld({ name: 'access' });
    account = await joinErasureProtocol({
      kafka: world.kafka,
      codec: world.codec,
      logger: testLogger(),
      topicName: world.topicName,
      declaration: ACCOUNT_PARTICIPANT,
      erase: world.accounts.erase,
      export: world.accounts.exportAccount,
      taskPublicKeys: testTaskKeys().publicKeys,
    });
    // The retention service's participant answers access requests only (no erase handler).
    schedule = await joinErasureProtocol({
      kafka: world.kafka,
      codec: world.codec,
      logger: testLogger(),
      topicName: world.topicName,
      declaration: RETENTION_SCHEDULE_PARTICIPANT,
      export: world.retention.exportSchedule,
      taskPublicKeys: testTaskKeys().publicKeys,
    });
    await eventually(
      async () => {
        const exporting = world.erasure.directory.exporting();
        return exporting.includes('account') && exporting.includes('retention-schedule') ? true : undefined;
      },
      30_000,
      'the account and retention participants to register as exporting',
    );
  }, 120_000);
  afterAll(async () => {
    await account?.stop();
    await schedule?.stop();
    await world?.stop();
  });

  const erasure = (method: 'GET' | 'POST', url: string, headers: Record<string, string>) =>
    world.erasure.app.inject({ method, url, headers });

  async function readyPackage(subjectId: string): Promise<AccessView> {
    const made = await erasure('POST', `/v1/subjects/${subjectId}/access-requests`, world.subject(subjectId));
    expect(made.statusCode).toBe(202);
    const { requestId } = made.json<AccessView>();
    return eventually(
      async () => {
        const view = (
          await erasure(
            'GET',
            `/v1/subjects/${subjectId}/access-requests/${requestId}`,
            world.subject(subjectId),
          )
        ).json<AccessView>();
        return view.status === 'ready' ? view : undefined;
      },
      60_000,
      'the package to be ready',
    );
  }

  it('gives a subject its own data from every exporting participant, sealed at rest, and audits the download', async () => {
    const ada = await world.openAccount('ada-access');
    const bob = await world.openAccount('bob-access');
    const disclosed = await world.erasure.app.inject({
      method: 'POST',
      url: '/v1/llm-disclosures',
      headers: world.service,
      payload: { subjectId: ada, provider: 'anthropic', model: 'claude-ada', purpose: 'scheduling' },
    });
    expect(disclosed.statusCode).toBe(201);

    const view = await readyPackage(ada);
    expect(view.participants).toEqual(
      expect.arrayContaining([
        { participantId: 'account', outcome: 'exported', records: 1 },
        { participantId: 'llm-providers', outcome: 'exported', records: 1 },
        expect.objectContaining({ participantId: 'retention-schedule', outcome: 'exported' }),
      ]),
    );
    const url = `/v1/subjects/${ada}/access-requests/${view.requestId}/package`;
    const download = await erasure('GET', url, world.subject(ada));
    expect(download.statusCode).toBe(200);
    const body = download.body;
    expect(body).toContain('ada-access@example.com');
    expect(body).toContain('claude-ada');
    // The retention clocks running for the subject: the policy's account-inactivity clock.
    expect(body).toContain('account-inactivity');
    expect(body).not.toContain('bob-access');
    expect(download.json<{ subjectId: string }>().subjectId).toBe(ada);

    // Another subject reaches neither the package nor the request, by URL guessing too.
    expect((await erasure('GET', url, world.subject(bob))).statusCode).toBe(403);
    const guessed = `/v1/subjects/${bob}/access-requests/${view.requestId}`;
    expect((await erasure('GET', guessed, world.subject(bob))).statusCode).toBe(404);
    expect((await erasure('GET', `${guessed}/package`, world.subject(bob))).statusCode).toBe(404);

    // At rest: one package, ciphertext only; the sealed answers are gone once it is made.
    const kept = await world.db.collection('access_packages').findOne({ _id: view.requestId as never });
    expect(kept).not.toBeNull();
    expect(JSON.stringify(kept)).not.toContain('ada-access');
    expect(await world.db.collection('access_answers').countDocuments({ requestId: view.requestId })).toBe(0);

    // The erasure log has every step, and never the data; the download is an audited read.
    const log = (
      await readAllEvents(world.kafka, world.codec, world.topicName('lethe.erasure.events.v1'))
    ).filter((e) => e.envelope.subjectId === ada);
    expect(log.map((e) => e.envelope.type)).toEqual(
      expect.arrayContaining([
        'AccessRequested',
        'AccessTaskIssued',
        'AccessTaskAnswered',
        'AccessCompleted',
      ]),
    );
    for (const event of log)
      if (isEventOfType(event, 'AccessTaskAnswered')) expect(event.data.sealedData).toBeNull();
    expect(log.find((e) => isEventOfType(e, 'AccessCompleted'))?.data).toMatchObject({
      requestId: view.requestId,
      packageDigest: view.packageDigest,
    });
    const reads = await eventually(
      async () => {
        const found = (
          await readAllEvents(world.kafka, world.codec, world.topicName('lethe.access.events.v1'))
        )
          .filter((e) => isEventOfType(e, 'PersonalDataAccessed'))
          .filter((e) => e.envelope.subjectId === ada);
        return found.length > 0 ? found : undefined;
      },
      10_000,
      'the download on the access log',
    );
    expect(JSON.stringify(reads[0]!.data)).toContain('access-package');
  }, 120_000);

  it('deletes a package when it expires, and every package and request of a subject when it is erased', async () => {
    const expiring = await world.openAccount('expiring-access');
    // Asked for twice while the first is prepared: one copy is made, the second joins it.
    const asked = () => erasure('POST', `/v1/subjects/${expiring}/access-requests`, world.subject(expiring));
    const [first, second] = [await asked(), await asked()];
    expect(second.json<AccessView>().requestId).toBe(first.json<AccessView>().requestId);
    const old = await readyPackage(expiring);
    world.clock.advance(8 * DAY_MS);
    const expired = await eventually(
      async () => {
        const view = (
          await erasure('GET', `/v1/subjects/${expiring}/access-requests/${old.requestId}`, world.operator)
        ).json<AccessView>();
        return view.status === 'deleted' ? view : undefined;
      },
      30_000,
      'the package to expire',
    );
    expect(expired.deletedBecause).toBe('expired');
    expect(await world.db.collection('access_packages').countDocuments({ _id: old.requestId as never })).toBe(
      0,
    );
    const late = await erasure(
      'GET',
      `/v1/subjects/${expiring}/access-requests/${old.requestId}/package`,
      world.subject(expiring),
    );
    expect(late.statusCode).toBe(409);

    const erased = await world.openAccount('erased-access');
    const pending = await readyPackage(erased);
    const deleted = await world.accounts.app.inject({
      method: 'DELETE',
      url: `/v1/accounts/${erased}`,
      headers: world.operator,
    });
    const { requestId } = deleted.json<{ requestId: string }>();
    const outcomes = await eventually(
      async () => {
        const body = (await erasure('GET', `/v1/erasure-requests/${requestId}`, world.operator)).json<{
          status: string;
          outcomes?: {
            participantId: string;
            outcome: string;
            counts: Record<string, number>;
            verifiedEmpty: boolean;
          }[];
        }>();
        return body.status === 'completed' ? body.outcomes : undefined;
      },
      60_000,
      'the erasure to complete',
    );
    expect(outcomes?.find((o) => o.participantId === 'access-exports')).toMatchObject({
      outcome: 'erased',
      verifiedEmpty: true,
      counts: { 'mongodb:access_packages': 1, 'mongodb:access_requests': 1 },
    });
    expect(await world.db.collection('access_packages').countDocuments({ subjectId: erased })).toBe(0);
    // The package's deletion is on the log, and the erased subject can ask for nothing more.
    const log = await readAllEvents(world.kafka, world.codec, world.topicName('lethe.erasure.events.v1'));
    expect(
      log
        .filter((e) => isEventOfType(e, 'AccessPackageDeleted') && e.data.requestId === pending.requestId)
        .map((e) => e.data),
    ).toEqual([{ requestId: pending.requestId, reason: 'subject-erased' }]);
    const again = await erasure('POST', `/v1/subjects/${erased}/access-requests`, world.operator);
    expect([again.statusCode, again.json<{ code: string }>().code]).toEqual([409, 'SUBJECT_ERASED']);
  }, 180_000);
});
