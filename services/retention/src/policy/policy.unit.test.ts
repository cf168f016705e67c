import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { loadPolicy, PolicyInvalid, SEED_POLICY_FILE } from './policy';

const seed = readFileSync(SEED_POLICY_FILE, 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'lethe-policy-'));
const withText = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
const errorOf = (file: string) => {
  try {
    loadPolicy(file);
  } catch (error) {
    if (error instanceof PolicyInvalid) return error.message;
    throw error;
  }
  throw new Error('the policy was accepted');
};
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

describe('the retention policy file', () => {
  it('ships the seed policy: inactivity with notice, marketing contact bound to consent, holds, 30-day LLM retention', () => {
    const policy = loadPolicy();
    expect(policy.version).toBe('seed-policy.v1');
    expect(policy.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(policy.clocks).toEqual([
      expect.objectContaining({
        id: 'account-inactivity',
        kind: 'inactivity',
        expiresAfterMs: 730 * 86_400_000,
        noticeBeforeMs: 30 * 86_400_000,
        erase: { all: true, categories: [], keepWhileConsented: true },
      }),
      expect.objectContaining({
        id: 'account-deactivated',
        kind: 'deactivation',
        expiresAfterMs: 30 * 86_400_000,
        noticeBeforeMs: 7 * 86_400_000,
        erase: { all: true, categories: [], keepWhileConsented: true },
      }),
      expect.objectContaining({
        id: 'marketing-contact',
        kind: 'consent',
        whileAnyGranted: ['marketing-email', 'marketing-sms'],
        erase: { all: false, categories: ['marketing-contact'], keepWhileConsented: false },
      }),
      expect.objectContaining({
        id: 'consent-proof',
        kind: 'after-erasure',
        basis: expect.stringContaining('GDPR Art. 7(1)'),
        expiresAfterMs: 1095 * 86_400_000,
        erase: { all: false, categories: ['consent-proof'], keepWhileConsented: false },
      }),
    ]);
    expect(policy.llmProviderRetentionMs).toBe(30 * 86_400_000);
    expect(policy.legalHoldsBlockErasure).toBe(true);
    expect(policy.keepAnonymousData).toBe(true);
  });

  it('refuses a bad duration, naming the line', () => {
    const text = seed.replace('"expiresAfter": "730d"', '"expiresAfter": "two years"');
    expect(errorOf(withText('duration.json', text))).toBe(
      `${path.join(dir, 'duration.json')}:${lineOf(text, 'two years')}: clocks[0].expiresAfter must be a duration such as "30d", "12h", "90s"`,
    );
  });

  it('refuses broken JSON, an unknown kind, a notice longer than the period, and a hold that would not block', () => {
    expect(
      errorOf(withText('json.json', seed.replace('"kind": "inactivity",', '"kind": "inactivity"'))),
    ).toMatch(/json\.json:\d+: not JSON/);
    const kind = seed.replace('"kind": "consent"', '"kind": "sometimes"');
    expect(errorOf(withText('kind.json', kind))).toContain(
      `kind.json:${lineOf(kind, 'sometimes')}: clocks[2].kind must be`,
    );
    const notice = seed.replace('"noticeBefore": "30d"', '"noticeBefore": "800d"');
    expect(errorOf(withText('notice.json', notice))).toContain(
      `notice.json:${lineOf(notice, '800d')}: clocks[0].noticeBefore must be shorter`,
    );
    const keep = seed.replace(
      '"categories": ["marketing-contact"] }',
      '"categories": ["marketing-contact"], "keepWhileConsented": true }',
    );
    expect(errorOf(withText('keep.json', keep))).toContain(
      `keep.json:${lineOf(keep, '"marketing-contact"], "keepWhileConsented"')}: clocks[2].erase.keepWhileConsented must be true or false, and only with "all": true`,
    );
    const basis = seed.replace(/"basis": "[^"]*",/, '');
    expect(errorOf(withText('basis.json', basis))).toContain(
      'clocks[3].basis (the legal basis for keeping) must be a non-empty string',
    );
    const holds = seed.replace('"blockErasure": true', '"blockErasure": false');
    expect(errorOf(withText('holds.json', holds))).toContain(
      `holds.json:${lineOf(holds, '"blockErasure": false')}:`,
    );
  });
});
