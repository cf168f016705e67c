// Field names that carry personal data or secrets anywhere in Lethe. pino replaces their values
// before a line is written, at the top level and one or two levels down (err.cause, req.headers,
// event.data ...), so a stray object in a log call cannot leak them.
export const SENSITIVE_FIELDS = [
  'email',
  'name',
  'firstName',
  'lastName',
  'phone',
  'address',
  'timezone',
  'ip',
  'password',
  'token',
  'secret',
  'authorization',
  'cookie',
  'apiKey',
  'dataKey',
  'kek',
  'plaintext',
  'value', // raw Kafka record values may hold decrypted personal data
] as const;

export const REDACTED = '[redacted]';

export function redactionPaths(fields: readonly string[] = SENSITIVE_FIELDS): string[] {
  return fields.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);
}
