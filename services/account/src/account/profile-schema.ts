// The rules a profile field must meet, in one place: the HTTP routes validate bodies with them and
// the ingest consumer validates opened fields with them, so both paths accept the same values.
export const PROFILE_FIELD_SCHEMAS = {
  email: { type: 'string', format: 'email', maxLength: 320 },
  name: { type: 'string', minLength: 1, maxLength: 200 },
  phone: { type: 'string', pattern: '^\\+?[0-9 ()-]{5,32}$' },
  timezone: { type: 'string', minLength: 1, maxLength: 64 },
} as const;

export const NEW_PROFILE_SCHEMA = {
  type: 'object',
  required: ['email', 'name'],
  additionalProperties: false,
  properties: PROFILE_FIELD_SCHEMAS,
} as const;

export const PROFILE_CHANGES_SCHEMA = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: PROFILE_FIELD_SCHEMAS,
} as const;
