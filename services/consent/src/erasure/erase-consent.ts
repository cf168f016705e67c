import type { ErasureTask, ParticipantDeclaration, TaskResult } from '@lethe/participant';

import type { MarketingContacts } from '../consent/marketing-contacts';
import type { ConsentCache } from '../read-model/consent-cache';

export const CONSENT_PARTICIPANT: ParticipantDeclaration = {
  participantId: 'consent',
  stores: ['mongodb:consent_streams', 'mongodb:marketing_contacts', 'redis:consent'],
  // consent-proof: the closed ledger, kept as proof after a whole-account erasure until the
  // retention policy's consent-proof clock ends that obligation.
  categories: ['consent', 'marketing-contact', 'consent-proof'],
  phase: 1,
  timeoutMs: 30_000,
};

export interface EraseConsentDeps {
  contacts: MarketingContacts;
  cache: ConsentCache;
  /** Closes the subject's ledger (kept as proof) and says how many decisions it holds. */
  closeLedger: (subjectId: string, requestId: string) => Promise<number>;
  /** Shreds the key of the subject's marketing contacts (copies in backups go unreadable too). */
  shredMarketingKey: (subjectId: string, requestId: string) => Promise<boolean>;
  /**
   * Deletes the subject's ledger if it is closed (kept only as proof); an open ledger decides a
   * standing consent and stays. How many commits went, and whether it was open.
   */
  dropClosedLedger: (subjectId: string) => Promise<{ deleted: number; open: boolean; remaining: number }>;
}

const CONSENT_PROOF = 'consent-proof';

const MARKETING_CONTACT = 'marketing-contact';

/**
 * The consent participant. Marketing contact addresses go in every scope that names them. For a
 * whole-account erasure the fast-check cache goes too, and the ledger is closed and kept: it is
 * the proof of each grant and withdrawal (purpose, source, policy version, text hash, time) and
 * holds no contact data, which the outcome says (`retained-legal`, containsContactData: false).
 * A whole-account erasure that keeps the marketing contact (retention's, while marketing consent
 * stands) keeps it and the open ledger that decides it: `retained-consent`.
 */
export function eraseConsent(deps: EraseConsentDeps) {
  return async ({ subjectId, requestId, scope }: ErasureTask): Promise<TaskResult> => {
    if (scope.all && scope.keep.includes(MARKETING_CONTACT)) {
      const kept = await deps.contacts.keepPastAccount(subjectId);
      return {
        outcome: 'retained-consent',
        counts: {},
        verifiedEmpty: true,
        evidence: {
          marketingContactsKept: kept.kept,
          marketingContactsUnreadable: kept.unreadable,
          keptBecause: 'marketing consent still granted; the marketing-contact clock decides from here',
          ledgerKeptOpen: true,
        },
      };
    }
    if (!scope.all && scope.categories.includes(CONSENT_PROOF)) {
      // The obligation to keep the proof has ended: the closed ledger goes.
      const ledger = await deps.dropClosedLedger(subjectId);
      return {
        outcome: ledger.open ? 'retained-consent' : ledger.deleted > 0 ? 'erased' : 'not-found',
        counts: { 'mongodb:consent_streams': ledger.deleted },
        verifiedEmpty: ledger.open || ledger.remaining === 0,
        evidence: {
          ledgerCommitsDeleted: ledger.deleted,
          ledgerOpen: ledger.open,
          ledgerRemaining: ledger.remaining,
        },
      };
    }
    const contacts = await deps.contacts.erase(subjectId);
    if (!scope.all) {
      return {
        outcome: contacts.deleted > 0 ? 'erased' : 'not-found',
        counts: { 'mongodb:marketing_contacts': contacts.deleted },
        verifiedEmpty: contacts.remaining === 0,
        evidence: { marketingContactsRemaining: contacts.remaining },
      };
    }
    // Closed first: a closed ledger is never cached again, so the cache stays empty after this.
    const decisionsKept = await deps.closeLedger(subjectId, requestId);
    const cache = await deps.cache.erase(subjectId);
    const marketingKeyGone = await deps.shredMarketingKey(subjectId, requestId);
    return {
      outcome:
        decisionsKept > 0 ? 'retained-legal' : contacts.deleted + cache.deleted > 0 ? 'erased' : 'not-found',
      counts: { 'mongodb:marketing_contacts': contacts.deleted, 'redis:consent': cache.deleted },
      verifiedEmpty: contacts.remaining === 0 && cache.remaining === 0 && marketingKeyGone,
      evidence: {
        marketingKeyShredded: marketingKeyGone,
        marketingContactsRemaining: contacts.remaining,
        cacheKeysRemaining: cache.remaining,
        ledgerDecisionsKept: decisionsKept,
        ledgerContainsContactData: false,
      },
    };
  };
}
