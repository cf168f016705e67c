import { connectKafka, kafkaConnectionFromEnv, type KafkaClient, type KafkaConnection } from '@lethe/kafka';

import { testLogger } from './kafka';
import { describeOnLocalStack } from './local-stack';
import { localPrincipalEnv } from './servers';
import { uniqueName } from './isolation';

// The broker itself refuses what the ACL matrix does not allow (issue 11): the forgeries that
// erased a held subject and another account were produced by principals without the right.
// Against the local stack's real listener, as its real principals; every attempted write is
// refused, so nothing reaches the shared topics.

const asPrincipal = (principal: string): KafkaConnection =>
  kafkaConnectionFromEnv(localPrincipalEnv(principal));

async function connectAs(connection: KafkaConnection): Promise<KafkaClient> {
  return connectKafka({ ...connection, clientId: uniqueName('acl-test') }, testLogger());
}

/** The error a produce by `principal` to `topic` ends with, or undefined if it was accepted. */
async function produceAs(principal: string, topic: string): Promise<string | undefined> {
  const kafka = await connectAs(asPrincipal(principal));
  try {
    await kafka.send([{ topic, key: 'sub_forged', value: Buffer.from('forged') }]);
    return undefined;
  } catch (error) {
    return errorText(error);
  } finally {
    await kafka.close();
  }
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    parts.push(String((e as Error).message), String((e as { type?: string }).type ?? ''));
  }
  return parts.join(' ');
}

describeOnLocalStack('Kafka ACLs on the local stack (the matrix in packages/kafka/src/acl-matrix.ts)', () => {
  it.each([
    ['consent', 'lethe.erasure.tasks.key-vault.v1', 'a task for the key vault'],
    ['account', 'lethe.erasure.events.v1', 'the erasure log, by a participant'],
    ['retention', 'lethe.account.ingest.v1', 'the ingest topic'],
    ['auditor', 'lethe.audit.ledger.v1', 'the ledger, by the auditor'],
    ['erasure', 'lethe.audit.ledger.v1', 'the ledger, by another service'],
    ['portal', 'lethe.retention.events.v1', 'the retention log, by the portal that only reads it'],
    ['portal', 'lethe.erasure.tasks.key-vault.v1', 'a task, by the portal'],
  ])('refuses %s a produce to %s (%s)', async (principal, topic) => {
    const refused = await produceAs(principal, topic);
    expect(refused).toMatch(/AUTHORIZATION/i);
  });

  it('lets only the account service read the ingest topic; the auditor reads the logs', async () => {
    const consent = await connectAs(asPrincipal('consent'));
    try {
      await expect(consent.readTopic('lethe.account.ingest.v1', () => undefined)).rejects.toThrow();
    } finally {
      await consent.close();
    }
    const auditor = await connectAs(asPrincipal('auditor'));
    try {
      await expect(
        auditor.readTopic('lethe.erasure.events.v1', () => undefined),
      ).resolves.toBeGreaterThanOrEqual(0);
    } finally {
      await auditor.close();
    }
  });

  it('refuses a client without credentials, and one without TLS', async () => {
    const admin = asPrincipal('admin');
    const { sasl: _sasl, ...anonymous } = admin;
    const { tls: _tls, ...plain } = admin;
    await expect(listTopicsAs(anonymous)).rejects.toThrow();
    await expect(listTopicsAs(plain)).rejects.toThrow();
    await expect(listTopicsAs(admin)).resolves.toContain('lethe.erasure.events.v1');
  });
});

/** A metadata request on a fresh connection: the first request the broker answers only after
 * authentication (kafkajs' connect() itself sends nothing that needs it). */
async function listTopicsAs(connection: KafkaConnection): Promise<string[]> {
  const kafka = await connectAs(connection);
  try {
    return await kafka.admin.listTopics();
  } finally {
    await kafka.close().catch(() => undefined);
  }
}
