export { buildServiceApp, type ServiceAppDeps } from './app';
export { type RouteAccess } from './route-access';
export { buildOpenApi, type OpenApiInfo } from './openapi';
export { PROBLEM_MEDIA_TYPE, ProblemError, type Problem } from './problem';
export {
  DEFAULT_TOKEN_ISSUER,
  generateSigningKeys,
  keyId,
  LETHE_SERVICES,
  MAX_TOKEN_LIFETIME_SECONDS,
  maxLifetimeOf,
  privateKeyFrom,
  publicKeyFrom,
  SCOPES,
  signToken,
  verifyToken,
  type Scope,
  type TokenClaims,
  type TokenPolicy,
  type TokenRequest,
  type TokenSettings,
} from './tokens';
export {
  ConfigError,
  loadServiceConfig,
  redisTlsOptions,
  secretFrom,
  topicNamer,
  type RedisTlsOptions,
  type ServiceConfig,
} from './config';
export {
  CLOCK_OFFSET_KEY,
  createClock,
  parseDuration,
  sharedOffsetClock,
  systemClock,
  type Clock,
  type OffsetSource,
  type SharedOffsetClock,
} from './clock';
export {
  derivedId,
  honourIdempotencyKeys,
  type IdempotencyClaim,
  type IdempotencyRecords,
  type RecordedAnswer,
} from './idempotency';
