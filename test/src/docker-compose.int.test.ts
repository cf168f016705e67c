/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   the compose file is untyped YAML, read field by field as docker compose reads it */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { parse } from 'yaml';

import { loadAccountConfig } from '@lethe/account';
import { loadAuditConfig } from '@lethe/audit';
import { loadConsentConfig } from '@lethe/consent';
import { loadErasureConfig } from '@lethe/erasure';
import { loadPortalConfig } from '@lethe/portal';
import { loadRetentionConfig } from '@lethe/retention';
import type { ServiceConfig } from '@lethe/service-kit';

import { REPO_DIR } from './local-stack';
import { jsonSchemaCheck } from './manifest-schemas';

// docker-compose.yml without a Docker engine: the file passes the Compose Specification's
// schema, and what it means holds. Its `setup` script (deploy/docker/setup.sh) runs here on a
// temporary folder, so the certificates, passwords and environments each container mounts are
// the real ones: every service loads its configuration from its own folder alone, and every
// name a container dials is in the certificate the server presents.

const compose: any = parse(readFileSync(path.join(REPO_DIR, 'docker-compose.yml'), 'utf8'), {
  merge: true,
});
const checkCompose = jsonSchemaCheck(path.join(REPO_DIR, 'test', 'schemas', 'compose-spec.json'));
const SERVERS = ['kafka', 'registry', 'mongo', 'redis'] as const;
const SERVICES = ['account', 'consent', 'retention', 'erasure', 'audit'] as const;
const LOADERS: Record<(typeof SERVICES)[number], (env: NodeJS.ProcessEnv) => ServiceConfig> = {
  account: loadAccountConfig,
  consent: loadConsentConfig,
  retention: loadRetentionConfig,
  erasure: loadErasureConfig,
  audit: loadAuditConfig,
};

/** The folder of lethe-secrets a service mounts at `target`. */
function secretsMount(name: string, target = '/lethe'): string | undefined {
  const mount = compose.services[name].volumes.find(
    (v: any) => v.source === 'lethe-secrets' && v.target === target,
  );
  return mount?.volume?.subpath;
}

/** `KEY='value'` lines, as the entrypoint's shell reads them. */
function envFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [, key, value] = /^([A-Z0-9_]+)='(.*)'$/.exec(line)!;
        return [key!, value!];
      }),
  );
}

