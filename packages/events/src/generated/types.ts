// Generated from packages/events/schemas by `pnpm --filter @lethe/events generate`. Do not edit.

/** The envelope every Lethe event travels in (DESIGN.md section 2). Frozen: a change is a new version. */
export interface Envelope {
  /** UUID; consumers dedupe on it. */
  readonly eventId: string;
  /** The event type, e.g. AccountCreated; equals the record name. */
  readonly type: string;
  /** Opaque subject id (never personal data); null for events about no subject. */
  readonly subjectId: null | string;
  readonly occurredAt: number;
  /** Shared by every event of one flow (e.g. one erasure request). */
  readonly correlationId: string;
  /** The eventId (or request id) that caused this one. */
  readonly causationId: null | string;
  /** The service that emitted the event. */
  readonly producer: string;
  /** The version of the event's schema, as in its file name. */
  readonly schemaVersion: number;
}

export interface LlmDisclosedWithoutConsentData {
  readonly disclosureId: string;
  /** openai | anthropic */
  readonly provider: string;
  readonly sentAt: number;
  /** The purpose checked (LETHE_LLM_CONSENT_PURPOSE, llm-processing by default). */
  readonly consentPurpose: string;
  /** The token subject of the service that reported the disclosure. */
  readonly reportedBy: string;
}

/** A service reported sending a subject's data to an LLM provider while the subject had not granted the consent purpose that covers it. The disclosure already happened, so it is recorded (its provider retention is tracked) and this violation is put on the audited access log. */
export interface LlmDisclosedWithoutConsent {
  readonly envelope: Envelope;
  readonly data: LlmDisclosedWithoutConsentData;
}

export interface PersonalDataAccessedData {
  /** Who read: the bearer token's sub (a person or a service). */
  readonly actor: string;
  /** The token's scopes, e.g. operator, subject. */
  readonly actorScopes: string[];
  /** The service that answered, e.g. account. */
  readonly service: string;
  /** Method and route pattern, e.g. GET /v1/accounts/:subjectId. */
  readonly operation: string;
  /** The personal fields the answer carried, by name. */
  readonly fields: string[];
  /** Why, when the caller said (the Lethe-Purpose header). */
  readonly purpose: null | string;
}

/** A service answered a request with a subject's personal data. Recorded before the answer leaves, so no read goes unledgered; names what was returned, never its values. */
export interface PersonalDataAccessed {
  readonly envelope: Envelope;
  readonly data: PersonalDataAccessedData;
}

export interface AccountActivityRecordedData {
  /** ISO date (YYYY-MM-DD), UTC. */
  readonly day: string;
  readonly channel: null | string;
}

/** The user was active on a day (recorded at most daily); starts the retention clock again. */
export interface AccountActivityRecorded {
  readonly envelope: Envelope;
  readonly data: AccountActivityRecordedData;
}

export interface AccountCreatedData {
  /** Personal data: AES-256-GCM ciphertext under the subject's data key (packages/crypto). */
  readonly email: Buffer;
  /** Personal data: AES-256-GCM ciphertext under the subject's data key (packages/crypto). */
  readonly name: Buffer;
  /** Personal data: AES-256-GCM ciphertext under the subject's data key (packages/crypto). */
  readonly phone: null | Buffer;
  /** Personal data: AES-256-GCM ciphertext under the subject's data key (packages/crypto). */
  readonly timezone: null | Buffer;
  /** http or ingest: which command path created it. */
  readonly source: string;
}

/** An account was opened. */
export interface AccountCreated {
  readonly envelope: Envelope;
  readonly data: AccountCreatedData;
}

export interface AccountDeactivatedData {
  readonly reason: null | string;
}

/** The account was deactivated. */
export interface AccountDeactivated {
  readonly envelope: Envelope;
  readonly data: AccountDeactivatedData;
}

export interface AccountDeletionRequestedData {
  readonly requestId: string;
  readonly reason: string;
  readonly regulation: null | string;
}

/** The user asked for the account and all personal data to be deleted. */
export interface AccountDeletionRequested {
  readonly envelope: Envelope;
  readonly data: AccountDeletionRequestedData;
}

export interface AccountErasedData {
  readonly requestId: string;
}

/** The account's erasure completed; the stream ends here. */
export interface AccountErased {
  readonly envelope: Envelope;
  readonly data: AccountErasedData;
}

export interface AccountProfileUpdatedData {
  /** Personal data: AES-256-GCM ciphertext under the subject's data key (packages/crypto). */
  readonly email: null | Buffer;
  /** Personal data: AES-256-GCM ciphertext under the subject's data key (packages/crypto). */
  readonly name: null | Buffer;
  /** Personal data: AES-256-GCM ciphertext under the subject's data key (packages/crypto). */
  readonly phone: null | Buffer;
  /** Personal data: AES-256-GCM ciphertext under the subject's data key (packages/crypto). */
  readonly timezone: null | Buffer;
}

