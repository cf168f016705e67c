import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';

import { S3Client } from '@aws-sdk/client-s3';

/** The variables s3ClientFromEnv reads: a service's config passes on just these. */
export const S3_ENV_VARIABLES = [
  'LETHE_S3_ENDPOINT',
  'LETHE_S3_ACCESS_KEY_ID',
  'LETHE_S3_SECRET_ACCESS_KEY',
  'LETHE_S3_REGION',
  'LETHE_TLS_CA_FILE',
] as const;

/** Those variables of `env`, for s3ClientFromEnv later (configs read the environment once). */
export function s3EnvFrom(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(S3_ENV_VARIABLES.map((name) => [name, env[name]]));
}

/**
 * An S3 client from LETHE_S3_* (endpoint, access key id, secret; region us-east-1 unless
 * LETHE_S3_REGION) that trusts LETHE_TLS_CA_FILE when it is set. Without an endpoint: AWS itself,
 * with the SDK's own credential chain. Path-style addressing, which every S3-compatible server
 * speaks (virtual hosts need DNS per bucket).
 */
export function s3ClientFromEnv(env: Record<string, string | undefined>): S3Client {
  const endpoint = env.LETHE_S3_ENDPOINT;
  const accessKeyId = env.LETHE_S3_ACCESS_KEY_ID;
  const secretAccessKey = env.LETHE_S3_SECRET_ACCESS_KEY;
  const ca = env.LETHE_TLS_CA_FILE ? readFileSync(env.LETHE_TLS_CA_FILE, 'utf8') : undefined;
  return new S3Client({
    region: env.LETHE_S3_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    ...(ca ? { requestHandler: { httpsAgent: new Agent({ ca, keepAlive: true }) } } : {}),
  });
}
