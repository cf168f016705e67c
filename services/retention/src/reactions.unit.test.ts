import { makeEvent } from '@lethe/events';

import { reactToSubjectEvent } from './reactions';

const now = new Date('2026-11-27T12:00:00Z');
const occurredAt = Date.parse('2026-11-20T08:30:00Z');
const envelope = { subjectId: 'sub_1', correlationId: 'corr_1', producer: 'test', occurredAt };
const consent = { source: 'settings', policyVersion: '2026-11-01', textHash: 'sha256:x', gpc: false };

describe('what an account or consent event means for a retention clock', () => {
  it('starts, renews and ends the account clock', () => {
    const created = makeEvent('AccountCreated', envelope, {
      email: Buffer.alloc(1),
      name: Buffer.alloc(1),
      phone: null,
      timezone: null,
      source: 'http',
    });
    expect(reactToSubjectEvent(created, now)).toEqual({
      type: 'ObserveAccount',
      data: { event: 'created', at: occurredAt },
      metadata: { now },
    });
    // Activity counts from the start of the day it names, not from when it was reported.
    const active = makeEvent('AccountActivityRecorded', envelope, { day: '2026-11-19', channel: 'web' });
    expect(reactToSubjectEvent(active, now)?.data).toEqual({
      event: 'active',
      at: Date.parse('2026-11-19T00:00:00Z'),
    });
    const back = makeEvent('AccountReactivated', envelope, { reason: null });
    expect(reactToSubjectEvent(back, now)?.data).toEqual({ event: 'reactivated', at: occurredAt });
    const away = makeEvent('AccountDeactivated', envelope, { reason: null });
    expect(reactToSubjectEvent(away, now)?.data).toEqual({ event: 'deactivated', at: occurredAt });
    const erased = makeEvent('AccountErased', envelope, { requestId: 'req_1' });
    expect(reactToSubjectEvent(erased, now)?.data).toEqual({ event: 'erased', at: occurredAt });
  });

  it('follows consent per purpose', () => {
    const granted = makeEvent('ConsentGranted', envelope, { purpose: 'marketing-email', ...consent });
    expect(reactToSubjectEvent(granted, now)).toEqual({
      type: 'ObserveConsent',
      data: { purpose: 'marketing-email', granted: true, at: occurredAt },
      metadata: { now },
    });
    const withdrawn = makeEvent('ConsentWithdrawn', envelope, { purpose: 'marketing-email', ...consent });
    expect(reactToSubjectEvent(withdrawn, now)?.data).toEqual({
      purpose: 'marketing-email',
      granted: false,
      at: occurredAt,
    });
  });

  it('ignores what does not move a clock', () => {
    const profile = makeEvent('AccountProfileUpdated', envelope, {
      email: null,
      name: null,
      phone: null,
      timezone: null,
    });
    expect(reactToSubjectEvent(profile, now)).toBeUndefined();
  });
});
