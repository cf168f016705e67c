import { retentionExport } from './schedule-participant';
import type { RetentionState } from './model';

// What the subject gets of its retention schedule in an access request: its clocks and that a
// hold stands, never the hold's case reference or reason (sealed, and an operator's record).

const DAY = 24 * 60 * 60 * 1000;
const state: RetentionState = {
  known: true,
  accountErased: false,
  grantedPurposes: ['marketing'],
  clocks: {
    'account-inactivity': {
      startedAt: 0,
      expiresAt: 730 * DAY,
      noticeAt: 700 * DAY,
      noticed: false,
      policyVersion: '2026-11',
    },
  },
  holds: {
    hold_1: {
      holdId: 'hold_1',
      sealed: { reference: 'c2VhbGVkLXJlZmVyZW5jZQ==', reason: 'c2VhbGVkLXJlYXNvbg==' },
      placedBy: 'operator:alice',
      placedAt: DAY,
      until: null,
    },
  },
  expired: [{ clock: 'contact-data', expiredAt: 2 * DAY, policyVersion: '2026-11' }],
};

describe("the retention schedule's export", () => {
  it('gives the clocks, the expiries and that a hold stands, without the hold text or who placed it', async () => {
    const { records } = await retentionExport(async () => state)({ requestId: 'req_1', subjectId: 'sub_1' });
    expect(records['retention-clocks']).toEqual([
      {
        clock: 'account-inactivity',
        policyVersion: '2026-11',
        startedAt: '1970-01-01T00:00:00.000Z',
        expiresAt: new Date(730 * DAY).toISOString(),
        noticeAt: new Date(700 * DAY).toISOString(),
      },
    ]);
    expect(records['legal-holds']).toEqual([{ placedAt: new Date(DAY).toISOString(), until: null }]);
    expect(records['retention-expiries']).toHaveLength(1);
    expect(JSON.stringify(records)).not.toMatch(/c2VhbGVk|alice|hold_1/);
  });

  it('gives nothing for a subject it has never seen', async () => {
    expect(await retentionExport(async () => undefined)({ requestId: 'r', subjectId: 's' })).toEqual({
      records: {},
    });
  });
});
