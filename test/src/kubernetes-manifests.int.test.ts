/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   rendered manifests are untyped JSON, read field by field as the API server reads them */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { loadAccountConfig } from '@lethe/account';
import { loadAuditConfig } from '@lethe/audit';
import { loadConsentConfig } from '@lethe/consent';
import { loadErasureConfig } from '@lethe/erasure';
import {
  BUILT_IN_PARTICIPANTS,
  letheAclMatrix,
  strimziResources,
  systemTopics,
  TOPIC_LAYOUTS,
} from '@lethe/kafka';
import { loadPortalConfig } from '@lethe/portal';
import { loadRetentionConfig } from '@lethe/retention';
import { CONFIG_VARIABLES, type ServiceConfig } from '@lethe/service-kit';

import { LETHE_HOME, REPO_DIR } from './local-stack';
import { customResourceSchemas, kubernetesSchemas, parseManifests, type Manifest } from './manifest-schemas';

// deploy/k8s without a cluster: each overlay is rendered with kustomize (Go module proxy,
// installed by `./lethe test`) and every resource is checked against Kubernetes' schemas and
// Strimzi's CRDs, unknown fields refused. Then what the manifests mean: hardened, probed pods;
// a singleton ledger writer; Strimzi resources that are the topic specs and ACL matrix; and a
// pod environment that is all each service needs to load its configuration.

const KUSTOMIZE = [path.join(LETHE_HOME, 'tools', 'go', 'bin', 'kustomize'), 'kustomize'].find(
  (candidate) => !candidate.includes('/') || existsSync(candidate),
)!;
const K8S_DIR = path.join(REPO_DIR, 'deploy', 'k8s');
const OVERLAYS = ['local', 'production'] as const;
const SERVICES = ['account', 'consent', 'retention', 'erasure', 'audit'] as const;
/** Every Deployment: the services and the portal (which has no Kafka user and no MongoDB). */
const DEPLOYMENTS = [...SERVICES, 'portal'] as const;
/** The oldest Kubernetes release still in wide support, and the newest the package knows. */
const KUBERNETES_VERSIONS = ['1.31.0', '1.37.0'];

function render(overlay: string): Manifest[] {
  const built = spawnSync(KUSTOMIZE, ['build', path.join(K8S_DIR, 'overlays', overlay)], {
    encoding: 'utf8',
  });
  if (built.error || built.status !== 0)
    throw new Error(`kustomize build ${overlay} failed: ${String(built.error ?? built.stderr)}`);
  return parseManifests(built.stdout);
}

const rendered = Object.fromEntries(OVERLAYS.map((overlay) => [overlay, render(overlay)])) as Record<
  (typeof OVERLAYS)[number],
  Manifest[]
>;

const byKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind) as any[];
const deployment = (manifests: Manifest[], name: string) =>
  byKind(manifests, 'Deployment').find((d) => d.metadata.name === name);

const crdCheck = customResourceSchemas([
  path.join(K8S_DIR, 'crds', 'strimzi-043-Crd-kafkatopic.yaml'),
  path.join(K8S_DIR, 'crds', 'strimzi-044-Crd-kafkauser.yaml'),
]);

function schemaProblems(manifests: Manifest[], version: string): string[] {
  const kubernetes = kubernetesSchemas(version);
  return manifests.flatMap((manifest) => {
    const check = kubernetes(manifest) ?? crdCheck(manifest);
    const name = `${manifest.kind}/${manifest.metadata.name}`;
    if (!check) return [`${name}: no schema for ${manifest.apiVersion} ${manifest.kind}`];
    return check(manifest).map((problem) => `${name} ${problem}`);
  });
}

