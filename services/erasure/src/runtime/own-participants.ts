import type { KeyObject } from 'node:crypto';

import type { S3Client } from '@aws-sdk/client-s3';

import type { KeyVault } from '@lethe/crypto';
import type { EventCodec } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';
import { joinErasureProtocol, type Participant, type ParticipantDeps } from '@lethe/participant';

import { COMPACTED_PARTICIPANT, writeTombstones } from '../compacted/tombstones';
import { KEY_VAULT_PARTICIPANT } from '../key-vault/key-vault-participant';
import { reconcileShreddedKeys, type Reconciled } from '../key-vault/reconcile';
import { LLM_PARTICIPANT } from '../llm/disclosures';
import { eraseObjects, OBJECT_STORE_PARTICIPANT } from '../objects/object-store';
import { ERASURE_EVENTS } from './to-records';

type Erase = ParticipantDeps['erase'];

export interface OwnParticipantsDeps {
  kafka: KafkaClient;
  codec: EventCodec;
  logger: Logger;
  topicName: (logical: string) => string;
  now: () => Date;
  /** The vault the key-vault participant shreds in, reconciled with the erasure log first. */
  vault: KeyVault;
  /** Shreds the subject's key (the key vault's task). */
  shredKey: Erase;
  /** Reports what LLM providers still keep (the llm-providers task). */
  llmErase: Erase;
  /** What was disclosed to LLM providers, for the subject's access requests. */
  llmExport: NonNullable<ParticipantDeps['export']>;
  /** Compacted topics keyed by subject id (physical names): a tombstone is written on each. */
  compactedTopics: readonly string[];
  /** Buckets whose objects under `subjects/<subjectId>/` are the subject's, and the client. */
  objectStore?: { s3: S3Client; buckets: readonly string[] } | undefined;
  /** Deletes the subject's access requests, answers and packages (the access-exports participant). */
  accessExports: { declaration: ParticipantDeps['declaration']; erase: Erase };
  /** Whose task signatures its participants accept (its own key's public half among them). */
  taskPublicKeys: readonly KeyObject[];
}

/**
 * The participants the erasure service runs itself: the key vault (shreds the subject's key,
 * last of all), the LLM providers (what they still keep), objects in S3 buckets, and tombstones
 * on compacted topics.
 */
export async function joinOwnParticipants(
  deps: OwnParticipantsDeps,
): Promise<{ reconciled: Reconciled; reconcile(): Promise<Reconciled>; stop(): Promise<void> }> {
  const reconcile = async () => {
    const result = await reconcileShreddedKeys({
      kafka: deps.kafka,
      codec: deps.codec,
      vault: deps.vault,
      erasureTopic: deps.topicName(ERASURE_EVENTS),
      topicName: deps.topicName,
      now: deps.now,
      logger: deps.logger,
    });
    deps.logger.info(result, 'key vault reconciled with the erasure log');
    return result;
  };
  // Before this instance shreds anything: undo what a restored backup may have undone.
  const reconciled = await reconcile();

  const join = (
    declaration: ParticipantDeps['declaration'],
    erase: Erase,
    exportData?: ParticipantDeps['export'],
  ) =>
    joinErasureProtocol({
      ...(exportData ? { export: exportData } : {}),
      kafka: deps.kafka,
      codec: deps.codec,
      logger: deps.logger,
      topicName: deps.topicName,
      declaration,
      erase,
      taskPublicKeys: deps.taskPublicKeys,
    });
  const joined: Participant[] = [
    await join(KEY_VAULT_PARTICIPANT, deps.shredKey),
    await join(LLM_PARTICIPANT, deps.llmErase, deps.llmExport),
    await join(deps.accessExports.declaration, deps.accessExports.erase),
  ];
  const objects = deps.objectStore;
  if (objects && objects.buckets.length > 0)
    joined.push(
      await join(
        { ...OBJECT_STORE_PARTICIPANT, stores: objects.buckets.map((bucket) => `s3:${bucket}`) },
        eraseObjects(objects.s3, objects.buckets),
      ),
    );
  const topics = deps.compactedTopics;
  if (topics.length > 0) {
    joined.push(
      await join(
        { ...COMPACTED_PARTICIPANT, stores: topics.map((topic) => `kafka:${topic}`) },
        writeTombstones({ send: deps.kafka.send, topics }),
      ),
    );
  }
  return {
    reconciled,
    reconcile,
    async stop() {
      for (const participant of joined) await participant.stop();
    },
  };
}