/** Profile fields changed; absent fields are unchanged. */
export interface AccountProfileUpdated {
  readonly envelope: Envelope;
  readonly data: AccountProfileUpdatedData;
}

export interface AccountReactivatedData {
  readonly reason: null | string;
}

/** A deactivated account was reactivated. */
export interface AccountReactivated {
  readonly envelope: Envelope;
  readonly data: AccountReactivatedData;
}

export interface ActivitySeenData {
  /** ISO date (YYYY-MM-DD), UTC. */
  readonly day: string;
  readonly channel: null | string;
}

/** Another service saw the user active. */
export interface ActivitySeen {
  readonly envelope: Envelope;
  readonly data: ActivitySeenData;
}

export interface DeactivatedData {
  readonly reason: null | string;
}

/** Another service deactivated the user. */
export interface Deactivated {
  readonly envelope: Envelope;
  readonly data: DeactivatedData;
}

export interface DeletionRequestedData {
  readonly reason: string;
  readonly regulation: null | string;
}

/** Another service relayed the user's deletion request. */
export interface DeletionRequested {
  readonly envelope: Envelope;
  readonly data: DeletionRequestedData;
}

export interface ProfileChangedData {
  /** Personal data sealed to the account service's public key (X25519 + HKDF + AES-256-GCM). */
  readonly email: null | Buffer;
  /** Personal data sealed to the account service's public key (X25519 + HKDF + AES-256-GCM). */
  readonly name: null | Buffer;
  /** Personal data sealed to the account service's public key (X25519 + HKDF + AES-256-GCM). */
  readonly phone: null | Buffer;
  /** Personal data sealed to the account service's public key (X25519 + HKDF + AES-256-GCM). */
  readonly timezone: null | Buffer;
}

/** Another service changed a user's profile; absent fields are unchanged. */
export interface ProfileChanged {
  readonly envelope: Envelope;
  readonly data: ProfileChangedData;
}

export interface SignedUpData {
  /** Personal data sealed to the account service's public key (X25519 + HKDF + AES-256-GCM). */
  readonly email: Buffer;
  /** Personal data sealed to the account service's public key (X25519 + HKDF + AES-256-GCM). */
  readonly name: Buffer;
  /** Personal data sealed to the account service's public key (X25519 + HKDF + AES-256-GCM). */
  readonly phone: null | Buffer;
  /** Personal data sealed to the account service's public key (X25519 + HKDF + AES-256-GCM). */
  readonly timezone: null | Buffer;
}

/** Another service signed a user up. */
export interface SignedUp {
  readonly envelope: Envelope;
  readonly data: SignedUpData;
}

export interface UsageSeenData {
  /** What was used, e.g. meeting-scheduled: a product name, never personal data. */
  readonly feature: string;
  /** web | ios | android | other: coarse, kept when the record is made anonymous. */
  readonly platform: null | string;
  /** Personal data (a quasi-identifier) sealed to the account service's public key; dropped when the record is made anonymous. */
  readonly userAgent: null | Buffer;
  /** Personal data (a quasi-identifier) sealed to the account service's public key; dropped when the record is made anonymous. */
  readonly city: null | Buffer;
}

/** Another service saw the user use a feature: the usage analytics that erasure makes anonymous rather than deleting (the policy's 'anonymous information'). */
export interface UsageSeen {
  readonly envelope: Envelope;
  readonly data: UsageSeenData;
}

export interface AuditCheckpointData {
  readonly seq: number;
  readonly entryHash: string;
  /** Ed25519 over seq, entryHash and, when present, treeSize and rootHash. */
  readonly signature: Buffer;
  readonly keyId: string;
  /** Entries in the Merkle tree this head signs (seq 1 to treeSize); null on checkpoints written before tree heads. */
  readonly treeSize: null | number;
  /** sha256:<hex> Merkle tree hash (RFC 9162) of those entries' leaves. */
  readonly rootHash: null | string;
}

/** A signed checkpoint of the chain, and the signed head of the ledger's Merkle tree (RFC 9162): receipts prove an entry is in it. */
export interface AuditCheckpoint {
  readonly envelope: Envelope;
  readonly data: AuditCheckpointData;
}

export interface EventRef {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly eventId: null | string;
  readonly type: null | string;
}

export interface AuditEntryData {
  readonly seq: number;
  readonly prevHash: string;
  readonly eventRef: EventRef;
  /** SHA-256 of the record's bytes (ciphertext). */
  readonly eventDigest: string;
  readonly entryHash: string;
}

/** One domain event, chained to the previous entry. */
export interface AuditEntry {
  readonly envelope: Envelope;
  readonly data: AuditEntryData;
}

export interface ConsentGrantedData {
  /** e.g. marketing-email, llm-processing. */
  readonly purpose: string;
  /** Where the choice was made, e.g. signup-form, settings, gpc-header. */
  readonly source: string;
  readonly policyVersion: string;
  /** SHA-256 of the consent text shown. */
  readonly textHash: string;
  /** True when a Sec-GPC: 1 header expressed the choice. */
  readonly gpc: boolean;
}

