import { deciderSpec } from '@lethe/eventstore';

import { consentDecider } from './decider';
import { ConsentError, type ConsentCommand, type ConsentDecision, type ConsentEvent } from './model';

const now = new Date('2026-11-27T12:00:00Z');
const at = now.getTime();
const proof = { source: 'preferences-page', policyVersion: '2026-11-01', textHash: 'sha256:aa', gpc: false };
const spec = deciderSpec(consentDecider);

const record = (
  purpose: string,
  granted: boolean,
  overrides: Partial<typeof proof> = {},
): ConsentCommand => ({
  type: 'RecordConsent',
  data: { purpose, granted, ...proof, ...overrides },
  metadata: { now },
});
const decided = (
  purpose: string,
  granted: boolean,
  overrides: Partial<ConsentDecision> = {},
): ConsentEvent => {
  const data: ConsentDecision = { purpose, granted, ...proof, at, ...overrides };
  return granted ? { type: 'ConsentGranted', data } : { type: 'ConsentWithdrawn', data };
};
const optOut: ConsentCommand = {
  type: 'HonourOptOutSignal',
  data: { purposes: ['sale', 'sharing', 'ads'], policyVersion: '2026-11-01' },
  metadata: { now },
};

describe('the consent decider', () => {
  it('records a grant and a withdrawal with their proof', () => {
    expect(spec.given().when(record('marketing-email', true)).then()).toEqual([
      decided('marketing-email', true),
    ]);
    expect(
      spec
        .given([decided('marketing-email', true)])
        .when(record('marketing-email', false))
        .then(),
    ).toEqual([decided('marketing-email', false)]);
  });

  it('changes nothing for the same choice under the same text, and records it again under a new text', () => {
    const given = spec.given([decided('analytics', true)]);
    expect(given.when(record('analytics', true)).then()).toEqual([]);
    expect(given.when(record('analytics', true, { textHash: 'sha256:bb' })).then()).toEqual([
      decided('analytics', true, { textHash: 'sha256:bb' }),
    ]);
  });

  it('turns an opt-out signal into a withdrawal of every sale or sharing purpose not yet withdrawn', () => {
    const events = spec
      .given([decided('sale', true), decided('sharing', false)])
      .when(optOut)
      .then();
    // Granted and never asked both get an explicit opt-out; the one already withdrawn does not.
    expect(
      events.map((event) => [event.type, event.type === 'ConsentLedgerClosed' ? '' : event.data.purpose]),
    ).toEqual([
      ['ConsentWithdrawn', 'sale'],
      ['ConsentWithdrawn', 'ads'],
    ]);
    expect(events[0]).toMatchObject({ data: { source: 'gpc-signal', gpc: true, textHash: '' } });
  });

  it('closes the ledger once on erasure, and refuses new decisions after', () => {
    const close: ConsentCommand = { type: 'CloseLedger', data: { requestId: 'req_1' }, metadata: { now } };
    const closed: ConsentEvent = { type: 'ConsentLedgerClosed', data: { requestId: 'req_1' } };
    expect(spec.given().when(close).then()).toEqual([closed]);
    expect(spec.given([closed]).when(close).then()).toEqual([]);
    const refused = spec
      .given([decided('marketing-email', true), closed])
      .when(record('marketing-email', false))
      .thenThrows();
    expect(refused).toBeInstanceOf(ConsentError);
    expect(refused).toMatchObject({ code: 'CONSENT_LEDGER_CLOSED' });
    expect(spec.given([closed]).when(optOut).thenThrows()).toMatchObject({ code: 'CONSENT_LEDGER_CLOSED' });
  });

  it('keeps the full history and the current choice per purpose', () => {
    const events = [decided('analytics', true), decided('analytics', false), decided('marketing-sms', true)];
    const state = events.reduce(
      (current, event) => consentDecider.evolve(current, event),
      consentDecider.initialState(),
    );
    expect(state.history).toHaveLength(3);
    expect(state.current['analytics']?.granted).toBe(false);
    expect(state.current['marketing-sms']?.granted).toBe(true);
  });
});
