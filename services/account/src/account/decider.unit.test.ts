import { foldEvents } from '@lethe/eventstore';

import { accountDecider } from './decider';
import { ACCOUNT_ERROR_CODES, type AccountCommand, type AccountEvent } from './model';

const at = (iso: string) => ({ now: new Date(iso) });
const profile = { email: 'ada@example.com', name: 'Ada', phone: null, timezone: 'Europe/London' };
const created: AccountEvent[] = [
  { type: 'AccountCreated', data: { ...profile, source: 'http' } },
  { type: 'AccountActivityRecorded', data: { day: '2026-11-01', channel: 'http' } },
];

/** given these events, when this command: the events it decides (or the error it throws). */
function given(history: AccountEvent[]) {
  const state = foldEvents(accountDecider, accountDecider.initialState(), history);
  return { when: (command: AccountCommand) => accountDecider.decide(command, state) };
}

describe('the account decider', () => {
  it('opens an account and records the first day of activity', () => {
    expect(
      given([]).when({
        type: 'OpenAccount',
        data: { ...profile, source: 'http' },
        metadata: at('2026-11-01T09:00:00Z'),
      }),
    ).toEqual(created);
  });

  it('refuses to open an account twice with other data, or one that was erased; the same sign-up again is a no-op', () => {
    const open: AccountCommand = {
      type: 'OpenAccount',
      data: { ...profile, source: 'ingest' },
      metadata: at('2026-11-02T00:00:00Z'),
    };
    expect(given(created).when(open)).toEqual([]); // a redelivered sign-up
    const other: AccountCommand = { ...open, data: { ...open.data, email: 'someone.else@example.com' } };
    expect(() => given(created).when(other)).toThrow(expect.objectContaining({ code: 'ACCOUNT_EXISTS' }));
    const erased: AccountEvent[] = [...created, { type: 'AccountErased', data: { requestId: 'req_1' } }];
    expect(() => given(erased).when(open)).toThrow(expect.objectContaining({ code: 'ACCOUNT_ERASED' }));
  });

  it('records only the fields that changed, and nothing when none did', () => {
    const update = (data: Partial<typeof profile>): AccountCommand => ({
      type: 'UpdateProfile',
      data,
      metadata: at('2026-11-02T00:00:00Z'),
    });
    expect(given(created).when(update({ email: 'ada@example.org', name: 'Ada' }))).toEqual([
      { type: 'AccountProfileUpdated', data: { email: 'ada@example.org' } },
    ]);
    expect(given(created).when(update({ name: 'Ada' }))).toEqual([]);
  });

  it('records activity at most once a day, and not on a deactivated account', () => {
    const activity = (iso: string): AccountCommand => ({
      type: 'RecordActivity',
      data: { channel: 'web' },
      metadata: at(iso),
    });
    expect(given(created).when(activity('2026-11-01T23:59:00Z'))).toEqual([]);
    expect(given(created).when(activity('2026-11-02T00:01:00Z'))).toEqual([
      { type: 'AccountActivityRecorded', data: { day: '2026-11-02', channel: 'web' } },
    ]);
    const deactivated: AccountEvent[] = [...created, { type: 'AccountDeactivated', data: { reason: null } }];
    expect(() => given(deactivated).when(activity('2026-11-03T00:00:00Z'))).toThrow(
      expect.objectContaining({ code: 'ACCOUNT_DEACTIVATED' }),
    );
  });

  it('deactivates and reactivates idempotently', () => {
    const deactivate: AccountCommand = {
      type: 'Deactivate',
      data: { reason: 'user' },
      metadata: at('2026-11-02T00:00:00Z'),
    };
    const reactivate: AccountCommand = {
      type: 'Reactivate',
      data: { reason: null },
      metadata: at('2026-11-03T00:00:00Z'),
    };
    expect(given(created).when(deactivate)).toEqual([
      { type: 'AccountDeactivated', data: { reason: 'user' } },
    ]);
    const deactivated: AccountEvent[] = [
      ...created,
      { type: 'AccountDeactivated', data: { reason: 'user' } },
    ];
    expect(given(deactivated).when(deactivate)).toEqual([]);
    expect(given(deactivated).when(reactivate)).toEqual([
      { type: 'AccountReactivated', data: { reason: null } },
    ]);
    expect(given(created).when(reactivate)).toEqual([]);
  });

  it('joins a second deletion request to the open one', () => {
    const request = (requestId: string): AccountCommand => ({
      type: 'RequestDeletion',
      data: { requestId, reason: 'user-request', regulation: 'GDPR' },
      metadata: at('2026-11-02T00:00:00Z'),
    });
    expect(given(created).when(request('req_1'))).toEqual([
      {
        type: 'AccountDeletionRequested',
        data: { requestId: 'req_1', reason: 'user-request', regulation: 'GDPR' },
      },
    ]);
    const requested: AccountEvent[] = [
      ...created,
      {
        type: 'AccountDeletionRequested',
        data: { requestId: 'req_1', reason: 'user-request', regulation: 'GDPR' },
      },
    ];
    expect(given(requested).when(request('req_2'))).toEqual([]);
  });

  it('ends the stream at erasure: once, and then refuses changes', () => {
    const erase: AccountCommand = {
      type: 'MarkErased',
      data: { requestId: 'req_1' },
      metadata: at('2026-11-05T00:00:00Z'),
    };
    expect(given(created).when(erase)).toEqual([{ type: 'AccountErased', data: { requestId: 'req_1' } }]);
    const erased: AccountEvent[] = [...created, { type: 'AccountErased', data: { requestId: 'req_1' } }];
    expect(given(erased).when(erase)).toEqual([]);
    expect(() =>
      given(erased).when({
        type: 'UpdateProfile',
        data: { name: 'x' },
        metadata: at('2026-11-06T00:00:00Z'),
      }),
    ).toThrow(expect.objectContaining({ code: 'ACCOUNT_ERASED' }));
    // The erased state keeps no profile.
    expect(foldEvents(accountDecider, accountDecider.initialState(), erased)).toEqual({
      status: 'erased',
      requestId: 'req_1',
    });
  });

  it('refuses commands on an unknown account', () => {
    expect(() =>
      given([]).when({ type: 'Deactivate', data: { reason: null }, metadata: at('2026-11-01T00:00:00Z') }),
    ).toThrow(expect.objectContaining({ code: 'ACCOUNT_NOT_FOUND' }));
  });

  it('gives every error a unique code', () => {
    expect(new Set(ACCOUNT_ERROR_CODES).size).toBe(ACCOUNT_ERROR_CODES.length);
  });
});
