import {
  letheAclMatrix,
  type AclGrant,
  type AclMatrixOptions,
  type AclOperation,
  type AclResource,
} from './acl-matrix';
import { deploymentTopicSpecs } from './deployment-topics';
import { TOPIC_LAYOUTS, type TopicLayoutName, type TopicSpec } from './topics';

// Strimzi's KafkaTopic and KafkaUser resources, made from the same topic specs and ACL matrix
// that `lethe topics apply` applies: on Kubernetes the Topic and User Operators own topics and
// principals, and they must get exactly what Lethe's own tooling would have created.

export const STRIMZI_API_VERSION = 'kafka.strimzi.io/v1';

export interface StrimziTarget {
  /** The Strimzi `Kafka` resource the topics and users belong to (label `strimzi.io/cluster`). */
  readonly cluster: string;
}

export interface StrimziResource {
  readonly apiVersion: typeof STRIMZI_API_VERSION;
  readonly kind: 'KafkaTopic' | 'KafkaUser';
  readonly metadata: { name: string; labels: Record<string, string> };
  readonly spec: Record<string, unknown>;
}

const OPERATION: Record<AclOperation, string> = {
  read: 'Read',
  write: 'Write',
  describe: 'Describe',
  'describe-configs': 'DescribeConfigs',
  create: 'Create',
  'alter-configs': 'AlterConfigs',
  delete: 'Delete',
};

const RESOURCE: Record<AclResource, string> = {
  topic: 'topic',
  group: 'group',
  'transactional-id': 'transactionalId',
};

// A Kubernetes object name (DNS subdomain): Kafka allows `_` and capitals, Kubernetes does not.
const KUBERNETES_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function metadata(name: string, target: StrimziTarget) {
  return { name, labels: { 'strimzi.io/cluster': target.cluster, 'app.kubernetes.io/part-of': 'lethe' } };
}

/** One KafkaTopic per spec; the resource is named after the topic where Kubernetes allows it. */
export function strimziKafkaTopics(specs: readonly TopicSpec[], target: StrimziTarget): StrimziResource[] {
  return specs.map((spec) => {
    const valid = KUBERNETES_NAME.test(spec.name);
    const name = valid ? spec.name : spec.name.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
    return {
      apiVersion: STRIMZI_API_VERSION,
      kind: 'KafkaTopic',
      metadata: metadata(name, target),
      spec: {
        ...(valid ? {} : { topicName: spec.name }),
        partitions: spec.partitions,
        replicas: spec.replicationFactor,
        config: { ...spec.config },
      },
    };
  });
}

/**
 * One KafkaUser per principal of the matrix, authenticated with SCRAM-SHA-512 (the User
 * Operator writes its password into a Secret of the same name), with the principal's grants.
 */
export function strimziKafkaUsers(grants: readonly AclGrant[], target: StrimziTarget): StrimziResource[] {
  const byPrincipal = new Map<string, AclGrant[]>();
  for (const grant of grants)
    byPrincipal.set(grant.principal, [...(byPrincipal.get(grant.principal) ?? []), grant]);
  return [...byPrincipal].map(([principal, own]) => ({
    apiVersion: STRIMZI_API_VERSION,
    kind: 'KafkaUser',
    metadata: metadata(principal, target),
    spec: {
      authentication: { type: 'scram-sha-512' },
      authorization: {
        type: 'simple',
        acls: own.map((grant) => ({
          type: 'allow',
          resource: {
            type: RESOURCE[grant.resource],
            name: grant.name,
            patternType: grant.prefixed ? 'prefix' : 'literal',
          },
          operations: grant.operations.map((operation) => OPERATION[operation]),
          host: '*',
        })),
      },
    },
  }));
}

export interface StrimziDeployment extends StrimziTarget {
  readonly layout: TopicLayoutName;
  /** External participants, ingest writers, compacted topics, a topic prefix: as `lethe topics apply` reads them. */
  readonly acls: Omit<AclMatrixOptions, 'servicesManageOwnTopics'>;
}

/**
 * Every topic of the system and every principal of the matrix, for one deployment. The Topic
 * Operator owns the topics there, so no service is granted create or alter.
 */
export function strimziResources(deployment: StrimziDeployment): StrimziResource[] {
  const topics = deploymentTopicSpecs(TOPIC_LAYOUTS[deployment.layout], deployment.acls);
  const grants = letheAclMatrix({ ...deployment.acls, servicesManageOwnTopics: false });
  return [...strimziKafkaTopics(topics, deployment), ...strimziKafkaUsers(grants, deployment)];
}
