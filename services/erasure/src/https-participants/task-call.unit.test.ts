import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { serviceFetch } from '@lethe/service-kit';

import { callHttpsParticipant, HttpsParticipantError, taskResultFrom } from './task-call';

// A real HTTP server on loopback plays the participant: each test scripts its answers.
type Handler = (request: IncomingMessage, response: ServerResponse) => void;

async function participantServer(
  handlers: Handler[],
): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
  let calls = 0;
  const server: Server = createServer((request, response) => {
    const handler = handlers[Math.min(calls, handlers.length - 1)]!;
    calls += 1;
    request.resume();
    request.on('end', () => handler(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/lethe/tasks`,
    calls: () => calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const answer =
  (status: number, body?: unknown): Handler =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(body === undefined ? '' : JSON.stringify(body));
  };
const erased = {
  outcome: 'erased',
  counts: { 'crm:contacts': 2 },
  verifiedEmpty: true,
  evidence: { remaining: 0 },
};

async function failureOf(run: Promise<unknown>): Promise<HttpsParticipantError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof HttpsParticipantError) return error;
    throw error;
  }
  throw new Error('the call did not fail');
}

describe('calling an HTTPS participant with a task', () => {
  const fetch = serviceFetch(undefined);
  const call = (url: string, timeoutMs = 5_000) =>
    callHttpsParticipant({
      fetch,
      endpoint: url,
      body: { type: 'lethe.erasure-task.v1' },
      timeoutMs,
      firstBackoffMs: 20,
    });

  it('retries a 503 with backoff, then takes the answer as a task result', async () => {
    const server = await participantServer([answer(503), answer(200, erased)]);
    try {
      expect(await call(server.url)).toEqual(erased);
      expect(server.calls()).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('gives up at once on a 4xx refusal: not retriable', async () => {
    const server = await participantServer([answer(401, { error: 'bad signature' })]);
    try {
      const error = await failureOf(call(server.url));
      expect([error.code, error.retriable]).toEqual(['HTTPS_PARTICIPANT_REFUSED', false]);
      expect(server.calls()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('stops within the declared timeout when the participant does not answer: retriable', async () => {
    const server = await participantServer([() => undefined]);
    try {
      const error = await failureOf(call(server.url, 1_000));
      expect([error.code, error.retriable]).toEqual(['HTTPS_PARTICIPANT_UNREACHABLE', true]);
      expect(error.message).toMatch(/no answer in/);
      // The first call used the whole budget: no second call outlives the declared timeout.
      expect(server.calls()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('refuses an answer that is not a task result, with what is wrong', async () => {
    const server = await participantServer([
      answer(200, { outcome: 'deleted', counts: {}, verifiedEmpty: true, evidence: {} }),
    ]);
    try {
      const error = await failureOf(call(server.url));
      expect(error.code).toBe('HTTPS_PARTICIPANT_BAD_ANSWER');
      expect(error.message).toMatch(/outcome must be one of/);
    } finally {
      await server.close();
    }
  });
});

describe('an HTTPS participant answer', () => {
  it('keeps retainedUntil as a time and checks every field', () => {
    expect(
      taskResultFrom({ ...erased, outcome: 'retained-legal', retainedUntil: '2027-01-01T00:00:00Z' }),
    ).toMatchObject({
      outcome: 'retained-legal',
      retainedUntil: new Date('2027-01-01T00:00:00Z'),
    });
    expect(taskResultFrom({ ...erased, counts: { a: -1 } })).toMatch(/counts/);
    expect(taskResultFrom({ ...erased, verifiedEmpty: 'yes' })).toMatch(/verifiedEmpty/);
    expect(taskResultFrom({ ...erased, evidence: undefined })).toMatch(/evidence/);
    expect(taskResultFrom('erased')).toMatch(/JSON object/);
  });
});