/** The subject granted consent for a purpose. */
export interface ConsentGranted {
  readonly envelope: Envelope;
  readonly data: ConsentGrantedData;
}

export interface ConsentWithdrawnData {
  /** e.g. marketing-email, llm-processing. */
  readonly purpose: string;
  /** Where the choice was made, e.g. signup-form, settings, gpc-header. */
  readonly source: string;
  readonly policyVersion: string;
  /** SHA-256 of the consent text shown. */
  readonly textHash: string;
  /** True when a Sec-GPC: 1 header expressed the choice. */
  readonly gpc: boolean;
}

/** The subject withdrew consent for a purpose. */
export interface ConsentWithdrawn {
  readonly envelope: Envelope;
  readonly data: ConsentWithdrawnData;
}

export interface AccessOutcome {
  readonly participantId: string;
  readonly outcome: string;
  readonly records: number;
}

export interface AccessCompletedData {
  readonly requestId: string;
  readonly outcomes: AccessOutcome[];
  /** sha256 of the package's JSON. */
  readonly packageDigest: string;
  readonly expiresAt: number;
}

/** The package of a subject's data is ready, encrypted under the subject's key, until expiresAt. */
export interface AccessCompleted {
  readonly envelope: Envelope;
  readonly data: AccessCompletedData;
}

export interface AccessPackageDeletedData {
  readonly requestId: string;
  /** expired */
  readonly reason: string;
}

/** A package is gone: it expired (erasures delete packages too, and say so in their certificate). */
export interface AccessPackageDeleted {
  readonly envelope: Envelope;
  readonly data: AccessPackageDeletedData;
}

export interface AccessRequestedData {
  readonly requestId: string;
  readonly requestedAt: number;
  /** Every registered participant that exports: one AccessTaskIssued each. */
  readonly participants: string[];
  /** base64 SPKI of this request's X25519 key, derived from the subject's data key: answers are sealed to it, and shredding the subject's key makes them unreadable. */
  readonly exportKey: string;
}

/** A subject's copy of its data was asked for (right of access and portability); it fans out like an erasure. */
export interface AccessRequested {
  readonly envelope: Envelope;
  readonly data: AccessRequestedData;
}

export interface AccessTaskAnsweredData {
  readonly requestId: string;
  readonly participantId: string;
  /** exported | failed | no-answer (the service gave up waiting) */
  readonly outcome: string;
  /** How many records the answer holds. */
  readonly records: number;
  /** The participant's JSON, sealed to the request's export key (X25519 + HKDF-SHA256 + AES-256-GCM); null on the erasure log. */
  readonly sealedData: null | Buffer;
  /** sha256 of the sealed bytes as received. */
  readonly dataDigest: null | string;
  /** A failure's stable code. */
  readonly code: null | string;
}

/** A participant's answer to an export task. On the answers topic it carries the data, sealed; the erasure log's copy never does. */
export interface AccessTaskAnswered {
  readonly envelope: Envelope;
  readonly data: AccessTaskAnsweredData;
}

/** The erasure service's Ed25519 signature over the canonical task (requestId, subjectId, participantId, scope, attempt, issuedAt, expiresAt); participants act only on a task whose signature verifies. */
export interface TaskSignature {
  /** Which of the erasure service's keys signed (start of the SHA-256 of its SPKI DER). */
  readonly keyId: string;
  readonly issuedAt: number;
  /** Past this, the task is refused (dead-lettered), not run. */
  readonly expiresAt: number;
  /** base64url Ed25519 signature. */
  readonly value: string;
}

export interface AccessTaskIssuedData {
  readonly requestId: string;
  readonly participantId: string;
  /** Where the participant seals its answer (base64 SPKI X25519); covered by the signature. */
  readonly exportKey: string;
  readonly deadlineAt: number;
  /** Over (requestId, subjectId, participantId, exportKey, issuedAt, expiresAt) under the tag lethe.access-task.v1. */
  readonly signature: TaskSignature;
}

/** An export task went to a participant's task topic. */
export interface AccessTaskIssued {
  readonly envelope: Envelope;
  readonly data: AccessTaskIssuedData;
}

export interface ErasureBlockedData {
  readonly requestId: string;
  readonly holdIds: string[];
}

/** A legal hold blocks the request; it resumes when the last hold is released. */
export interface ErasureBlocked {
  readonly envelope: Envelope;
  readonly data: ErasureBlockedData;
}

export type ErasureResult = 'complete' | 'partial';

export interface ParticipantOutcome {
  readonly participantId: string;
  /** erased | anonymised | not-found | provider-retention | retained-legal */
  readonly outcome: string;
  readonly counts: Record<string, number>;
  readonly verifiedEmpty: boolean;
  readonly evidenceDigest: string;
  readonly retainedUntil: null | number;
}

