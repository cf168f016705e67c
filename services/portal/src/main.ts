// The portal process: configuration, Redis, the mail server, the other services' APIs, HTTPS,
// the completion-notice loop, and an orderly stop on SIGTERM.
import { Redis } from 'ioredis';

import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import { connectKafka } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';
import {
  exitOnFatalStartup,
  oidcIssuer,
  oidcTrust,
  serviceFetch,
  serviceOperations,
  startTracing,
  topicNamer,
} from '@lethe/service-kit';

import { letheApi } from './api/lethe-api';
import { operatorApi } from './api/operator-api';
import { serviceMetrics } from './api/service-metrics';
import { oidcSignIn } from './console/oidc-sign-in';
import { operatorTokenVerifier } from './http/console-routes';
import { loadPortalConfig } from './config';
import { smtpMailer } from './mail/mailer';
import { portalSecrets } from './secrets';
import { createPortalService } from './service';

const NOTICE_CHECK_MS = 5_000;
const OPENDSR_CHECK_MS = 2_000;
/** The retention log's events the portal mails about (its ACLs allow this one log). */
const RETENTION_EVENTS = 'lethe.retention.events.v1';

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
    auditUrl: config.auditUrl,
    signingKey: config.signingKey,
    issuer: config.tokens.issuer,
    caFile: config.tlsCaFile,
  });
  const kafka = await connectKafka({ ...config.kafka, clientId: 'lethe-portal' }, logger);
  const codec = createEventCodec({
    registry: createSchemaRegistry(config.registryUrl, { caFile: config.tlsCaFile }),
    catalog: loadCatalog(),
  });
  const topicName = topicNamer(config.topicPrefix);
  // Operators from the OpenID provider: its keys read before the console takes a sign-in.
  const provider = config.tokens.oidc
    ? oidcTrust(config.tokens.oidc, serviceFetch(config.tlsCaFile), (error) =>
        logger.warn({ err: error }, "the identity provider's keys could not be read"),
      )
    : undefined;
  const stopProvider = await provider?.start();
  const { app, notices, inactivity, opendsrCallbacks } = await createPortalService({
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
        ...(provider ? { external: oidcIssuer(provider) } : {}),
      }),
      oidc:
        provider && config.oidcClient
          ? oidcSignIn({
              redis,
              trust: provider,
              client: { ...config.oidcClient, redirectUri: `${config.publicUrl}/console/oidc/callback` },
              fetch: serviceFetch(config.tlsCaFile),
            })
          : undefined,
    },
    ...(config.opendsr
      ? {
          opendsr: {
            ...config.opendsr,
            // A controller's token: the shared issuer's keys, for the audience `portal`.
            verify: operatorTokenVerifier({
              publicKeys: config.publicKeys,
              issuer: config.tokens.issuer,
              audience: 'portal',
            }),
            fetch: serviceFetch(config.tlsCaFile),
          },
        }
      : {}),
    https: config.https,
    operations: serviceOperations('portal', kafka),
  });
  const retentionNotices = await kafka.runEventConsumer({
    codec,
    logger,
    groupId: topicName('lethe.portal.notices'),
    topics: [topicName(RETENTION_EVENTS)],
    handle: (event) => inactivity.onRetentionEvent(event),
  });
  const stopNotices = notices.start(NOTICE_CHECK_MS);
  const stopCallbacks = opendsrCallbacks?.start(OPENDSR_CHECK_MS);
  await app.listen({ host: config.host, port: config.port });
  logger.info({ url: config.publicUrl }, 'portal listening');

  const stop = async () => {
    stopNotices();
    stopProvider?.();
    stopCallbacks?.();
    await retentionNotices.stop();
    await app.close();
    await kafka.close();
    mailer.close();
    redis.disconnect();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch(exitOnFatalStartup('portal'));
