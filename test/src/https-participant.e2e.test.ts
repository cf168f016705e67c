import { verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import Fastify, { type FastifyInstance } from 'fastify';

import { isEventOfType, type LetheEvent } from '@lethe/events';
import { evidenceDigest } from '@lethe/participant';

import { readAllEvents } from './events';
import { testCaFile } from './https';
import { eventually } from './isolation';
import { testTaskKeys } from './task-keys';
import { startWorld, type World } from './world';

// A service that keeps personal data but does not consume Kafka joins erasure with an HTTPS
// endpoint. Here it is a plain Fastify server: it verifies the task's signature itself (the
// documented canonical form, Ed25519), erases, reads back and answers JSON.

interface TaskBody {
  type: string;
  task: {
    requestId: string;
    subjectId: string;
    participantId: string;
    scope: { all: boolean; categories: string[]; keep?: string[] };
    attempt: number;
  };
  signature: { keyId: string; issuedAt: number; expiresAt: number; value: string } | null;
  deadlineAt: string;
}

/** The bytes the erasure service signs (docs: "HTTPS participants"). */
function canonicalTask({ task, signature }: TaskBody): Buffer {
  const keep = [...(task.scope.keep ?? [])].sort();
  return Buffer.from(
    JSON.stringify([
      keep.length > 0 ? 'lethe.erasure-task.v2' : 'lethe.erasure-task.v1',
      task.requestId,
      task.subjectId,
      task.participantId,
      task.scope.all,
      [...task.scope.categories].sort(),
      ...(keep.length > 0 ? [keep] : []),
      task.attempt,
      signature!.issuedAt,
      signature!.expiresAt,
    ]),
  );
}

function crmParticipant(taskKeys: readonly KeyObject[]) {
  const contacts = new Map<string, { name: string; email: string }[]>();
  const seen: TaskBody[] = [];
  let failNext = 1; // the first call finds it "down": the erasure service must retry
  const app: FastifyInstance = Fastify({
    https: {
      cert: readFileSync(path.join(path.dirname(testCaFile()), 'server.crt')),
      key: readFileSync(path.join(path.dirname(testCaFile()), 'server.key')),
    },
  });
  app.post<{ Body: TaskBody }>('/lethe/erasure-tasks', async (request, reply) => {
    const body = request.body;
    seen.push(body);
    if (failNext > 0) {
      failNext -= 1;
      return reply.code(503).send({ error: 'starting up' });
    }
    // Any of the erasure service's task keys (several while one is rotated).
    const signed = (key: KeyObject) =>
      verify(null, canonicalTask(body), key, Buffer.from(body.signature!.value, 'base64url'));
    if (!body.signature || body.signature.expiresAt <= Date.now() || !taskKeys.some(signed))
      return reply.code(401).send({ error: 'the task signature does not verify' });
    const deleted = contacts.get(body.task.subjectId)?.length ?? 0;
    contacts.delete(body.task.subjectId);
    const remaining = contacts.get(body.task.subjectId)?.length ?? 0;
    return {
      outcome: deleted > 0 ? 'erased' : 'not-found',
      counts: { 'crm:contacts': deleted },
      verifiedEmpty: remaining === 0,
      evidence: { remaining, table: 'contacts' },
    };
  });
  return { app, contacts, seen };
}

describe('an HTTPS participant (a plain Fastify server)', () => {
  let world: World;
  let crm: ReturnType<typeof crmParticipant>;
  let endpoint: string;

  beforeAll(async () => {
    world = await startWorld({ name: 'https-participant' });
    crm = crmParticipant(testTaskKeys().publicKeys);
    endpoint = `${await crm.app.listen({ host: '127.0.0.1', port: 0 })}/lethe/erasure-tasks`;
  });
  afterAll(async () => {
    await crm?.app.close();
    await world?.stop();
  });

  const register = (participantId: string, body: Record<string, unknown>) =>
    world.erasure.app.inject({
      method: 'PUT',
      url: `/v1/https-participants/${participantId}`,
      headers: world.operator,
      payload: { stores: ['crm:contacts'], categories: ['contact'], phase: 1, timeoutMs: 10_000, ...body },
    });

  it('refuses a registration that is not https, or not named https-*, with the reason', async () => {
    const plain = await register('https-crm', { endpoint: endpoint.replace('https:', 'http:') });
    expect(plain.statusCode).toBe(400);
    expect(plain.json()).toMatchObject({ code: 'ENDPOINT_INVALID', detail: expect.stringMatching(/https/) });
    expect((await register('crm', { endpoint })).statusCode).toBe(400);
    const anonymous = await world.erasure.app.inject({
      method: 'PUT',
      url: '/v1/https-participants/https-crm',
      payload: { endpoint, stores: ['crm:contacts'], categories: ['contact'], phase: 1, timeoutMs: 10_000 },
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('calls it with the signed task, retries after a 503, and puts its answer on the certificate', async () => {
    const registered = await register('https-crm', { endpoint });
    expect(registered.statusCode).toBe(200);
    const listed = await world.erasure.app.inject({ url: '/v1/https-participants', headers: world.operator });
    expect(
      listed.json<{ participants: { participantId: string; endpoint: string }[] }>().participants,
    ).toEqual([expect.objectContaining({ participantId: 'https-crm', endpoint })]);
    await eventually(
      async () =>
        world.erasure.directory.declared().some((d) => d.participantId === 'https-crm') ? true : undefined,
      30_000,
      'the HTTPS participant in the directory',
    );

    const subjectId = await world.openAccount('grace');
    crm.contacts.set(subjectId, [
      { name: 'Grace Hopper', email: 'grace@example.com' },
      { name: 'Grace H.', email: 'grace@navy.example' },
    ]);
    const { requestId, outcomes } = await world.deleteAccountAndWait(subjectId);
    const outcome = outcomes.find((o) => o.participantId === 'https-crm');
    expect(outcome).toMatchObject({ outcome: 'erased', verifiedEmpty: true });
    expect(crm.contacts.has(subjectId)).toBe(false);

    // Two calls for the one task: the 503, then the answer; both carried the signed task.
    const calls = crm.seen.filter((body) => body.task.requestId === requestId);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatchObject({
      type: 'lethe.erasure-task.v1',
      task: { subjectId, participantId: 'https-crm', attempt: 1 },
    });
    // Its evidence digest on the log is the digest of what it answered, as for a Kafka participant.
    const completed = await eventually(
      async () =>
        (await readAllEvents(world.kafka, world.codec, world.topicName('lethe.erasure.events.v1'))).find(
          (e: LetheEvent) =>
            isEventOfType(e, 'ErasureTaskCompleted') &&
            e.data.requestId === requestId &&
            e.data.participantId === 'https-crm',
        ),
      30_000,
      'the HTTPS participant answer on the erasure log',
    );
    expect(isEventOfType(completed, 'ErasureTaskCompleted') && completed.data).toMatchObject({
      counts: { 'crm:contacts': 2 },
      evidenceDigest: evidenceDigest({ remaining: 0, table: 'contacts' }),
    });
  }, 120_000);
});
