import { foldEvents } from '@lethe/eventstore';

import { loadPolicy } from '../policy/policy';
import { nextWakeup, retentionDecider } from './decider';
import type { RetentionCommand, RetentionEvent, RetentionState } from './model';

const DAY = 86_400_000;
const t0 = Date.parse('2026-11-27T00:00:00Z');
const at = (days: number) => ({ now: new Date(t0 + days * DAY) });
const decider = retentionDecider(loadPolicy());

function run(commands: RetentionCommand[], start: RetentionState = decider.initialState()) {
  let state = start;
  const events: RetentionEvent[] = [];
  for (const command of commands) {
    const decided = decider.decide(command, state);
    events.push(...decided);
    state = foldEvents(decider, state, decided);
  }
  return { events, state };
}
const consent = (purpose: string, granted: boolean, days: number): RetentionCommand => ({
  type: 'ObserveConsent',
  data: { purpose, granted, at: t0 + days * DAY },
  metadata: at(days),
});
const tick = (days: number): RetentionCommand => ({
  type: 'Tick',
  data: { subjectId: 'sub_1' },
  metadata: at(days),
});
const types = (events: RetentionEvent[]) => events.map((e) => e.type);
const account = (
  event: 'created' | 'active' | 'deactivated' | 'reactivated' | 'erased',
  days: number,
): RetentionCommand => ({ type: 'ObserveAccount', data: { event, at: t0 + days * DAY }, metadata: at(days) });