export interface Certificate {
  /** Deterministic JSON of the certificate. */
  readonly json: string;
  /** SHA-256 of json. */
  readonly digest: string;
}

export interface ErasureCompletedData {
  readonly requestId: string;
  readonly result: ErasureResult;
  readonly outcomes: ParticipantOutcome[];
  readonly certificate: Certificate;
}

/** Every task is terminal: exactly one per request. */
export interface ErasureCompleted {
  readonly envelope: Envelope;
  readonly data: ErasureCompletedData;
}

export interface ErasureDeadlineAtRiskData {
  readonly requestId: string;
  readonly dueAt: number;
  readonly openParticipants: string[];
}

/** A request's legal deadline is near and tasks are still open. */
export interface ErasureDeadlineAtRisk {
  readonly envelope: Envelope;
  readonly data: ErasureDeadlineAtRiskData;
}

export interface ErasureDeadlineExtendedData {
  readonly requestId: string;
  readonly previousDueAt: number;
  /** The new deadline. */
  readonly dueAt: number;
  /** complexity | number-of-requests: the grounds the regulation names. A code, never free text: the erasure log is kept for good. */
  readonly reason: string;
  /** The operator's token subject. */
  readonly extendedBy: string;
}

/** An operator extended an open request's legal deadline, as its regulation allows (GDPR Art. 12(3): by up to two further months; CCPA: by up to 45 more days). The at-risk warning and the verifier use the new deadline. */
export interface ErasureDeadlineExtended {
  readonly envelope: Envelope;
  readonly data: ErasureDeadlineExtendedData;
}

export interface PlannedTask {
  readonly participantId: string;
  readonly phase: number;
  readonly categories: string[];
}

export interface ErasurePlannedData {
  readonly requestId: string;
  readonly tasks: PlannedTask[];
}

/** The participants whose categories meet the request's scope. */
export interface ErasurePlanned {
  readonly envelope: Envelope;
  readonly data: ErasurePlannedData;
}

export interface ErasureReconciledData {
  /** The completed request whose effect was restored. */
  readonly requestId: string;
  /** key-present (the key was back and is destroyed again) or forgotten-record-missing (recorded again). */
  readonly found: string;
  readonly keyDestroyed: boolean;
  /** Read back after: no key, and a forgotten record that blocks a new one. */
  readonly verifiedEmpty: boolean;
}

/** A completed whole-account erasure was found undone in the key vault (a restored backup brought the subject's key back, or lost its forgotten record) and was applied again. */
export interface ErasureReconciled {
  readonly envelope: Envelope;
  readonly data: ErasureReconciledData;
}

export interface ErasureScope {
  /** True: the whole account. */
  readonly all: boolean;
  /** Data categories when all is false, e.g. marketing-contact. */
  readonly categories: string[];
  /** Categories a whole-account erasure leaves in place because a consent the subject still gives keeps them (e.g. marketing-contact while marketing is granted). Earlier versions read as none. */
  readonly keep: string[];
}

export interface ErasureRequestedData {
  readonly requestId: string;
  readonly scope: ErasureScope;
  /** user-request | retention-expired | consent-withdrawn | dsar */
  readonly reason: string;
  /** GDPR, CCPA ...: sets the deadline. */
  readonly regulation: null | string;
  readonly requestedAt: number;
  readonly dueAt: number;
}

/** A subject's data (all of it, or some categories) must be erased. */
export interface ErasureRequested {
  readonly envelope: Envelope;
  readonly data: ErasureRequestedData;
}

export interface ErasureTaskCompletedData {
  readonly requestId: string;
  readonly participantId: string;
  readonly attempt: number;
  /** erased | anonymised | not-found | provider-retention | retained-legal */
  readonly outcome: string;
  /** Records affected per store. */
  readonly counts: Record<string, number>;
  readonly verifiedEmpty: boolean;
  /** SHA-256 of the participant's read-back evidence. */
  readonly evidenceDigest: string;
  /** For provider_retention and retained_legal: when the data will be gone. */
  readonly retainedUntil: null | number;
}

/** A participant finished its task and read back to prove the result. */
export interface ErasureTaskCompleted {
  readonly envelope: Envelope;
  readonly data: ErasureTaskCompletedData;
}

export interface ErasureTaskFailedData {
  readonly requestId: string;
  readonly participantId: string;
  readonly attempt: number;
  readonly retriable: boolean;
  /** A stable error code; never personal data. */
  readonly code: string;
}

/** A participant could not finish its task. */
export interface ErasureTaskFailed {
  readonly envelope: Envelope;
  readonly data: ErasureTaskFailedData;
}

export interface ErasureTaskIssuedData {
  readonly requestId: string;
  readonly participantId: string;
  readonly attempt: number;
  readonly phase: number;
  readonly scope: ErasureScope;
  readonly deadlineAt: number;
  /** Null only on tasks issued before tasks were signed; participants refuse them. */
  readonly signature: null | TaskSignature;
}