describe('the Kubernetes manifests (deploy/k8s)', () => {
  it.each(OVERLAYS)('renders the %s overlay into resources every schema accepts', (overlay) => {
    const manifests = rendered[overlay];
    expect(manifests.map((m) => m.kind)).toEqual(
      expect.arrayContaining(['Deployment', 'Service', 'ConfigMap', 'PodDisruptionBudget', 'NetworkPolicy']),
    );
    expect(manifests.filter((m) => m.kind === 'KafkaTopic').length).toBeGreaterThan(30);
    for (const version of KUBERNETES_VERSIONS) expect(schemaProblems(manifests, version)).toEqual([]);
    expect(new Set(manifests.map((m) => m.metadata.namespace))).toEqual(new Set(['lethe']));
  });

  it('is checked by schemas that refuse what the API server refuses', () => {
    const account = structuredClone(deployment(rendered.production, 'account'));
    account.spec.template.spec.containers[0].readinessProbes =
      account.spec.template.spec.containers[0].readinessProbe;
    account.spec.replicas = '2';
    const user = structuredClone(byKind(rendered.production, 'KafkaUser')[0]);
    user.spec.authorization.acls[0].operations = ['Reed'];
    const topic = structuredClone(byKind(rendered.production, 'KafkaTopic')[0]);
    topic.spec.partition = 3;
    const problems = schemaProblems([account, user, topic], KUBERNETES_VERSIONS[0]!).join('\n');
    expect(problems).toMatch(/Deployment\/account .*readinessProbes/);
    expect(problems).toMatch(/Deployment\/account \/spec\/replicas: must be integer/);
    expect(problems).toMatch(
      /KafkaUser\/\S+ \/spec\/authorization\/acls\/0\/operations\/0: must be equal to one of/,
    );
    expect(problems).toMatch(/KafkaTopic\/\S+ .*"additionalProperty":"partition"/);
  });

  it.each(OVERLAYS)('runs every service and the portal hardened and probed (%s)', (overlay) => {
    const deployments = byKind(rendered[overlay], 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...DEPLOYMENTS].sort());
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const [container] = pod.containers;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', scheme: 'HTTPS' });
      expect(container.livenessProbe.httpGet).toMatchObject({ path: '/livez', scheme: 'HTTPS' });
      expect(container.resources.requests).toHaveProperty('memory');
      expect(container.resources.limits).toHaveProperty('memory');
      expect(container.image).toMatch(new RegExp(`lethe-${d.metadata.name}:`));
    }
  });

  it('runs the ledger writer as a singleton and two of every other service in production', () => {
    const production = rendered.production;
    expect(deployment(production, 'audit').spec).toMatchObject({
      replicas: 1,
      strategy: { type: 'Recreate' },
    });
    const budgets = byKind(production, 'PodDisruptionBudget');
    for (const name of DEPLOYMENTS.filter((s) => s !== 'audit')) {
      expect(deployment(production, name).spec.replicas).toBe(2);
      expect(deployment(rendered.local, name).spec.replicas).toBe(1);
      const budget = budgets.find((b) => b.spec.selector.matchLabels['app.kubernetes.io/name'] === name);
      expect(budget?.spec.maxUnavailable).toBe(1);
    }
  });

  it('lets the services reach only DNS, Kafka and the stores, and erasure HTTPS outside the cluster', () => {
    const policies = byKind(rendered.production, 'NetworkPolicy');
    const serviceSelector = { matchLabels: { 'app.kubernetes.io/component': 'service' } };
    const deny = policies.find((p) => p.metadata.name === 'lethe-default-deny');
    expect(deny.spec).toEqual({ podSelector: serviceSelector, policyTypes: ['Ingress', 'Egress'] });
    for (const name of SERVICES)
      expect(
        deployment(rendered.production, name).spec.template.metadata.labels['app.kubernetes.io/component'],
      ).toBe('service');
    const egress = policies.find((p) => p.metadata.name === 'lethe-services-egress').spec.egress;
    const ports = egress.map((rule: any) => rule.ports.map((p: any) => p.port).join(','));
    expect(ports).toEqual(['53,53', '9093', '27017,6379,8443']);
    for (const rule of egress) expect(rule.to.every((peer: any) => !peer.ipBlock)).toBe(true);
    const outside = policies.find((p) => p.metadata.name === 'lethe-erasure-external-stores').spec;
    expect(outside.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'erasure' } });
    expect(outside.egress[0].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(outside.egress[0].to[0].ipBlock.except).toContain('10.0.0.0/8');
  });

  it('lets the portal reach only DNS, Kafka, Redis and the registry, the services and mail submission, and be reached by the ingress', () => {
    const policies = byKind(rendered.production, 'NetworkPolicy');
    const portalSelector = { matchLabels: { 'app.kubernetes.io/name': 'portal' } };
    const policy = (name: string) => policies.find((p) => p.metadata.name === name).spec;
    expect(policy('lethe-portal-default-deny')).toEqual({
      podSelector: portalSelector,
      policyTypes: ['Ingress', 'Egress'],
    });
    const egress = policy('lethe-portal-egress').egress;
    expect(egress.map((rule: any) => rule.ports.map((p: any) => p.port).join(','))).toEqual([
      '53,53',
      '9093',
      '6379,8443',
      'https',
      '587',
    ]);
    // Outside the cluster: mail submission only, never the cluster's own networks.
    expect(egress.filter((rule: any) => rule.to.some((peer: any) => peer.ipBlock)).length).toBe(1);
    expect(egress[4].to[0].ipBlock.except).toContain('10.0.0.0/8');
    // Kafka as its own user (whose ACLs allow the retention log only); no MongoDB at all.
    const env = deployment(rendered.production, 'portal').spec.template.spec.containers[0].env;
    expect(env.find((v: any) => v.name === 'LETHE_KAFKA_SASL_USERNAME').value).toBe('portal');
    expect(env.map((v: any) => v.name)).not.toContain('LETHE_MONGO_URL');
    expect(deployment(rendered.production, 'portal').spec.template.metadata.labels['lethe.io/client']).toBe(
      'true',
    );
    expect(policy('lethe-portal-ingress').ingress[0].from[0].podSelector).toEqual({
      matchLabels: { 'lethe.io/portal-ingress': 'true' },
    });
  });

  it.each(OVERLAYS)(
    'has the Strimzi topics and users that lethe k8s strimzi makes from the specs and ACL matrix (%s)',
    (overlay) => {
      const file = readFileSync(path.join(K8S_DIR, 'overlays', overlay, 'strimzi.yaml'), 'utf8');
      expect(parseManifests(file)).toEqual(strimziResources({ layout: overlay, cluster: 'lethe', acls: {} }));
      const manifests = rendered[overlay];
      const topics = byKind(manifests, 'KafkaTopic');
      const specs = systemTopics(TOPIC_LAYOUTS[overlay], Object.values(BUILT_IN_PARTICIPANTS).flat());
      expect(topics.map((t) => t.spec.topicName ?? t.metadata.name).sort()).toEqual(
        specs.map((s) => s.name).sort(),
      );
      for (const topic of topics) {
        expect(topic.metadata.labels['strimzi.io/cluster']).toBe('lethe');
        expect(topic.spec.replicas).toBe(TOPIC_LAYOUTS[overlay].replicationFactor);
      }
      const users = byKind(manifests, 'KafkaUser');
      const principals = new Set(letheAclMatrix({ servicesManageOwnTopics: false }).map((g) => g.principal));
      expect(users.map((u) => u.metadata.name).sort()).toEqual([...principals].sort());
      // No service may create or reconfigure a topic: the Topic Operator owns them all.
      const operations = users.flatMap((u) =>
        u.spec.authorization.acls.flatMap((acl: any) => acl.operations),
      );
      expect(operations).not.toContain('Create');
      expect(operations).not.toContain('AlterConfigs');
      // Each service signs in as its KafkaUser, with the password Strimzi writes into its Secret.
      for (const name of SERVICES) {
        const env = deployment(manifests, name).spec.template.spec.containers[0].env;
        expect(env).toContainEqual({ name: 'LETHE_KAFKA_SASL_USERNAME', value: name });
        expect(env).toContainEqual({
          name: 'LETHE_KAFKA_SASL_PASSWORD',
          valueFrom: { secretKeyRef: { name, key: 'password' } },
        });
      }
    },
  );

  it('gives secrets only from Secrets, and only variables the service reads', () => {
    const secret = new Set(CONFIG_VARIABLES.filter((v) => v.secret).map((v) => v.name));
    for (const name of DEPLOYMENTS) {
      // A service's own host and port; any service's URL (the portal calls them all).
      const readBy = new Set(
        CONFIG_VARIABLES.filter((v) => v.readers.includes(name)).flatMap((v) =>
          (v.name === 'LETHE_<SERVICE>_URL' ? DEPLOYMENTS : [name]).map((each) =>
            v.name.replace('<SERVICE>', each.toUpperCase()),
          ),
        ),
      );
      const container = deployment(rendered.production, name).spec.template.spec.containers[0];
      for (const variable of container.env) {
        expect(readBy.has(variable.name) ? variable.name : `${variable.name} (read by no ${name})`).toBe(
          variable.name,
        );
        if (secret.has(variable.name)) expect(variable.valueFrom?.secretKeyRef).toBeDefined();
      }
      const config = configMap(rendered.production, container.envFrom[0].configMapRef.name);
      for (const variable of Object.keys(config).filter((key) => key.startsWith('LETHE_'))) {
        expect(readBy.has(variable) ? variable : `${variable} (read by no ${name})`).toBe(variable);
        expect(secret.has(variable) ? `${variable} (a secret in a ConfigMap)` : variable).toBe(variable);
      }
    }
  });

  describe("each service's configuration from its pod's environment alone", () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'lethe-k8s-'));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
    const loaders: Record<(typeof SERVICES)[number], (env: NodeJS.ProcessEnv) => ServiceConfig> = {
      account: loadAccountConfig,
      consent: loadConsentConfig,
      retention: loadRetentionConfig,
      erasure: loadErasureConfig,
      audit: loadAuditConfig,
    };

    it('the portal loads with no local files and reaches the services by their cluster names', () => {
      const objects = operatorObjects();
      const mountRoot = path.join(scratch, 'portal');
      const env = podEnvironment(
        rendered.production,
        deployment(rendered.production, 'portal'),
        objects,
        mountRoot,
      );
      const emptyHome = path.join(scratch, 'portal-home');
      mkdirSync(emptyHome, { recursive: true });
      const config = loadPortalConfig({ ...env, LETHE_HOME: emptyHome });
      expect(config.host).toBe('0.0.0.0');
      expect(config.https?.cert).toContain('BEGIN CERTIFICATE');
      expect(config.redisUrl).toBe(objects.secrets['lethe-portal-stores']!['redis-url']);
      expect([config.accountUrl, config.erasureUrl, config.auditUrl]).toEqual([
        'https://account',
        'https://erasure',
        'https://audit',
      ]);
      expect(config.smtp).toMatchObject({ host: 'smtp.example.com', port: 587, username: 'lethe-portal' });
      expect(config.signingKey.asymmetricKeyType).toBe('ed25519');
      // It seals nothing, so it is never given the key-encryption key; it keeps no documents.
      expect(Object.keys(env).filter((variable) => /^LETHE_KEK|MONGO_URL/.test(variable))).toEqual([]);
      // It reads the retention log as `portal`, through Strimzi's bootstrap, and reads schemas.
      expect(config.kafka).toMatchObject({ brokers: ['lethe-kafka-bootstrap.kafka.svc:9093'] });
      expect(env.LETHE_KAFKA_SASL_USERNAME).toBe('portal');
      expect(config.registryUrl).toBe(objects.secrets['lethe-portal-stores']!['registry-url']);
      expect(config.tlsCaFile).toBe(path.join(mountRoot, 'etc/lethe/ca/ca.crt'));
    });

    it.each(SERVICES)('%s loads with no local files and reaches no loopback address', (name) => {
      const objects = operatorObjects();
      const mountRoot = path.join(scratch, name);
      const env = podEnvironment(
        rendered.production,
        deployment(rendered.production, name),
        objects,
        mountRoot,
      );
      const emptyHome = path.join(scratch, `${name}-home`);
      mkdirSync(emptyHome, { recursive: true });
      const config = loaders[name]({ ...env, LETHE_HOME: emptyHome });
      expect(config.host).toBe('0.0.0.0');
      expect(config.https?.cert).toContain('BEGIN CERTIFICATE');
      expect(config.kafka.brokers).toEqual(['lethe-kafka-bootstrap.kafka.svc:9093']);
      expect(config.kafka.sasl).toMatchObject({ mechanism: 'scram-sha-512', username: name });
      expect(config.kafka.topics).toMatchObject({ manage: false, layout: TOPIC_LAYOUTS.production });
      const stores = objects.secrets[`lethe-${name}-stores`]!;
      expect([config.mongoUrl, config.redisUrl, config.registryUrl]).toEqual([
        stores['mongo-url'],
        stores['redis-url'],
        stores['registry-url'],
      ]);
      expect(config.tlsCaFile).toBe(path.join(mountRoot, 'etc/lethe/ca/ca.crt'));
    });
  });
});

