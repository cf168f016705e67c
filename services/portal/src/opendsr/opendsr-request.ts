// An OpenDSR 1.0 request as a controller sends it (specification section 7.1), checked field by
// field. What is wrong is said in the spec's error object; the identity itself is never echoed.

export const OPENDSR_API_VERSION = '1.0';
export const REQUEST_TYPES = ['erasure', 'access', 'portability'] as const;
export type OpenDsrRequestType = (typeof REQUEST_TYPES)[number];

/** The identities Lethe can resolve: the account's address, or Lethe's own subject id. */
export const SUPPORTED_IDENTITIES = [
  { identity_type: 'email', identity_format: 'raw' },
  { identity_type: 'controller_customer_id', identity_format: 'raw' },
] as const;

export interface OpenDsrRequest {
  readonly subjectRequestId: string;
  readonly type: OpenDsrRequestType;
  readonly regulation: 'gdpr' | 'ccpa';
  readonly submittedTime: string;
  readonly identity: { readonly kind: 'email' | 'subject'; readonly value: string };
  readonly callbackUrls: readonly string[];
}

/** The spec's error answer (section 7.6): always 400 for a request that is not well formed. */
export class OpenDsrInvalid extends Error {
  override readonly name = 'OpenDsrInvalid';
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const SUBJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_CALLBACKS = 5;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request, or OpenDsrInvalid naming the field. `allowedHosts` empty: any HTTPS host. */
export function parseOpenDsrRequest(body: unknown, allowedHosts: readonly string[]): OpenDsrRequest {
  if (!isObject(body)) throw new OpenDsrInvalid('the body must be a JSON object');
  const { subject_request_id, subject_request_type, regulation, submitted_time } = body;
  if (typeof subject_request_id !== 'string' || !UUID_V4.test(subject_request_id))
    throw new OpenDsrInvalid('subject_request_id must be a lowercase UUID v4');
  if (
    typeof subject_request_type !== 'string' ||
    !(REQUEST_TYPES as readonly string[]).includes(subject_request_type)
  )
    throw new OpenDsrInvalid(`subject_request_type must be one of ${REQUEST_TYPES.join(', ')}`);
  if (regulation !== 'gdpr' && regulation !== 'ccpa')
    throw new OpenDsrInvalid('regulation must be gdpr or ccpa');
  if (
    typeof submitted_time !== 'string' ||
    !RFC3339.test(submitted_time) ||
    Number.isNaN(Date.parse(submitted_time))
  )
    throw new OpenDsrInvalid('submitted_time must be an RFC 3339 date');
  if (
    body.api_version !== undefined &&
    (typeof body.api_version !== 'string' || !body.api_version.startsWith('1.'))
  )
    throw new OpenDsrInvalid(`api_version ${OPENDSR_API_VERSION} is the one supported`);
  return {
    subjectRequestId: subject_request_id,
    type: subject_request_type as OpenDsrRequestType,
    regulation,
    submittedTime: submitted_time,
    identity: identityIn(body.subject_identities),
    callbackUrls: callbackUrlsIn(body.status_callback_urls, allowedHosts),
  };
}

/** The first identity Lethe supports; several of them must all be the same kind of proof. */
function identityIn(identities: unknown): OpenDsrRequest['identity'] {
  if (!Array.isArray(identities) || identities.length === 0)
    throw new OpenDsrInvalid('subject_identities must list at least one identity');
  for (const identity of identities) {
    if (!isObject(identity) || typeof identity.identity_value !== 'string' || identity.identity_value === '')
      throw new OpenDsrInvalid(
        'each subject identity needs identity_type, identity_value and identity_format',
      );
    if (identity.identity_format !== 'raw') continue;
    const value = identity.identity_value.trim();
    if (identity.identity_type === 'email' && /^[^@\s]+@[^@\s]+$/.test(value) && value.length <= 320)
      return { kind: 'email', value };
    if (identity.identity_type === 'controller_customer_id' && SUBJECT_ID.test(value))
      return { kind: 'subject', value };
  }
  throw new OpenDsrInvalid(
    'no supported identity: send email or controller_customer_id, format raw (see /v1/discovery)',
  );
}

function callbackUrlsIn(urls: unknown, allowedHosts: readonly string[]): string[] {
  if (urls === undefined) return [];
  if (!Array.isArray(urls) || urls.length > MAX_CALLBACKS)
    throw new OpenDsrInvalid(`status_callback_urls must be an array of at most ${MAX_CALLBACKS} URLs`);
  return urls.map((url) => {
    let parsed: URL;
    try {
      parsed = new URL(String(url));
    } catch {
      throw new OpenDsrInvalid('each status callback URL must be an absolute URL');
    }
    // Callbacks carry request ids and states: over TLS only, and where the operator allows.
    if (parsed.protocol !== 'https:' || String(url).length > 2_048)
      throw new OpenDsrInvalid('status callback URLs must be https URLs');
    if (allowedHosts.length > 0 && !allowedHosts.includes(parsed.host))
      throw new OpenDsrInvalid('a status callback URL is on a host this processor does not call');
    return parsed.toString();
  });
}
