import path from 'node:path';

// Plausible sample values for fixtures, chosen by field name. Personal fields are bytes (they
// hold ciphertext on the wire), so no sample holds real-looking personal data in clear.
export const FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures');

const STRINGS: Record<string, string> = {
  eventId: '0b6f2f1e-6a55-4c7e-9d43-2a7b3f0c9e11',
  subjectId: 'sub_7f3a9c2e5d1b',
  correlationId: 'corr_51c0e2a4',
  causationId: '9a1d2c3b-4e5f-4061-8a7b-6c5d4e3f2a10',
  producer: 'account',
  requestId: 'req_3d9b7e21',
  participantId: 'redis-cache',
  purpose: 'marketing-email',
  source: 'settings',
  policyVersion: '2026-11-01',
  textHash: 'sha256:5f2b0e3c',
  clock: 'account-inactivity',
  holdId: 'hold_81f0',
  reference: 'case-2026-117',
  reason: 'user-request',
  regulation: 'GDPR',
  placedBy: 'operator:legal',
  releasedBy: 'operator:legal',
  activatedBy: 'operator:release',
  digest: 'sha256:0c1d2e3f',
  day: '2026-11-27',
  channel: 'web',
  code: 'STORE_UNAVAILABLE',
  outcome: 'erased',
  evidenceDigest: 'sha256:9e8d7c6b',
  topic: 'lethe.account.events.v1',
  prevHash: 'sha256:00',
  eventDigest: 'sha256:a1b2c3',
  entryHash: 'sha256:d4e5f6',
  keyId: 'audit-2026',
  taskTopic: 'lethe.erasure.tasks.redis-cache.v1',
  json: '{"requestId":"req_3d9b7e21"}',
};

const FIXED_TIME = Date.UTC(2026, 10, 27, 12, 0, 0);

type Schema = unknown;

export function sampleValue(schema: Schema, type: string, version: number): unknown {
  return sample(schema, '', { type, version });
}

function sample(schema: Schema, field: string, ctx: { type: string; version: number }): unknown {
  if (typeof schema === 'string') {
    switch (schema) {
      case 'string':
        if (field === 'type') return ctx.type;
        return STRINGS[field] ?? `sample-${field}`;
      case 'bytes':
        return Buffer.from(`sealed:${field}`);
      case 'long':
        return FIXED_TIME;
      case 'int':
        return field === 'schemaVersion' ? ctx.version : 1;
      case 'boolean':
        return field !== 'gpc';
      case 'null':
        return null;
      default:
        throw new Error(`no sample for named type reference ${schema}`);
    }
  }
  if (Array.isArray(schema))
    return sample(
      schema.find((branch) => branch !== 'null'),
      field,
      ctx,
    );
  const s = schema as Record<string, unknown>;
  switch (s.type) {
    case 'record':
      return Object.fromEntries(
        (s.fields as { name: string; type: Schema }[]).map((f) => [f.name, sample(f.type, f.name, ctx)]),
      );
    case 'enum':
      return (s.symbols as string[])[0];
    case 'array':
      return [sample(s.items, field, ctx)];
    case 'map':
      return { mongo: 3 };
    default:
      return sample(s.type, field, ctx);
  }
}
