// The portal process: configuration, Redis, the mail server, the other services' APIs, HTTPS,
// the completion-notice loop, and an orderly stop on SIGTERM.
import { Redis } from 'ioredis';

import { createLogger } from '@lethe/logger';
import { exitOnFatalStartup, startTracing } from '@lethe/service-kit';

import { letheApi } from './api/lethe-api';
import { operatorApi } from './api/operator-api';
import { serviceMetrics } from './api/service-metrics';
import { operatorTokenVerifier } from './http/console-routes';
import { loadPortalConfig } from './config';
import { smtpMailer } from './mail/mailer';
import { portalSecrets } from './secrets';
import { createPortalService } from './service';

const NOTICE_CHECK_MS = 5_000;

async function main() {
  const config = loadPortalConfig();
  const logger = createLogger({ name: 'portal', level: config.logLevel });
  const tracing = startTracing('portal', config.tracing);
  const redis = new Redis(config.redisUrl, config.redisOptions);
  const mailer = smtpMailer(config.smtp, config.tlsCaFile);
  const api = letheApi({
    accountUrl: config.accountUrl,
    consentUrl: config.consentUrl,
    erasureUrl: config.erasureUrl,
    signingKey: config.signingKey,
    issuer: config.tokens.issuer,
    caFile: config.tlsCaFile,
  });
  const { app, notices } = await createPortalService({
    redis,
    api,
    mailer,
    logger,
    publicUrl: config.publicUrl,
    secrets: portalSecrets(config.signingKey),
    console: {
      api: operatorApi({
        erasureUrl: config.erasureUrl,
        retentionUrl: config.retentionUrl,
        auditUrl: config.auditUrl,
        caFile: config.tlsCaFile,
      }),
      // As the erasure service checks it: the shared issuer's keys (never the portal's own).
      taskQueues: serviceMetrics(
        {
          account: config.accountUrl,
          consent: config.consentUrl,
          retention: config.retentionUrl,
          erasure: config.erasureUrl,
          audit: config.auditUrl,
        },
        config.tlsCaFile,
      ),
      verify: operatorTokenVerifier({
        publicKeys: config.publicKeys,
        issuer: config.tokens.issuer,
        audience: 'erasure',
      }),
    },
    https: config.https,
  });
  const stopNotices = notices.start(NOTICE_CHECK_MS);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ url: config.publicUrl }, 'portal listening');

  const stop = async () => {
    stopNotices();
    await app.close();
    mailer.close();
    redis.disconnect();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch(exitOnFatalStartup('portal'));