/** A task went to a participant's task topic. */
export interface ErasureTaskIssued {
  readonly envelope: Envelope;
  readonly data: ErasureTaskIssuedData;
}

export interface ErasureTaskRetriedData {
  readonly requestId: string;
  readonly participantId: string;
  /** The attempt that failed or was waiting out its backoff; the next ErasureTaskIssued has this plus one. */
  readonly previousAttempt: number;
  /** The operator's token subject. */
  readonly retriedBy: string;
}

/** An operator had a participant's task issued again now: one in its backoff, or one that had failed while the request was still open. */
export interface ErasureTaskRetried {
  readonly envelope: Envelope;
  readonly data: ErasureTaskRetriedData;
}

export interface ProviderRetentionElapsedData {
  readonly requestId: string;
  readonly participantId: string;
  readonly retainedUntil: number;
}

/** The date a completed erasure gave for what a provider still kept (outcome provider-retention: the LLM providers' API data retention) has passed: by their own terms, those copies are gone. */
export interface ProviderRetentionElapsed {
  readonly envelope: Envelope;
  readonly data: ProviderRetentionElapsedData;
}

export interface ParticipantRegisteredData {
  readonly participantId: string;
  readonly stores: string[];
  readonly categories: string[];
  /** Lower phases run first; the key vault runs last. */
  readonly phase: number;
  readonly timeoutMs: number;
  readonly taskTopic: string;
  /** It answers access requests (AccessTaskIssued) with the subject's data. Earlier versions read as false. */
  readonly exports: boolean;
}

/** A participant joined the erasure protocol. */
export interface ParticipantRegistered {
  readonly envelope: Envelope;
  readonly data: ParticipantRegisteredData;
}

export interface LegalHoldPlacedData {
  readonly holdId: string;
  /** v1 only: the case or order reference in clear. Null from v2 on. */
  readonly reference: null | string;
  /** v1 only: the reason in clear. Null from v2 on. */
  readonly reason: null | string;
  /** The case or order reference, sealed under the subject's key (field address: topic lethe.retention.events.v1, record id = holdId, field reference). */
  readonly sealedReference: null | Buffer;
  /** The reason, sealed like sealedReference (field reason). */
  readonly sealedReason: null | Buffer;
  readonly placedBy: string;
  readonly until: null | number;
}

/** A legal hold now blocks the subject's erasure. Since v2 its reference and reason are sealed under the subject's key (AES-256-GCM, the field's address as associated data), so the subject's erasure reaches them too. */
export interface LegalHoldPlaced {
  readonly envelope: Envelope;
  readonly data: LegalHoldPlacedData;
}

export interface LegalHoldReleasedData {
  readonly holdId: string;
  readonly releasedBy: string;
}

/** A legal hold was released. */
export interface LegalHoldReleased {
  readonly envelope: Envelope;
  readonly data: LegalHoldReleasedData;
}

export interface LegalRetentionTerm {
  /** The policy's after-erasure clock that ends it. */
  readonly clock: string;
  /** The data categories kept until then. */
  readonly categories: string[];
  /** The legal basis, as the policy states it. */
  readonly basis: string;
  /** How long after the erasure they are kept. */
  readonly keepForMs: number;
}

export interface PolicyVersionActivatedData {
  readonly policyVersion: string;
  /** SHA-256 of the policy file. */
  readonly digest: string;
  readonly activatedBy: string;
  /** How long the LLM providers keep API inputs and outputs, from the policy's llmProviders.retention (v2). The erasure service dates a subject's provider copies with it. */
  readonly llmProviderRetentionMs: null | number;
  /** What an erasure keeps under a legal obligation, on which basis, and for how long (the policy's after-erasure clocks; v3). The erasure service states it on each certificate. */
  readonly legalRetention: LegalRetentionTerm[];
}

/** A retention policy version became the one in force. */
export interface PolicyVersionActivated {
  readonly envelope: Envelope;
  readonly data: PolicyVersionActivatedData;
}

export interface RetentionClockResetData {
  readonly clock: string;
  readonly policyVersion: string;
  readonly resetAt: number;
  readonly expiresAt: number;
}

/** A retention clock started again (e.g. new activity). */
export interface RetentionClockReset {
  readonly envelope: Envelope;
  readonly data: RetentionClockResetData;
}

export interface RetentionClockStartedData {
  /** e.g. account-inactivity, marketing-contact. */
  readonly clock: string;
  readonly policyVersion: string;
  readonly startedAt: number;
  readonly expiresAt: number;
}

/** A retention clock started for a subject. */
export interface RetentionClockStarted {
  readonly envelope: Envelope;
  readonly data: RetentionClockStartedData;
}

export interface RetentionClockStoppedData {
  /** e.g. account-inactivity, marketing-contact. */
  readonly clock: string;
  readonly policyVersion: string;
  readonly stoppedAt: number;
  readonly reason: string;
}

