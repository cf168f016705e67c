import { deadLetterTopicName } from './topics';

// Who may do what on the cluster: one matrix for every principal (DESIGN.md section 8). The
// broker denies whatever no grant allows (allow.everyone.if.no.acl.found=false), so a grant
// missing here is a service that fails loudly, and a grant too many is a hole: each says why.

export type AclResource = 'topic' | 'group' | 'transactional-id';
export type AclOperation =
  'read' | 'write' | 'describe' | 'describe-configs' | 'create' | 'alter-configs' | 'delete';

export interface AclGrant {
  /** The Kafka principal without its `User:` prefix (the SCRAM user name). */
  readonly principal: string;
  readonly resource: AclResource;
  /** A literal name, or a prefix when `prefixed`. */
  readonly name: string;
  readonly prefixed: boolean;
  readonly operations: readonly AclOperation[];
  readonly why: string;
}

export interface AclMatrixOptions {
  /** Maps a logical topic or group name to the physical one (an isolated copy of the system). */
  readonly topicName?: (logical: string) => string;
  /**
   * Whether services may create and reconfigure the topics they own (their task topics and
   * dead-letter topics): the local system, where services apply their own topics. In
   * production operators own every topic (`lethe topics apply`) and services need neither.
   */
  readonly servicesManageOwnTopics: boolean;
  /** Participants outside Lethe's services: participant id -> its principal. */
  readonly externalParticipants?: Readonly<Record<string, string>>;
  /** Compacted topics keyed by subject that the erasure service tombstones. */
  readonly compactedTopics?: readonly string[];
  /** The principals of services that emit account events (`@lethe/client`) on the ingest topic. */
  readonly ingestWriters?: readonly string[];
}

const TOPICS = {
  accountEvents: 'lethe.account.events.v1',
  ingest: 'lethe.account.ingest.v1',
  consentEvents: 'lethe.consent.events.v1',
  retentionEvents: 'lethe.retention.events.v1',
  erasureEvents: 'lethe.erasure.events.v1',
  answers: 'lethe.erasure.answers.v1',
  participants: 'lethe.erasure.participants.v1',
  access: 'lethe.access.events.v1',
  ledger: 'lethe.audit.ledger.v1',
} as const;

/** What the audit service ledgers (packages/audit-ledger AUDITED_TOPICS). */
const AUDITED = [
  TOPICS.accountEvents,
  TOPICS.ingest,
  TOPICS.consentEvents,
  TOPICS.retentionEvents,
  TOPICS.erasureEvents,
  TOPICS.participants,
  TOPICS.access,
] as const;

/** The participants Lethe's own services run, by the principal of the service that hosts them. */
export const BUILT_IN_PARTICIPANTS: Readonly<Record<string, readonly string[]>> = {
  account: ['account', 'redis-cache', 'usage-analytics'],
  consent: ['consent'],
  retention: ['retention-schedule'],
  erasure: ['key-vault', 'llm-providers', 'object-store', 'kafka-compacted', 'access-exports'],
};

/** The services whose answers carry personal data: each records every such read. */
const PERSONAL_DATA_READERS = ['account', 'consent', 'retention'] as const;

/** readTopic's consumers (a whole topic, once) take throwaway groups with this prefix. */
const READER_GROUP_PREFIX = 'lethe-reader-';

export const taskTopicName = (participantId: string) => `lethe.erasure.tasks.${participantId}.v1`;

class MatrixBuilder {
  readonly grants: AclGrant[] = [];

  constructor(private readonly options: AclMatrixOptions) {}

  private name(logical: string): string {
    return (this.options.topicName ?? ((n: string) => n))(logical);
  }

  grant(
    principal: string,
    resource: AclResource,
    logical: string,
    operations: readonly AclOperation[],
    why: string,
    prefixed = false,
  ): this {
    this.grants.push({ principal, resource, name: this.name(logical), prefixed, operations, why });
    return this;
  }

  /** Reads a topic in its own consumer group; its poison goes to the topic's dead letters. */
  consumes(principal: string, topic: string, group: string, why: string): this {
    this.grant(principal, 'topic', topic, ['read', 'describe-configs'], why);
    this.grant(principal, 'group', group, ['read'], `its consumer group: ${why}`);
    return this.owns(principal, deadLetterTopicName(topic), ['write'], `dead letters of ${topic}`);
  }

  /** A topic the principal keeps (creates and configures) where services manage their own. */
  owns(principal: string, topic: string, operations: readonly AclOperation[], why: string): this {
    const managing: AclOperation[] = this.options.servicesManageOwnTopics ? ['create', 'alter-configs'] : [];
    return this.grant(principal, 'topic', topic, [...operations, 'describe-configs', ...managing], why);
  }

  /** Reads its own task topic only; answers and registers, never writes the erasure log. */
  participant(principal: string, participantId: string): this {
    const task = taskTopicName(participantId);
    const why = `participant ${participantId}`;
    this.owns(principal, task, ['read'], `${why}: its own tasks only`);
    this.grant(
      principal,
      'group',
      `lethe.participant.${participantId}`,
      ['read'],
      `${why}: its consumer group`,
    );
    this.owns(principal, deadLetterTopicName(task), ['write'], `${why}: dead letters of its tasks`);
    this.grant(principal, 'topic', TOPICS.answers, ['write'], `${why}: its answers`);
    return this.grant(principal, 'topic', TOPICS.participants, ['write'], `${why}: its registration`);
  }