function configMap(manifests: Manifest[], name: string): Record<string, string> {
  return (byKind(manifests, 'ConfigMap').find((c) => c.metadata.name === name)?.data ?? {}) as Record<
    string,
    string
  >;
}

interface OperatorObjects {
  secrets: Record<string, Record<string, string>>;
  configMaps: Record<string, Record<string, string>>;
}

const base64Der = (
  key: { export(options: { type: 'pkcs8' | 'spki'; format: 'der' }): Buffer },
  type: 'pkcs8' | 'spki',
) => key.export({ type, format: 'der' }).toString('base64');

/** What deploy/k8s/README.md asks an operator to create, with fresh keys and cluster addresses. */
function operatorObjects(): OperatorObjects {
  const signing = () => base64Der(generateKeyPairSync('ed25519').privateKey, 'pkcs8');
  const tokens = generateKeyPairSync('ed25519').publicKey;
  const tasks = generateKeyPairSync('ed25519').publicKey;
  const tls = path.join(LETHE_HOME, 'tls');
  const secrets: OperatorObjects['secrets'] = {
    'lethe-kek': { kek: randomBytes(32).toString('base64') },
    'lethe-account-ingest-key': {
      'private-key': base64Der(generateKeyPairSync('x25519').privateKey, 'pkcs8'),
    },
    'lethe-task-signing-key': { 'private-key': signing() },
    'lethe-audit-signing-key': { 'private-key': signing() },
    'lethe-portal-signing-key': { 'private-key': signing() },
    'lethe-portal-stores': {
      'redis-url': 'rediss://portal:secret@lethe-redis.lethe-stores.svc:6379',
      'registry-url': 'https://portal:secret@lethe-registry.lethe-stores.svc:8443/apis/ccompat/v7',
    },
    // Written by Strimzi's User Operator for the KafkaUser `portal`.
    portal: { password: 'kafka-secret' },
    'lethe-portal-smtp': { host: 'smtp.example.com', username: 'lethe-portal', password: 'mail-secret' },
    'lethe-portal-tls': {
      'tls.crt': readFileSync(path.join(tls, 'server.crt'), 'utf8'),
      'tls.key': readFileSync(path.join(tls, 'server.key'), 'utf8'),
    },
  };
  for (const name of SERVICES) {
    const password = randomBytes(12).toString('hex');
    secrets[name] = { password };
    secrets[`lethe-${name}-stores`] = {
      'mongo-url': `mongodb://${name}:${password}@lethe-mongo.lethe-stores.svc:27017/?tls=true`,
      'redis-url': `rediss://${name}:${password}@lethe-redis.lethe-stores.svc:6379`,
      'registry-url': `https://${name}:${password}@lethe-registry.lethe-stores.svc:8443/apis/ccompat/v7`,
    };
    secrets[`lethe-${name}-tls`] = {
      'tls.crt': readFileSync(path.join(tls, 'server.crt'), 'utf8'),
      'tls.key': readFileSync(path.join(tls, 'server.key'), 'utf8'),
    };
  }
  return {
    secrets,
    configMaps: {
      'lethe-public-keys': {
        LETHE_AUTH_PUBLIC_KEYS: base64Der(tokens, 'spki'),
        LETHE_TASK_PUBLIC_KEYS: base64Der(tasks, 'spki'),
        LETHE_AUTH_PORTAL_PUBLIC_KEYS: base64Der(generateKeyPairSync('ed25519').publicKey, 'spki'),
      },
      'lethe-ca': { 'ca.crt': readFileSync(path.join(tls, 'ca.crt'), 'utf8') },
    },
  };
}

