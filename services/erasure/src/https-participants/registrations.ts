import type { ParticipantDeclaration } from '@lethe/participant';

// Participants that do not consume Kafka (a SaaS-like internal service, a legacy app) register
// an HTTPS endpoint instead of a task topic; the erasure service calls it with each signed task.

/** Their ids start with this, so one prefixed ACL lets the erasure service host all of them. */
export const HTTPS_PARTICIPANT_PREFIX = 'https-';

export interface HttpsParticipantRegistration extends ParticipantDeclaration {
  /** Where each signed task is POSTed: an https URL. */
  readonly endpoint: string;
  readonly registeredBy: string;
  readonly registeredAt: string;
}

/** Why an endpoint cannot be called, or undefined: https only, no credentials in the URL. */
export function endpointProblem(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'endpoint must be an absolute URL';
  }
  if (url.protocol !== 'https:') return 'endpoint must be an https URL: tasks name subjects';
  if (url.username || url.password) return 'endpoint must not carry credentials';
  return undefined;
}
