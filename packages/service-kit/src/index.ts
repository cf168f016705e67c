export { buildServiceApp, type ServiceAppDeps } from './app';
export { exitOnFatalStartup, fatalStartupLine } from './fatal';
export {
  createServiceMetrics,
  gaugeOnScrape,
  histogramIn,
  observeStreamStores,
  type ObservedHistogram,
  type ObservedStreamStore,
  type ServiceMetrics,
} from './metrics';
export { kafkaReadiness, serviceOperations, type ReadinessCheck, type ServiceOperations } from './operations';
export { type RouteAccess } from './route-access';
export { buildOpenApi, type OpenApiInfo } from './openapi';
export { PROBLEM_MEDIA_TYPE, ProblemError, type Problem } from './problem';
export {
  DEFAULT_TOKEN_ISSUER,
  LETHE_SERVICES,
  MAX_TOKEN_LIFETIME_SECONDS,
  maxLifetimeOf,
  PORTAL_SCOPES,
  SCOPES,
  signToken,
  readJwt,
  verifyToken,
  type Scope,
  type TokenClaims,
  type TokenPolicy,
  type TokenRequest,
  type TokenSettings,
} from './tokens';
// Re-exported: services and the CLI configure keys through the service kit.
export {
  generateSigningKeys,
  keyId,
  privateKeyFrom,
  publicKeyFrom,
  publicKeysFrom,
} from '@lethe/signing-keys';
export {
  commaList,
  ConfigError,
  kekSettings,
  type KekSettings,
  loadServiceConfig,
  loadServiceConfigWithoutKek,
  redisTlsOptions,
  secretFrom,
  topicNamer,
  type RedisTlsOptions,
  type ServerTls,
  type ServiceConfig,
  type ServiceConfigWithoutKek,
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
export { serviceFetch, type ServiceFetch, type ServiceRequest } from './service-fetch';
export {
  oidcIssuer,
  oidcTrust,
  signatureHolds,
  verifyOidcToken,
  type OidcTrust,
  type OidcTrustSettings,
} from './oidc-trust';
export {
  accessRecorderOn,
  PURPOSE_HEADER,
  type AccessRecorder,
  type PersonalDataAccess,
} from './personal-data-access';
export { CONFIG_VARIABLES, type ConfigVariable } from './configuration-reference';
export { startTracing, type Tracing, type TracingSettings } from './tracing';