/** A retention clock stopped without expiring: its reason to keep the data stands again (e.g. marketing consent granted again). */
export interface RetentionClockStopped {
  readonly envelope: Envelope;
  readonly data: RetentionClockStoppedData;
}

export interface RetentionExpiredData {
  readonly clock: string;
  readonly policyVersion: string;
  readonly expiredAt: number;
  readonly scope: ErasureScope;
  /** Why the erasure follows: retention-expired (a retention period ran out) or consent-withdrawn (the consent that kept the data was withdrawn). v1 records read as retention-expired. */
  readonly reason: string;
}

/** A retention clock ran out. The erasure service alone turns it into the ErasureRequested of the given scope and reason. */
export interface RetentionExpired {
  readonly envelope: Envelope;
  readonly data: RetentionExpiredData;
}

export interface RetentionExpiryNoticedData {
  readonly clock: string;
  readonly policyVersion: string;
  readonly noticedAt: number;
  readonly expiresAt: number;
}

/** A clock is near expiry: the subject is given notice (e.g. an inactive account is told before it is erased). */
export interface RetentionExpiryNoticed {
  readonly envelope: Envelope;
  readonly data: RetentionExpiryNoticedData;
}

export type LlmDisclosedWithoutConsentEvent = LlmDisclosedWithoutConsent & { readonly envelope: Envelope & { readonly type: 'LlmDisclosedWithoutConsent' } };
export type PersonalDataAccessedEvent = PersonalDataAccessed & { readonly envelope: Envelope & { readonly type: 'PersonalDataAccessed' } };
export type AccountActivityRecordedEvent = AccountActivityRecorded & { readonly envelope: Envelope & { readonly type: 'AccountActivityRecorded' } };
export type AccountCreatedEvent = AccountCreated & { readonly envelope: Envelope & { readonly type: 'AccountCreated' } };
export type AccountDeactivatedEvent = AccountDeactivated & { readonly envelope: Envelope & { readonly type: 'AccountDeactivated' } };
export type AccountDeletionRequestedEvent = AccountDeletionRequested & { readonly envelope: Envelope & { readonly type: 'AccountDeletionRequested' } };
export type AccountErasedEvent = AccountErased & { readonly envelope: Envelope & { readonly type: 'AccountErased' } };
export type AccountProfileUpdatedEvent = AccountProfileUpdated & { readonly envelope: Envelope & { readonly type: 'AccountProfileUpdated' } };
export type AccountReactivatedEvent = AccountReactivated & { readonly envelope: Envelope & { readonly type: 'AccountReactivated' } };
export type ActivitySeenEvent = ActivitySeen & { readonly envelope: Envelope & { readonly type: 'ActivitySeen' } };
export type DeactivatedEvent = Deactivated & { readonly envelope: Envelope & { readonly type: 'Deactivated' } };
export type DeletionRequestedEvent = DeletionRequested & { readonly envelope: Envelope & { readonly type: 'DeletionRequested' } };
export type ProfileChangedEvent = ProfileChanged & { readonly envelope: Envelope & { readonly type: 'ProfileChanged' } };
export type SignedUpEvent = SignedUp & { readonly envelope: Envelope & { readonly type: 'SignedUp' } };
export type UsageSeenEvent = UsageSeen & { readonly envelope: Envelope & { readonly type: 'UsageSeen' } };
export type AuditCheckpointEvent = AuditCheckpoint & { readonly envelope: Envelope & { readonly type: 'AuditCheckpoint' } };
export type AuditEntryEvent = AuditEntry & { readonly envelope: Envelope & { readonly type: 'AuditEntry' } };
export type ConsentGrantedEvent = ConsentGranted & { readonly envelope: Envelope & { readonly type: 'ConsentGranted' } };
export type ConsentWithdrawnEvent = ConsentWithdrawn & { readonly envelope: Envelope & { readonly type: 'ConsentWithdrawn' } };
export type AccessCompletedEvent = AccessCompleted & { readonly envelope: Envelope & { readonly type: 'AccessCompleted' } };
export type AccessPackageDeletedEvent = AccessPackageDeleted & { readonly envelope: Envelope & { readonly type: 'AccessPackageDeleted' } };
export type AccessRequestedEvent = AccessRequested & { readonly envelope: Envelope & { readonly type: 'AccessRequested' } };
export type AccessTaskAnsweredEvent = AccessTaskAnswered & { readonly envelope: Envelope & { readonly type: 'AccessTaskAnswered' } };
export type AccessTaskIssuedEvent = AccessTaskIssued & { readonly envelope: Envelope & { readonly type: 'AccessTaskIssued' } };
export type ErasureBlockedEvent = ErasureBlocked & { readonly envelope: Envelope & { readonly type: 'ErasureBlocked' } };
export type ErasureCompletedEvent = ErasureCompleted & { readonly envelope: Envelope & { readonly type: 'ErasureCompleted' } };
export type ErasureDeadlineAtRiskEvent = ErasureDeadlineAtRisk & { readonly envelope: Envelope & { readonly type: 'ErasureDeadlineAtRisk' } };
export type ErasureDeadlineExtendedEvent = ErasureDeadlineExtended & { readonly envelope: Envelope & { readonly type: 'ErasureDeadlineExtended' } };
export type ErasurePlannedEvent = ErasurePlanned & { readonly envelope: Envelope & { readonly type: 'ErasurePlanned' } };
export type ErasureReconciledEvent = ErasureReconciled & { readonly envelope: Envelope & { readonly type: 'ErasureReconciled' } };
export type ErasureRequestedEvent = ErasureRequested & { readonly envelope: Envelope & { readonly type: 'ErasureRequested' } };
export type ErasureTaskCompletedEvent = ErasureTaskCompleted & { readonly envelope: Envelope & { readonly type: 'ErasureTaskCompleted' } };
export type ErasureTaskFailedEvent = ErasureTaskFailed & { readonly envelope: Envelope & { readonly type: 'ErasureTaskFailed' } };
export type ErasureTaskIssuedEvent = ErasureTaskIssued & { readonly envelope: Envelope & { readonly type: 'ErasureTaskIssued' } };
export type ErasureTaskRetriedEvent = ErasureTaskRetried & { readonly envelope: Envelope & { readonly type: 'ErasureTaskRetried' } };
export type ProviderRetentionElapsedEvent = ProviderRetentionElapsed & { readonly envelope: Envelope & { readonly type: 'ProviderRetentionElapsed' } };
export type ParticipantRegisteredEvent = ParticipantRegistered & { readonly envelope: Envelope & { readonly type: 'ParticipantRegistered' } };
export type LegalHoldPlacedEvent = LegalHoldPlaced & { readonly envelope: Envelope & { readonly type: 'LegalHoldPlaced' } };
export type LegalHoldReleasedEvent = LegalHoldReleased & { readonly envelope: Envelope & { readonly type: 'LegalHoldReleased' } };
export type PolicyVersionActivatedEvent = PolicyVersionActivated & { readonly envelope: Envelope & { readonly type: 'PolicyVersionActivated' } };
export type RetentionClockResetEvent = RetentionClockReset & { readonly envelope: Envelope & { readonly type: 'RetentionClockReset' } };
export type RetentionClockStartedEvent = RetentionClockStarted & { readonly envelope: Envelope & { readonly type: 'RetentionClockStarted' } };
export type RetentionClockStoppedEvent = RetentionClockStopped & { readonly envelope: Envelope & { readonly type: 'RetentionClockStopped' } };
export type RetentionExpiredEvent = RetentionExpired & { readonly envelope: Envelope & { readonly type: 'RetentionExpired' } };
export type RetentionExpiryNoticedEvent = RetentionExpiryNoticed & { readonly envelope: Envelope & { readonly type: 'RetentionExpiryNoticed' } };