  /** readTopic's throwaway groups are not named through topicName. */
  readsWholeTopics(principal: string, why: string): this {
    this.grants.push({
      principal,
      resource: 'group',
      name: READER_GROUP_PREFIX,
      prefixed: true,
      operations: ['read'],
      why,
    });
    return this;
  }
}

/**
 * Every grant, for every principal. Kafka cannot restrict a produce to some keys, so a writer of
 * a topic can write any subject's record there: that is why the erasure service alone writes
 * tasks and the erasure log, and why participants verify each task's signature as well.
 */
export function letheAclMatrix(options: AclMatrixOptions): AclGrant[] {
  const m = new MatrixBuilder(options);
  m.grant('account', 'topic', TOPICS.accountEvents, ['write'], 'the account log of record');
  m.consumes('account', TOPICS.ingest, 'lethe.account.ingest', 'the only reader of the ingest topic');

  for (const principal of options.ingestWriters ?? [])
    m.grant(principal, 'topic', TOPICS.ingest, ['write'], 'emits account events (@lethe/client)');

  m.grant('consent', 'topic', TOPICS.consentEvents, ['write'], 'the consent ledger');

  for (const principal of PERSONAL_DATA_READERS)
    m.grant(principal, 'topic', TOPICS.access, ['write'], 'records each answer that carries personal data');

  m.grant('retention', 'topic', TOPICS.retentionEvents, ['write'], 'clocks, expiries and legal holds');
  for (const topic of [TOPICS.accountEvents, TOPICS.consentEvents])
    m.consumes('retention', topic, 'lethe.retention', 'retention clocks follow accounts and consents');

  m.grant('erasure', 'topic', TOPICS.erasureEvents, ['write', 'read'], 'the erasure log: its writer alone');
  m.grant('erasure', 'topic', 'lethe.erasure.tasks.', ['write'], 'issues every task', true);
  m.consumes('erasure', TOPICS.retentionEvents, 'lethe.erasure.holds', 'legal holds and expiries');
  m.consumes('erasure', TOPICS.accountEvents, 'lethe.erasure.orchestrator', 'deletion requests');
  m.consumes('erasure', TOPICS.answers, 'lethe.erasure.orchestrator', "the participants' answers");
  m.consumes(
    'erasure',
    TOPICS.consentEvents,
    'lethe.erasure.consents',
    'LLM consent, checked on each disclosure',
  );
  m.grant('erasure', 'topic', TOPICS.access, ['write'], 'LLM disclosures made without consent');
  m.grant('erasure', 'topic', TOPICS.participants, ['read', 'describe-configs'], 'the participant directory');
  m.grant(
    'erasure',
    'group',
    'lethe.erasure.directory.',
    ['read', 'delete'],
    'one directory group per instance, deleted when the instance stops',
    true,
  );
  m.owns('erasure', deadLetterTopicName(TOPICS.participants), ['write'], 'dead letters of the directory');
  m.readsWholeTopics('erasure', 'reconciles the key vault with the erasure log at start');
  for (const topic of options.compactedTopics ?? [])
    m.grant('erasure', 'topic', topic, ['write'], 'tombstones for erased subjects');

  for (const [principal, participants] of Object.entries(BUILT_IN_PARTICIPANTS))
    for (const participantId of participants) m.participant(principal, participantId);
  for (const [participantId, principal] of Object.entries(options.externalParticipants ?? {}))
    m.participant(principal, participantId);
  // HTTPS participants (ids https-*): the erasure service takes their tasks and calls them.
  const managing: AclOperation[] = options.servicesManageOwnTopics ? ['create', 'alter-configs'] : [];
  m.grant(
    'erasure',
    'topic',
    `${taskTopicName('https-').replace(/\.v1$/, '')}`,
    ['read', 'write', 'describe-configs', ...managing],
    'HTTPS participants: their task topics and dead letters, which it reads for them',
    true,
  );
  m.grant(
    'erasure',
    'group',
    'lethe.participant.https-',
    ['read'],
    'HTTPS participants: their consumer groups',
    true,
  );

  // The portal reads one log, for the notices it mails (an inactive account's, before erasure).
  m.consumes('portal', TOPICS.retentionEvents, 'lethe.portal.notices', 'mails retention notices to users');

  m.grant('audit', 'topic', 'lethe.', ['read', 'describe-configs'], 'ledgers every audited topic', true);
  m.grant('audit', 'group', 'lethe.audit', ['read'], 'its consumer group, committed in its transactions');
  m.owns('audit', TOPICS.ledger, ['write'], 'the audit ledger: its writer alone');
  m.grant(
    'audit',
    'transactional-id',
    'lethe.audit.ledger-writer',
    ['write', 'describe'],
    'the ledger writer',
  );
  for (const topic of AUDITED)
    m.owns('audit', deadLetterTopicName(topic), ['write'], `dead letters of ${topic}, as it ledgers them`);
  m.readsWholeTopics('audit', 'reads the ledger back at start');

  m.grant(
    'auditor',
    'topic',
    'lethe.',
    ['read', 'describe-configs'],
    'replays every log; writes nothing',
    true,
  );
  m.readsWholeTopics('auditor', 'lethe audit verify reads each topic whole');
  return m.grants;
}

/** The matrix as a table for people (`lethe kafka acls`). */
export function formatAclMatrix(grants: readonly AclGrant[]): string {
  const rows = grants.map((g) => [
    g.principal,
    `${g.resource}:${g.name}${g.prefixed ? '*' : ''}`,
    g.operations.join(','),
    g.why,
  ]);
  const header = ['PRINCIPAL', 'RESOURCE', 'OPERATIONS', 'WHY'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
    .join('\n');
}
