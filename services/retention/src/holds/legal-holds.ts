import type { Db } from 'mongodb';

import type { FieldCipher } from '@lethe/crypto';
import { isDuplicateKey, type CommandHandler, type OutboxRelay } from '@lethe/eventstore';

import { RETENTION_EVENTS_TOPIC } from '../retention/to-records';
import {
  RetentionError,
  type LegalHold,
  type RetentionCommand,
  type RetentionEvent,
  type RetentionState,
} from '../retention/model';

export const LEGAL_HOLDS = 'legal_holds';
/** How long a hold's answer waits for its event to be on the retention log. */
const HOLD_PUBLISH_TIMEOUT_MS = 10_000;

export interface NewHold {
  subjectId: string;
  holdId: string;
  reference: string;
  reason: string;
  placedBy: string;
  until: number | null;
}

/** A hold's text as an operator reads it; null once the subject's key is gone. */
export interface HoldText {
  reference: string | null;
  reason: string | null;
}

export interface LegalHolds {
  /** Resolves once the hold is on the retention log (see below). */
  place(hold: NewHold): Promise<void>;
  release(holdId: string, releasedBy: string): Promise<void>;
  /** Opens a hold's sealed reference and reason. */
  textOf(subjectId: string, hold: LegalHold): Promise<HoldText>;
}

type HoldTextField = 'reference' | 'reason';

/** Where a hold's text is sealed: bound to the subject, the hold and the field. */
const holdTextAddress = (subjectId: string, holdId: string, field: HoldTextField) => ({
  subjectId,
  context: RETENTION_EVENTS_TOPIC,
  recordId: holdId,
  field,
});

/**
 * Legal holds on a subject's retention stream, with an index from hold id to subject (a release
 * names only the hold).
 */
export function legalHolds(deps: {
  db: Db;
  handle: CommandHandler<RetentionCommand, RetentionEvent, RetentionState>;
  relay: Pick<OutboxRelay, 'published'>;
  cipher: FieldCipher;
  now: () => Date;
}): LegalHolds {
  const seal = async (subjectId: string, hold: Omit<NewHold, 'subjectId'>) => {
    const sealed = async (field: HoldTextField) =>
      (await deps.cipher.encrypt(holdTextAddress(subjectId, hold.holdId, field), hold[field])).toString(
        'base64',
      );
    return { reference: await sealed('reference'), reason: await sealed('reason') };
  };
  const index = deps.db.collection<{ _id: string; subjectId: string }>(LEGAL_HOLDS);
  const handle = (subjectId: string, command: RetentionCommand, holdId: string) =>
    deps.handle(subjectId, command, { now: command.metadata.now, correlationId: holdId, causationId: null });
  return {
    async place({ subjectId, ...hold }) {
      // Indexed first, so a hold that is placed can always be found to release. Already indexed:
      // a retry of the same placement (same Idempotency-Key), which the decider makes a no-op.
      const indexed = await index.insertOne({ _id: hold.holdId, subjectId }).then(
        () => true,
        (error: unknown) => {
          if (isDuplicateKey(error)) return false;
          throw error;
        },
      );
      const { reference: _reference, reason: _reason, ...kept } = hold;
      const data = { ...kept, sealed: await seal(subjectId, hold) };
      await handle(subjectId, { type: 'PlaceHold', data, metadata: { now: deps.now() } }, hold.holdId).catch(
        async (error: unknown) => {
          if (indexed) await index.deleteOne({ _id: hold.holdId });
          throw error;
        },
      );
      // The answer means the hold is on the retention log, where the erasure service reads it
      // before it plans any request made after this answer (DESIGN.md section 4, step 3).
      if (!(await deps.relay.published(HOLD_PUBLISH_TIMEOUT_MS))) {
        throw new RetentionError(
          'RETENTION_HOLD_NOT_YET_EFFECTIVE',
          'the hold is recorded but not yet on the retention log; it takes effect once Kafka accepts it',
        );
      }
    },
    async textOf(subjectId, hold) {
      const open = async (field: HoldTextField) => {
        const sealed = hold.sealed?.[field];
        if (!sealed) return null; // a hold placed before the text was sealed
        const opened = await deps.cipher.decrypt(
          holdTextAddress(subjectId, hold.holdId, field),
          Buffer.from(sealed, 'base64'),
        );
        return opened.kind === 'value' ? opened.value : null;
      };
      return { reference: await open('reference'), reason: await open('reason') };
    },
    async release(holdId, releasedBy) {
      const found = await index.findOne({ _id: holdId });
      // An unknown id goes to the decider too, which refuses it with RETENTION_HOLD_UNKNOWN.
      await handle(
        found?.subjectId ?? `unknown-hold:${holdId}`,
        { type: 'ReleaseHold', data: { holdId, releasedBy }, metadata: { now: deps.now() } },
        holdId,
      );
    },
  };
}