export type AccessEventsV1Event = LlmDisclosedWithoutConsentEvent | PersonalDataAccessedEvent;
export type AccountEventsV1Event = AccountActivityRecordedEvent | AccountCreatedEvent | AccountDeactivatedEvent | AccountDeletionRequestedEvent | AccountErasedEvent | AccountProfileUpdatedEvent | AccountReactivatedEvent;
export type AccountIngestV1Event = ActivitySeenEvent | DeactivatedEvent | DeletionRequestedEvent | ProfileChangedEvent | SignedUpEvent | UsageSeenEvent;
export type AuditLedgerV1Event = AuditCheckpointEvent | AuditEntryEvent;
export type ConsentEventsV1Event = ConsentGrantedEvent | ConsentWithdrawnEvent;
export type ErasureEventsV1Event = AccessCompletedEvent | AccessPackageDeletedEvent | AccessRequestedEvent | AccessTaskAnsweredEvent | AccessTaskIssuedEvent | ErasureBlockedEvent | ErasureCompletedEvent | ErasureDeadlineAtRiskEvent | ErasureDeadlineExtendedEvent | ErasurePlannedEvent | ErasureReconciledEvent | ErasureRequestedEvent | ErasureTaskCompletedEvent | ErasureTaskFailedEvent | ErasureTaskIssuedEvent | ErasureTaskRetriedEvent | ProviderRetentionElapsedEvent;
export type ErasureParticipantsV1Event = ParticipantRegisteredEvent;
export type RetentionEventsV1Event = LegalHoldPlacedEvent | LegalHoldReleasedEvent | PolicyVersionActivatedEvent | RetentionClockResetEvent | RetentionClockStartedEvent | RetentionClockStoppedEvent | RetentionExpiredEvent | RetentionExpiryNoticedEvent;

export type LetheEvent = AccessEventsV1Event | AccountEventsV1Event | AccountIngestV1Event | AuditLedgerV1Event | ConsentEventsV1Event | ErasureEventsV1Event | ErasureParticipantsV1Event | RetentionEventsV1Event;

export type EventType = LetheEvent['envelope']['type'];

