import { makeEvent, requestIdFrom } from '@lethe/events';

import { reactToAccountEvent, reactToRetentionEvent, reactToTaskAnswer } from './reactions';

const now = new Date('2026-11-27T12:00:00Z');
const envelope = (eventId: string) => ({
  eventId,
  subjectId: 'sub_1',
  correlationId: 'corr_1',
  causationId: null,
  producer: 'test',
  occurredAt: now.getTime(),
});
const participants = [{ participantId: 'account', categories: ['account'], phase: 1, timeoutMs: 1000 }];

describe('what the erasure service does with each event', () => {
  it('turns an expiry into the request it calls for, with an id derived from the expiry', () => {
    const expired = makeEvent('RetentionExpired', envelope('evt_expired'), {
      clock: 'marketing-contact',
      policyVersion: 'seed-policy.v1',
      expiredAt: now.getTime(),
      scope: { all: false, categories: ['marketing-contact'], keep: [] },
      reason: 'consent-withdrawn',
    });
    const reaction = reactToRetentionEvent(expired, now, () => participants);
    expect(reaction).toEqual({
      kind: 'request',
      input: {
        subjectId: 'sub_1',
        requestId: requestIdFrom('evt_expired'),
        scope: { all: false, categories: ['marketing-contact'], keep: [] },
        reason: 'consent-withdrawn',
        regulation: null,
        causationId: 'evt_expired',
      },
    });
    // The same expiry delivered again asks for the same erasure.
    expect(reactToRetentionEvent(expired, now, () => participants)).toEqual(reaction);
    expect(requestIdFrom('evt_expired')).toMatch(/^req_[0-9a-f]{32}$/);
  });

  it('places and releases holds; a release plans over the participants known then', () => {
    const placed = makeEvent('LegalHoldPlaced', envelope('evt_p'), {
      holdId: 'hold_1',
      reference: null,
      reason: null,
      sealedReference: Buffer.from('sealed:case-1'),
      sealedReason: Buffer.from('sealed:litigation'),
      placedBy: 'operator',
      until: null,
    });
    expect(reactToRetentionEvent(placed, now, () => participants)).toEqual({
      kind: 'command',
      subjectId: 'sub_1',
      command: { type: 'PlaceHold', data: { holdId: 'hold_1' }, metadata: { now } },
    });
    const released = makeEvent('LegalHoldReleased', envelope('evt_r'), {
      holdId: 'hold_1',
      releasedBy: 'operator',
    });
    expect(reactToRetentionEvent(released, now, () => participants)).toMatchObject({
      command: { type: 'ReleaseHold', data: { holdId: 'hold_1', participants } },
    });
  });

  it('asks for the whole account on a self-service deletion, under the id the account service gave', () => {
    const deletion = makeEvent('AccountDeletionRequested', envelope('evt_d'), {
      requestId: 'req_given',
      reason: 'user-request',
      regulation: 'CCPA',
    });
    expect(reactToAccountEvent(deletion)).toEqual({
      kind: 'request',
      input: {
        subjectId: 'sub_1',
        requestId: 'req_given',
        reason: 'user-request',
        regulation: 'CCPA',
        causationId: 'evt_d',
      },
    });
  });

  it('records a participant answer as a task outcome, and ignores events that ask nothing', () => {
    const failed = makeEvent('ErasureTaskFailed', envelope('evt_f'), {
      requestId: 'req_1',
      participantId: 'account',
      attempt: 2,
      retriable: true,
      code: 'STORE_UNAVAILABLE',
    });
    expect(reactToTaskAnswer(failed, now)).toMatchObject({
      command: {
        type: 'RecordTaskOutcome',
        data: {
          participantId: 'account',
          attempt: 2,
          completed: null,
          failed: { retriable: true, code: 'STORE_UNAVAILABLE' },
        },
      },
    });
    const created = makeEvent('AccountCreated', envelope('evt_c'), {
      email: Buffer.from('x'),
      name: Buffer.from('y'),
      phone: null,
      locale: null,
    } as never);
    expect(reactToAccountEvent(created)).toBeUndefined();
    expect(reactToTaskAnswer(created, now)).toBeUndefined();
    expect(reactToRetentionEvent(created, now, () => participants)).toBeUndefined();
  });
});
