// `lethe asyncapi`: the Kafka contract as an AsyncAPI 3 document, made from the topic specs and
// the event schemas the services themselves use, so it cannot drift (a test compares
// docs/asyncapi.yaml with it). Every event is Avro in the Confluent wire format through the
// schema registry, under TopicRecordNameStrategy: several event types share a topic.
import { stringify } from 'yaml';

import { loadCatalog, type EventCatalog, type EventSchema } from '@lethe/events';
import {
  deadLetterTopicName,
  deadLetterTopicSpec,
  DLQ_HEADERS,
  letheTopics,
  PRODUCTION_LAYOUT,
  taskTopicSpec,
  type TopicSpec,
} from '@lethe/kafka';

const AVRO = 'application/vnd.apache.avro+json;version=1.9.0';
const BINDING_VERSION = '0.5.0';

/** What each topic's record key is: always an opaque id, never personal data. */
const KEYS: Readonly<Record<string, string>> = {
  'lethe.erasure.participants.v1': 'the participantId (the topic is compacted: its latest registration)',
  'lethe.audit.ledger.v1': 'the ledgered event’s topic and partition, so entries keep their order',
};
const SUBJECT_KEY = "the subjectId (Lethe's opaque id): a subject's events stay in order on one partition";

/** Events that travel on a topic other than their own log's (copies the erasure service makes). */
const ALSO_ON: Readonly<Record<string, readonly string[]>> = {
  'lethe.erasure.answers.v1': ['ErasureTaskCompleted', 'ErasureTaskFailed', 'AccessTaskAnswered'],
  'lethe.erasure.tasks.{participantId}.v1': ['ErasureTaskIssued', 'AccessTaskIssued'],
};

const channelId = (address: string) =>
  address
    .replace(/^lethe\./, '')
    .replace(/\.v1(\.dlq)?$/, (_m, dlq?: string) => (dlq ? 'DeadLetters' : ''))
    .replace(/[.{}-]+([a-zA-Z])/g, (_m, letter: string) => letter.toUpperCase());

function kafkaTopicBinding(spec: TopicSpec) {
  return {
    kafka: {
      topic: spec.name,
      partitions: spec.partitions,
      replicas: spec.replicationFactor,
      topicConfiguration: Object.fromEntries(
        Object.entries(spec.config)
          .filter(([name]) =>
            ['cleanup.policy', 'retention.ms', 'retention.bytes', 'max.message.bytes'].includes(name),
          )
          .map(([name, value]) => [name, name === 'cleanup.policy' ? value.split(',') : Number(value)]),
      ),
      bindingVersion: BINDING_VERSION,
    },
  };
}

function message(schema: EventSchema, keyDescription: string) {
  return {
    name: schema.type,
    title: schema.type,
    summary: `${schema.fullName}, version ${schema.version} (registry subject ${schema.subject})`,
    contentType: 'application/octet-stream',
    headers: {
      type: 'object',
      properties: {
        'lethe.event-id': { type: 'string', format: 'uuid', description: 'The envelope’s eventId.' },
        'lethe.event-type': { type: 'string', const: schema.type },
      },
    },
    payload: { schemaFormat: AVRO, schema: schema.schema },
    bindings: {
      kafka: {
        key: { type: 'string', description: keyDescription },
        schemaIdLocation: 'payload',
        schemaIdPayloadEncoding: 'confluent',
        schemaLookupStrategy: 'TopicRecordNameStrategy',
        bindingVersion: BINDING_VERSION,
      },
    },
  };
}

/** The newest version of each event type, by the topic whose log it belongs to. */
function latestByTopic(catalog: EventCatalog): Map<string, EventSchema[]> {
  const byTopic = new Map<string, EventSchema[]>();
  const types = [...new Set(catalog.schemas.map((schema) => schema.type))].sort();
  for (const type of types) {
    const latest = catalog.latest(type);
    byTopic.set(latest.topic, [...(byTopic.get(latest.topic) ?? []), latest]);
  }
  return byTopic;
}