/** The logical topic of each event type (DESIGN.md section 2). */
export const TOPIC_OF_EVENT_TYPE = {
  AccessCompleted: 'lethe.erasure.events.v1',
  AccessPackageDeleted: 'lethe.erasure.events.v1',
  AccessRequested: 'lethe.erasure.events.v1',
  AccessTaskAnswered: 'lethe.erasure.events.v1',
  AccessTaskIssued: 'lethe.erasure.events.v1',
  AccountActivityRecorded: 'lethe.account.events.v1',
  AccountCreated: 'lethe.account.events.v1',
  AccountDeactivated: 'lethe.account.events.v1',
  AccountDeletionRequested: 'lethe.account.events.v1',
  AccountErased: 'lethe.account.events.v1',
  AccountProfileUpdated: 'lethe.account.events.v1',
  AccountReactivated: 'lethe.account.events.v1',
  ActivitySeen: 'lethe.account.ingest.v1',
  AuditCheckpoint: 'lethe.audit.ledger.v1',
  AuditEntry: 'lethe.audit.ledger.v1',
  ConsentGranted: 'lethe.consent.events.v1',
  ConsentWithdrawn: 'lethe.consent.events.v1',
  Deactivated: 'lethe.account.ingest.v1',
  DeletionRequested: 'lethe.account.ingest.v1',
  ErasureBlocked: 'lethe.erasure.events.v1',
  ErasureCompleted: 'lethe.erasure.events.v1',
  ErasureDeadlineAtRisk: 'lethe.erasure.events.v1',
  ErasureDeadlineExtended: 'lethe.erasure.events.v1',
  ErasurePlanned: 'lethe.erasure.events.v1',
  ErasureReconciled: 'lethe.erasure.events.v1',
  ErasureRequested: 'lethe.erasure.events.v1',
  ErasureTaskCompleted: 'lethe.erasure.events.v1',
  ErasureTaskFailed: 'lethe.erasure.events.v1',
  ErasureTaskIssued: 'lethe.erasure.events.v1',
  ErasureTaskRetried: 'lethe.erasure.events.v1',
  LegalHoldPlaced: 'lethe.retention.events.v1',
  LegalHoldReleased: 'lethe.retention.events.v1',
  LlmDisclosedWithoutConsent: 'lethe.access.events.v1',
  ParticipantRegistered: 'lethe.erasure.participants.v1',
  PersonalDataAccessed: 'lethe.access.events.v1',
  PolicyVersionActivated: 'lethe.retention.events.v1',
  ProfileChanged: 'lethe.account.ingest.v1',
  ProviderRetentionElapsed: 'lethe.erasure.events.v1',
  RetentionClockReset: 'lethe.retention.events.v1',
  RetentionClockStarted: 'lethe.retention.events.v1',
  RetentionClockStopped: 'lethe.retention.events.v1',
  RetentionExpired: 'lethe.retention.events.v1',
  RetentionExpiryNoticed: 'lethe.retention.events.v1',
  SignedUp: 'lethe.account.ingest.v1',
  UsageSeen: 'lethe.account.ingest.v1',
} as const satisfies Record<EventType, string>;

/** The newest schema version of each event type: what new events are written with. */
export const SCHEMA_VERSION_OF_EVENT_TYPE = {
  AccessCompleted: 1,
  AccessPackageDeleted: 1,
  AccessRequested: 1,
  AccessTaskAnswered: 1,
  AccessTaskIssued: 1,
  AccountActivityRecorded: 1,
  AccountCreated: 1,
  AccountDeactivated: 1,
  AccountDeletionRequested: 1,
  AccountErased: 1,
  AccountProfileUpdated: 1,
  AccountReactivated: 1,
  ActivitySeen: 1,
  AuditCheckpoint: 2,
  AuditEntry: 1,
  ConsentGranted: 1,
  ConsentWithdrawn: 1,
  Deactivated: 1,
  DeletionRequested: 1,
  ErasureBlocked: 1,
  ErasureCompleted: 1,
  ErasureDeadlineAtRisk: 1,
  ErasureDeadlineExtended: 1,
  ErasurePlanned: 1,
  ErasureReconciled: 1,
  ErasureRequested: 2,
  ErasureTaskCompleted: 1,
  ErasureTaskFailed: 1,
  ErasureTaskIssued: 3,
  ErasureTaskRetried: 1,
  LegalHoldPlaced: 2,
  LegalHoldReleased: 1,
  LlmDisclosedWithoutConsent: 1,
  ParticipantRegistered: 2,
  PersonalDataAccessed: 1,
  PolicyVersionActivated: 3,
  ProfileChanged: 1,
  ProviderRetentionElapsed: 1,
  RetentionClockReset: 1,
  RetentionClockStarted: 1,
  RetentionClockStopped: 1,
  RetentionExpired: 3,
  RetentionExpiryNoticed: 1,
  SignedUp: 1,
  UsageSeen: 1,
} as const satisfies Record<EventType, number>;