describe('docker-compose.yml', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'lethe-compose-'));
  beforeAll(() => {
    const setup = spawnSync('bash', [path.join(REPO_DIR, 'deploy', 'docker', 'setup.sh'), out], {
      encoding: 'utf8',
    });
    if (setup.status !== 0) throw new Error(`setup.sh failed: ${setup.stderr}`);
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('passes the Compose Specification, which refuses a misspelled key', () => {
    expect(checkCompose(compose)).toEqual([]);
    const typo = structuredClone(compose);
    typo.services.kafka.healthcheck.intervall = '5s';
    expect(checkCompose(typo).join('\n')).toMatch(/healthcheck.*must NOT have additional properties/);
  });

  it('runs the four servers and the five services, built from the Dockerfile', () => {
    for (const name of [...SERVERS, ...SERVICES]) expect(compose.services[name]).toBeDefined();
    for (const name of SERVICES) {
      expect(compose.services[name].build).toEqual({ context: '.', args: { SERVICE: name } });
      expect(compose.services[name].read_only).toBe(true);
    }
    expect(compose.services.setup.build).toEqual({ context: '.', target: 'setup' });
    const dockerfile = readFileSync(path.join(REPO_DIR, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM \S+ AS setup$/m);
  });

  it('starts each container only once what it needs is healthy or done', () => {
    const waitsFor = (name: string) => compose.services[name].depends_on ?? {};
    for (const name of [...SERVERS, ...SERVICES, 'init']) {
      const service = compose.services[name];
      if (name !== 'init') expect(service.healthcheck?.test?.length).toBeGreaterThan(1);
      for (const [dependency, { condition }] of Object.entries<any>(waitsFor(name))) {
        const oneShot = dependency === 'setup' || dependency === 'init';
        expect([dependency, condition]).toEqual([
          dependency,
          oneShot ? 'service_completed_successfully' : 'service_healthy',
        ]);
      }
    }
    for (const server of SERVERS) expect(waitsFor(server)).toHaveProperty('setup');
    expect(Object.keys(waitsFor('init')).sort()).toEqual(['kafka', 'registry']);
    for (const name of SERVICES)
      expect(Object.keys(waitsFor(name)).sort()).toEqual(['init', 'mongo', 'redis']);
    // A service is healthy when it is ready, not merely alive.
    expect(compose.services.account.healthcheck.test).toEqual([
      'CMD',
      'node',
      '/usr/local/lib/lethe/healthcheck.mjs',
      '/readyz',
    ]);
  });

  it('advertises Kafka by its container name to containers and by 127.0.0.1 to the host', () => {
    const properties = readFileSync(path.join(out, secretsMount('kafka')!, 'server.properties'), 'utf8');
    const advertised = /^advertised\.listeners=(.*)$/m.exec(properties)![1]!.split(',');
    expect(advertised).toEqual(['INTERNAL://kafka:19092', 'EXTERNAL://127.0.0.1:9092']);
    expect(properties).toMatch(
      /^listener\.security\.protocol\.map=CONTROLLER:SSL,INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL$/m,
    );
    expect(compose.services.kafka.ports).toEqual(['127.0.0.1:9092:9092']);
    for (const name of SERVICES) {
      const env = envFile(path.join(out, secretsMount(name)!, 'env'));
      expect(env.LETHE_KAFKA_BROKERS).toBe('kafka:19092');
    }
  });

  it('presents, on every server and service, a certificate for the name it is dialled by', () => {
    const ca = new X509Certificate(readFileSync(path.join(out, 'admin', 'tls', 'ca.crt')));
    const presented = {
      kafka: path.join(out, 'kafka', 'keystore.pem'),
      mongo: path.join(out, 'mongo', 'server.pem'),
      redis: path.join(out, 'redis', 'server.crt'),
      registry: path.join(out, 'registry', 'server.crt'),
      mail: path.join(out, 'mail', 'server.crt'),
      portal: path.join(out, 'services', 'portal', 'tls', 'server.crt'),
      ...Object.fromEntries(
        SERVICES.map((name) => [name, path.join(out, 'services', name, 'tls', 'server.crt')]),
      ),
    };
    for (const [name, file] of Object.entries(presented)) {
      const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(
        readFileSync(file, 'utf8'),
      )![0];
      const certificate = new X509Certificate(pem);
      expect([name, certificate.verify(ca.publicKey)]).toEqual([name, true]);
      expect(certificate.checkHost(name)).toBe(name);
    }
  });

  it('keeps each server’s data in a volume, at the path the server writes', () => {
    const mounted = (name: string) =>
      compose.services[name].volumes
        .filter((v: any) => typeof v === 'string')
        .map((v: string) => v.split(':'));
    const kafkaLogDir = /^log\.dirs=(.*)$/m.exec(
      readFileSync(path.join(out, 'kafka', 'server.properties'), 'utf8'),
    )![1];
    expect(mounted('kafka')).toContainEqual(['kafka-data', kafkaLogDir]);
    expect(mounted('mongo')).toContainEqual(['mongo-data', '/data/db']);
    const h2 = /^jdbc:h2:file:(.*)\/[^/]+$/.exec(
      compose.services.registry.environment.APICURIO_DATASOURCE_URL,
    )![1];
    expect(mounted('registry')).toContainEqual(['registry-data', h2]);
    const used = Object.values<any>(compose.services).flatMap((s) =>
      (s.volumes ?? []).map((v: any) => (typeof v === 'string' ? v.split(':')[0] : v.source)),
    );
    for (const volume of Object.keys(compose.volumes)) expect(used).toContain(volume);
  });

  it('mounts, in each container, only its own folder of the secrets, and every folder exists', () => {
    const expected: Record<string, string> = {
      kafka: 'kafka',
      registry: 'registry',
      mongo: 'mongo',
      redis: 'redis',
      init: 'admin',
      cli: 'admin',
      ...Object.fromEntries(SERVICES.map((name) => [name, `services/${name}`])),
    };
    expected.portal = 'services/portal';
    expected.mail = 'mail';
    for (const [name, folder] of Object.entries(expected)) {
      expect([name, secretsMount(name)]).toEqual([name, folder]);
      expect(
        readFileSync(
          path.join(out, folder, folder.startsWith('services') || folder === 'admin' ? 'env' : 'ca.crt'),
          'utf8',
        ),
      ).not.toBe('');
    }
    // No password or key is written in the compose file itself.
    expect(readFileSync(path.join(REPO_DIR, 'docker-compose.yml'), 'utf8')).not.toMatch(
      /PASSWORD:|password=|BEGIN/,
    );
    for (const service of Object.values<any>(compose.services))
      for (const port of service.ports ?? []) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('runs the portal and the mail server: STARTTLS and logins on mail; the portal reads Kafka as itself, with no KEK or database login', () => {
    expect(compose.services.portal.build.args.SERVICE).toBe('portal');
    expect(compose.services.mail.environment).toMatchObject({
      MP_SMTP_REQUIRE_STARTTLS: 'true',
      MP_SMTP_AUTH_FILE: '/lethe/smtp.auth',
      MP_UI_AUTH_FILE: '/lethe/api.auth',
      MP_UI_TLS_CERT: '/lethe/server.crt',
    });
    const home = path.join(out, secretsMount('portal')!);
    const env = Object.fromEntries(
      Object.entries(envFile(path.join(home, 'env'))).map(([key, value]) => [
        key,
        value.replaceAll('/lethe', home),
      ]),
    );
    const config = loadPortalConfig(env);
    expect(config.smtp).toMatchObject({ host: 'mail', port: 1025, username: 'portal' });
    expect(new URL(config.redisUrl)).toMatchObject({ hostname: 'redis', username: 'portal' });
    expect(config.accountUrl).toBe('https://account:3001');
    expect(existsSync(path.join(home, 'secrets', 'kek'))).toBe(false);
    expect(Object.keys(env).filter((key) => /MONGO_URL|LETHE_KEK/.test(key))).toEqual([]);
    // Kafka as `portal` (its ACLs: the retention log's notices only), the registry to read schemas.
    expect(config.kafka).toMatchObject({ brokers: ['kafka:19092'] });
    expect(env.LETHE_KAFKA_SASL_USERNAME).toBe('portal');
    expect(new URL(config.registryUrl)).toMatchObject({ hostname: 'registry', username: 'portal' });
    expect(compose.services.portal.depends_on).toHaveProperty('init');
    // The mail server's logins: the portal sends, admin reads; hashed, never the passwords.
    const smtp = readFileSync(path.join(out, 'mail', 'smtp.auth'), 'utf8');
    expect(smtp).toMatch(/^portal:\$apr1\$/);
    expect(smtp).not.toContain(config.smtp.password);
    expect(readFileSync(path.join(out, 'mail', 'api.auth'), 'utf8')).toMatch(/^admin:\$apr1\$/);
    // Every service trusts the portal's key, for its scopes only.
    for (const name of SERVICES)
      expect(readFileSync(path.join(out, 'services', name, 'auth', 'portal-public-keys'), 'utf8')).toBe(
        readFileSync(path.join(home, 'auth', 'portal-public-keys'), 'utf8'),
      );
  });

  it.each(SERVICES)('%s loads its configuration from its own folder alone', (name) => {
    const home = path.join(out, secretsMount(name)!);
    // As the container sees it, with /lethe being this folder.
    const env = Object.fromEntries(
      Object.entries(envFile(path.join(home, 'env'))).map(([key, value]) => [
        key,
        value.replaceAll('/lethe', home),
      ]),
    );
    const config = LOADERS[name](env);
    expect(config.host).toBe('0.0.0.0');
    expect(config.https?.cert).toContain('BEGIN CERTIFICATE');
    expect(config.kafka.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: name });
    expect(new URL(config.mongoUrl).hostname).toBe('mongo');
    expect(new URL(config.redisUrl)).toMatchObject({
      protocol: 'rediss:',
      hostname: 'redis',
      username: name,
    });
    expect(new URL(config.registryUrl)).toMatchObject({
      protocol: 'https:',
      hostname: 'registry',
      username: name,
    });
    // Each principal's password is its own, and opens its own Redis ACL user.
    const acl = readFileSync(path.join(out, 'redis', 'users.acl'), 'utf8');
    expect(acl).toContain(`user ${name} on >${config.kafka.sasl!.password} `);
  });
});
