import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

import { loadCatalog } from './catalog';
import { generateTypes } from './codegen';
import { EVENTS_ERROR_CODES } from './errors';

const FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures');
const catalog = loadCatalog();

// DESIGN.md section 2: every event named there has a schema.
const DESIGN_EVENTS: Record<string, string[]> = {
  'lethe.account.events.v1': [
    'AccountCreated',
    'AccountProfileUpdated',
    'AccountActivityRecorded',
    'AccountDeactivated',
    'AccountReactivated',
    'AccountDeletionRequested',
    'AccountErased',
  ],
  'lethe.account.ingest.v1': [
    'SignedUp',
    'ProfileChanged',
    'ActivitySeen',
    'Deactivated',
    'DeletionRequested',
    // Beyond the design: usage analytics, made anonymous by erasure (issue 12).
    'UsageSeen',
  ],
  'lethe.consent.events.v1': ['ConsentGranted', 'ConsentWithdrawn'],
  'lethe.retention.events.v1': [
    'RetentionClockStarted',
    'RetentionClockReset',
    'RetentionExpired',
    'LegalHoldPlaced',
    'LegalHoldReleased',
    'PolicyVersionActivated',
    // Beyond the design's list: a clock that stops (consent granted again) and the notice an
    // inactive account gets before it is erased.
    'RetentionClockStopped',
    'RetentionExpiryNoticed',
  ],
  'lethe.erasure.events.v1': [
    'ErasureRequested',
    'ErasureBlocked',
    'ErasurePlanned',
    'ErasureTaskIssued',
    'ErasureTaskCompleted',
    'ErasureTaskFailed',
    'ErasureDeadlineAtRisk',
    // Beyond the design: a deadline extended as the regulation allows (issue 12).
    'ErasureDeadlineExtended',
    'ErasureCompleted',
    'ErasureReconciled',
    // Beyond the design: a provider's retention of a completed erasure ran out (issue 12).
    'ProviderRetentionElapsed',
    // Beyond the design's list: access requests, which fan out like an erasure (issue 14).
    'AccessRequested',
    'AccessTaskIssued',
    'AccessTaskAnswered',
    'AccessCompleted',
    'AccessPackageDeleted',
    // Beyond the design: an operator's retry of a participant's task (issue 14).
    'ErasureTaskRetried',
  ],
  'lethe.erasure.participants.v1': ['ParticipantRegistered'],
  // Beyond the design: reads of personal data, ledgered like every change (issue 11).
  'lethe.access.events.v1': ['PersonalDataAccessed', 'LlmDisclosedWithoutConsent'],
  'lethe.audit.ledger.v1': ['AuditEntry', 'AuditCheckpoint'],
};

describe('the schema catalog', () => {
  it('has a schema, on the right topic, for every event in the design', () => {
    for (const [topic, types] of Object.entries(DESIGN_EVENTS)) {
      for (const type of types) expect(catalog.latest(type).topic).toBe(topic);
    }
    // Every type in the catalog is in the design (a type may have several frozen versions).
    expect(new Set(catalog.schemas.map((entry) => entry.type)).size).toBe(
      Object.values(DESIGN_EVENTS).flat().length,
    );
  });

  it.each(catalog.schemas.map((entry) => [`${entry.type}.v${entry.version}`, entry] as const))(
    'decodes the frozen sample payload of %s',
    (name, entry) => {
      const binary = path.join(FIXTURES_DIR, `${name}.bin`);
      const json = path.join(FIXTURES_DIR, `${name}.json`);
      expect(existsSync(binary) && existsSync(json)).toBe(true);

      const bytes = readFileSync(binary);
      const decoded = entry.avroType.fromBuffer(bytes) as { envelope: { type: string } };
      const expected = entry.avroType.fromString(readFileSync(json, 'utf8'));

      expect(decoded).toEqual(expected);
      expect(entry.avroType.toBuffer(expected).equals(bytes)).toBe(true);
      expect(decoded.envelope.type).toBe(entry.type);
    },
  );

  it('keeps the generated TypeScript types in step with the schemas', () => {
    const file = path.join(__dirname, 'generated', 'types.ts');
    // If this fails: pnpm --filter @lethe/events generate
    expect(readFileSync(file, 'utf8')).toBe(generateTypes(catalog));
  });

  it('gives every error a unique code', () => {
    expect(new Set(EVENTS_ERROR_CODES).size).toBe(EVENTS_ERROR_CODES.length);
  });
});