export function asyncApiDocument(catalog: EventCatalog = loadCatalog()): Record<string, unknown> {
  const byTopic = latestByTopic(catalog);
  const messages: Record<string, unknown> = {};
  const channels: Record<string, unknown> = {};
  const keyOf = (address: string) => KEYS[address] ?? SUBJECT_KEY;
  const refs = (address: string, schemas: readonly EventSchema[]) =>
    Object.fromEntries(
      schemas.map((schema) => {
        const id = `${schema.type}On${channelId(address).replace(/^./, (c) => c.toUpperCase())}`;
        messages[id] = message(schema, keyOf(address));
        return [schema.type, { $ref: `#/components/messages/${id}` }];
      }),
    );
  const alsoOn = (address: string) => (ALSO_ON[address] ?? []).map((type) => catalog.latest(type));

  const topics = letheTopics(PRODUCTION_LAYOUT);
  const deadLetters = { DeadLetter: { $ref: '#/components/messages/DeadLetter' } };
  for (const spec of topics) {
    const schemas = [...(byTopic.get(spec.name) ?? []), ...alsoOn(spec.name)];
    channels[channelId(spec.name)] = {
      address: spec.name,
      title: spec.name,
      description: spec.purpose,
      messages: spec.name.endsWith('.dlq') ? deadLetters : refs(spec.name, schemas),
      bindings: kafkaTopicBinding(spec),
    };
  }
  const taskAddress = 'lethe.erasure.tasks.{participantId}.v1';
  // Any participant's task topic has the same shape; its name is the channel's address.
  const task = taskTopicSpec('any-participant', PRODUCTION_LAYOUT);
  channels.erasureTasks = {
    address: taskAddress,
    title: taskAddress,
    description: `${task.purpose} One topic per participant; only the erasure service writes it, and every task is signed (Ed25519).`,
    parameters: {
      participantId: {
        description: 'The participant’s id, as it registered (lowercase letters, digits, dashes).',
      },
    },
    messages: refs(taskAddress, alsoOn(taskAddress)),
    bindings: kafkaTopicBinding({ ...task, name: taskAddress }),
  };
  const taskDeadLetters = deadLetterTopicSpec(task.name, PRODUCTION_LAYOUT);
  channels.erasureTasksDeadLetters = {
    address: `${taskAddress}.dlq`,
    title: `${taskAddress}.dlq`,
    description: taskDeadLetters.purpose,
    parameters: { participantId: { description: 'The participant’s id.' } },
    messages: deadLetters,
    bindings: kafkaTopicBinding({ ...taskDeadLetters, name: `${taskAddress}.dlq` }),
  };
  messages.DeadLetter = {
    name: 'DeadLetter',
    title: 'A record a consumer could not process',
    summary: `The original key, value and headers, byte for byte, with the lethe.dlq.* headers saying why (read with \`lethe dlq show\`, e.g. on ${deadLetterTopicName('lethe.account.events.v1')}).`,
    contentType: 'application/octet-stream',
    headers: {
      type: 'object',
      properties: Object.fromEntries(Object.values(DLQ_HEADERS).map((name) => [name, { type: 'string' }])),
    },
    payload: { type: 'string', format: 'binary', description: 'The original value, unchanged.' },
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Lethe events on Kafka',
      version: '1.0.0',
      description:
        'Every topic Lethe writes, its key, headers, partitions and retention (the production layout: 3 replicas, min.insync.replicas 2), and every event schema (Avro, registered with the schema registry, Confluent wire format). Personal fields are ciphertext on every topic. Generated by `lethe asyncapi` from the topic specs and the .avsc files.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/octet-stream',
    servers: {
      production: {
        host: 'kafka-bootstrap:9093',
        protocol: 'kafka-secure',
        description:
          'TLS and SCRAM-SHA-512, one Kafka user per service (the ACL matrix: `lethe kafka acls`).',
        security: [{ $ref: '#/components/securitySchemes/scram' }],
      },
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka-secure',
        description: 'The local broker from `./lethe up` (TLS under the local CA, SCRAM-SHA-512).',
        security: [{ $ref: '#/components/securitySchemes/scram' }],
      },
    },
    channels,
    components: {
      messages,
      securitySchemes: { scram: { type: 'scramSha512', description: 'One user per principal.' } },
    },
  };
}

export function asyncApiYaml(): string {
  return (
    '# Generated by `lethe asyncapi` from the topic specs and the event schemas; do not edit\n' +
    '# (a test compares it with them and validates it with the AsyncAPI parser).\n' +
    stringify(asyncApiDocument(), { lineWidth: 0 })
  );
}