describe('the retention decider', () => {
  it('starts the marketing-contact clock only when no marketing purpose is granted any more', () => {
    const both = run([
      consent('marketing-email', true, 0),
      consent('marketing-sms', true, 0),
      consent('marketing-email', false, 1),
    ]);
    expect(both.state.clocks['marketing-contact']).toBeUndefined(); // sms still stands
    const none = run([consent('marketing-sms', false, 2)], both.state);
    expect(none.state.clocks['marketing-contact']).toMatchObject({
      startedAt: t0 + 2 * DAY,
      expiresAt: t0 + 4 * DAY,
    });
    // A new grant stops it; analytics is not a marketing purpose and changes nothing.
    expect(types(run([consent('analytics', true, 3)], none.state).events)).toEqual(['PurposesGranted']);
    const regranted = run([consent('marketing-email', true, 3)], none.state);
    expect(types(regranted.events)).toContain('RetentionClockStopped');
    expect(regranted.state.clocks['marketing-contact']).toBeUndefined();
  });

  it('expires once, with the scope and the reason of the erasure it calls for', () => {
    const { state } = run([consent('marketing-email', true, 0), consent('marketing-email', false, 1)]);
    const expired = run([tick(3)], state);
    expect(expired.events).toEqual([
      {
        type: 'RetentionExpired',
        data: {
          clock: 'marketing-contact',
          expiredAt: t0 + 3 * DAY,
          policyVersion: 'seed-policy.v1',
          scope: { all: false, categories: ['marketing-contact'], keep: [] },
          reason: 'consent-withdrawn',
        },
      },
    ]);
    expect(decider.decide(tick(4), expired.state)).toEqual([]); // fired once
  });

  it('gives notice before an inactive account expires, and never moves the clock back', () => {
    const created = run([{ type: 'ObserveAccount', data: { event: 'created', at: t0 }, metadata: at(0) }]);
    expect(nextWakeup(created.state)?.getTime()).toBe(t0 + 700 * DAY); // the notice
    const late = run(
      [{ type: 'ObserveAccount', data: { event: 'active', at: t0 - DAY }, metadata: at(1) }],
      created.state,
    );
    expect(late.events).toEqual([]);
    const noticed = run([tick(700)], created.state);
    expect(types(noticed.events)).toEqual(['RetentionExpiryNoticed']);
    expect(decider.decide(tick(701), noticed.state)).toEqual([]);
    expect(types(run([tick(730)], noticed.state).events)).toEqual(['RetentionExpired']);
  });

  it('runs a deactivated account out after its grace period; reactivation stops the clock', () => {
    const deactivated = run([account('created', 0), account('deactivated', 10)]);
    expect(deactivated.state.clocks['account-deactivated']).toMatchObject({
      startedAt: t0 + 10 * DAY,
      expiresAt: t0 + 40 * DAY,
      noticeAt: t0 + 33 * DAY,
    });
    expect(nextWakeup(deactivated.state)?.getTime()).toBe(t0 + 33 * DAY);
    const expired = run([tick(40)], deactivated.state);
    expect(expired.events).toEqual([
      expect.objectContaining({
        type: 'RetentionExpired',
        data: expect.objectContaining({
          clock: 'account-deactivated',
          scope: { all: true, categories: [], keep: [] },
        }),
      }),
    ]);
    const reactivated = run([account('reactivated', 20)], deactivated.state);
    expect(types(reactivated.events)).toEqual(['RetentionClockStopped', 'RetentionClockReset']);
    expect(reactivated.state.clocks['account-deactivated']).toBeUndefined();
    expect(reactivated.state.clocks['account-inactivity']?.startedAt).toBe(t0 + 20 * DAY);
  });

  it('keeps the marketing contact out of a whole-account expiry while a marketing purpose is granted', () => {
    const granted = run([account('created', 0), consent('marketing-sms', true, 1)]);
    const [expiry] = run([tick(730)], granted.state).events;
    expect(expiry).toMatchObject({
      type: 'RetentionExpired',
      data: {
        clock: 'account-inactivity',
        scope: { all: true, categories: [], keep: ['marketing-contact'] },
      },
    });
    const withdrawn = run([consent('marketing-sms', false, 2)], granted.state);
    expect(run([tick(730)], withdrawn.state).events).toContainEqual(
      expect.objectContaining({
        data: expect.objectContaining({
          clock: 'account-inactivity',
          scope: { all: true, categories: [], keep: [] },
        }),
      }),
    );
  });

  it('after an erasure, keeps the consent proof until the legal obligation ends, then asks for its erasure', () => {
    const erased = run([account('created', 0), account('erased', 10)]);
    expect(erased.state.clocks['consent-proof']).toMatchObject({
      startedAt: t0 + 10 * DAY,
      expiresAt: t0 + (10 + 1095) * DAY,
    });
    expect(erased.state.clocks['account-inactivity']).toBeUndefined();
    expect(run([tick(10 + 1095)], erased.state).events).toEqual([
      expect.objectContaining({
        type: 'RetentionExpired',
        data: expect.objectContaining({
          clock: 'consent-proof',
          scope: { all: false, categories: ['consent-proof'], keep: [] },
          reason: 'legal-obligation-ended',
        }),
      }),
    ]);
  });

  it('refuses a hold on an unknown subject, and releases a hold with an end date when it ends', () => {
    const hold = {
      holdId: 'hold_1',
      sealed: { reference: 'c2VhbGVkOmNhc2UtMQ==', reason: 'c2VhbGVkOmxpdGlnYXRpb24=' },
      placedBy: 'op',
      until: t0 + 10 * DAY,
    };
    expect(() =>
      decider.decide({ type: 'PlaceHold', data: hold, metadata: at(0) }, decider.initialState()),
    ).toThrow(expect.objectContaining({ code: 'RETENTION_SUBJECT_UNKNOWN' }));
    const held = run([consent('analytics', true, 0), { type: 'PlaceHold', data: hold, metadata: at(0) }]);
    expect(nextWakeup(held.state)?.getTime()).toBe(t0 + 10 * DAY);
    expect(run([tick(10)], held.state).events).toEqual([
      { type: 'LegalHoldReleased', data: { holdId: 'hold_1', releasedBy: 'hold-expiry' } },
    ]);
  });
});