/**
 * The environment the kubelet would give the pod's first container: ConfigMaps (the rendered
 * ones and the operator's), Secrets, and mounted files written under `mountRoot` (paths in the
 * environment rewritten to match). A reference nothing satisfies fails, as the pod would.
 */
function podEnvironment(
  manifests: Manifest[],
  d: any,
  objects: OperatorObjects,
  mountRoot: string,
): Record<string, string> {
  const configMaps = (name: string) => {
    const found =
      byKind(manifests, 'ConfigMap').find((c) => c.metadata.name === name)?.data ?? objects.configMaps[name];
    return found as Record<string, string> | undefined;
  };
  const lookup = (kind: 'secret' | 'configMap', ref: { name: string; key: string; optional?: boolean }) => {
    const source = kind === 'secret' ? objects.secrets[ref.name] : configMaps(ref.name);
    const value = source?.[ref.key];
    if (value === undefined && !ref.optional)
      throw new Error(
        `${d.metadata.name}: ${kind} ${ref.name} has no key ${ref.key} (the pod would not start)`,
      );
    return value;
  };
  const pod = d.spec.template.spec;
  const container = pod.containers[0];
  const mounts = new Map<string, string>();
  for (const mount of container.volumeMounts) {
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    const files = volume.secret
      ? objects.secrets[volume.secret.secretName]
      : volume.configMap
        ? configMaps(volume.configMap.name)
        : {};
    if (!files) throw new Error(`${d.metadata.name}: volume ${mount.name} has nothing to mount`);
    const directory = path.join(mountRoot, mount.mountPath);
    mkdirSync(directory, { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(path.join(directory, file), content);
    mounts.set(mount.mountPath, directory);
  }
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const data = configMaps(source.configMapRef.name);
    if (!data) throw new Error(`${d.metadata.name}: no ConfigMap ${source.configMapRef.name}`);
    Object.assign(env, data);
  }
  for (const variable of container.env ?? []) {
    const value =
      variable.value ??
      (variable.valueFrom.secretKeyRef
        ? lookup('secret', variable.valueFrom.secretKeyRef)
        : lookup('configMap', variable.valueFrom.configMapKeyRef));
    if (value !== undefined) env[variable.name] = value;
  }
  for (const [name, value] of Object.entries(env))
    for (const [mountPath, directory] of mounts)
      if (value.startsWith(`${mountPath}/`)) env[name] = directory + value.slice(mountPath.length);
  return env;
}
