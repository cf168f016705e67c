import { isEventOfType, makeEvent, type EventCodec } from '@lethe/events';
import type { KeyVault } from '@lethe/crypto';
import type { KafkaClient } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';

export interface ReconcileDeps {
  kafka: KafkaClient;
  codec: EventCodec;
  vault: Pick<KeyVault, 'lookup' | 'shred'>;
  /** The erasure log (physical name). */
  erasureTopic: string;
  topicName: (logical: string) => string;
  now: () => Date;
  logger: Logger;
}

/** Whole-account erasures checked against the vault, and keys found again and shredded again. */
export interface Reconciled {
  checked: number;
  reapplied: number;
}

/**
 * The forgotten set lives in the same database as the keys, so a restored backup can bring a
 * shredded key back, or lose a forgotten record. The erasure log cannot be restored that way:
 * every whole-account erasure the key vault completed is re-derived from it, and any key found
 * again for those subjects is destroyed again (ErasureReconciled on the log, which the audit
 * ledger records). Idempotent: a second run finds nothing to do.
 */
export async function reconcileShreddedKeys(deps: ReconcileDeps): Promise<Reconciled> {
  const wholeAccount = new Map<string, boolean>(); // requestId -> scope.all
  const shredded = new Map<string, string>(); // subjectId -> requestId of its completed erasure
  await deps.kafka.readTopic(deps.erasureTopic, async (record) => {
    if (!record.value) return;
    const { event } = await deps.codec.decode(record.value);
    const subjectId = event.envelope.subjectId;
    if (!subjectId) return;
    if (isEventOfType(event, 'ErasureRequested'))
      wholeAccount.set(event.data.requestId, event.data.scope.all);
    else if (
      isEventOfType(event, 'ErasureCompleted') &&
      wholeAccount.get(event.data.requestId) === true &&
      event.data.outcomes.some((o) => o.participantId === 'key-vault' && o.outcome === 'erased')
    )
      shredded.set(subjectId, event.data.requestId);
  });

  const producer = deps.kafka.eventProducer(deps.codec, deps.topicName);
  let reapplied = 0;
  for (const [subjectId, requestId] of shredded) {
    const found = await deps.vault.lookup(subjectId);
    if (found.kind === 'erased') continue;
    const at = deps.now();
    // Shredded first: if the event is then lost in a crash, the subject is safe and the next
    // run finds nothing; the other order could announce an erasure that did not happen.
    const evidence = await deps.vault.shred(subjectId, { requestId, at });
    await producer.publish([
      {
        event: makeEvent(
          'ErasureReconciled',
          { subjectId, correlationId: requestId, producer: 'erasure', occurredAt: at.getTime() },
          {
            requestId,
            found: found.kind === 'key' ? 'key-present' : 'forgotten-record-missing',
            keyDestroyed: evidence.destroyed,
            verifiedEmpty: evidence.verifiedEmpty,
          },
        ),
      },
    ]);
    reapplied += 1;
    deps.logger.warn(
      { requestId, found: found.kind },
      'a completed erasure was undone in the key vault; applied again',
    );
  }
  return { checked: shredded.size, reapplied };
}
