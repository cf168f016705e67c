import { assertNever, type Decider } from '@lethe/eventstore';

import type { ClockPolicy, RetentionPolicy } from '../policy/policy';
import {
  RetentionError,
  type RetentionCommand,
  type ExpiryScope,
  type RetentionEvent,
  type RetentionState,
  type RunningClock,
} from './model';

function running(policy: RetentionPolicy, clock: ClockPolicy, from: number): RunningClock {
  const expiresAt = from + clock.expiresAfterMs;
  return {
    startedAt: from,
    expiresAt,
    noticeAt: clock.noticeBeforeMs === null ? null : expiresAt - clock.noticeBeforeMs,
    noticed: false,
    policyVersion: policy.version,
  };
}

type Command<T extends RetentionCommand['type']> = Extract<RetentionCommand, { type: T }>;

/** A running clock stopped at `at`, and why. */
function stopped(clock: string, run: RunningClock, at: Date, reason: string): RetentionEvent {
  return {
    type: 'RetentionClockStopped',
    data: { clock, policyVersion: run.policyVersion, stoppedAt: at.getTime(), reason },
  };
}
type ConsentClock = Extract<ClockPolicy, { kind: 'consent' }>;

function observeAccount(
  policy: RetentionPolicy,
  { data: { event, at }, metadata }: Command<'ObserveAccount'>,
  state: RetentionState,
  seen: RetentionEvent[],
): RetentionEvent[] {
  if (state.accountErased) return [];
  if (event === 'erased')
    return [
      { type: 'AccountErasureSeen', data: {} },
      ...Object.entries(state.clocks).map(([clock, run]) =>
        stopped(clock, run, metadata.now, 'account-erased'),
      ),
      // What the erasure kept under a legal obligation: erased in turn when the obligation ends.
      ...policy.clocks
        .filter((c) => c.kind === 'after-erasure')
        .map((clock): RetentionEvent => ({
          type: 'RetentionClockStarted',
          data: { clock: clock.id, ...running(policy, clock, at) },
        })),
    ];
  const events: RetentionEvent[] = [...seen];
  if (event === 'deactivated') {
    for (const clock of policy.clocks.filter((c) => c.kind === 'deactivation'))
      if (!state.clocks[clock.id])
        events.push({
          type: 'RetentionClockStarted',
          data: { clock: clock.id, ...running(policy, clock, at) },
        });
    return events;
  }
  if (event === 'reactivated')
    for (const clock of policy.clocks.filter((c) => c.kind === 'deactivation')) {
      const current = state.clocks[clock.id];
      if (current) events.push(stopped(clock.id, current, metadata.now, 'account-reactivated'));
    }
  // Created, active again, or reactivated: the inactivity clocks start over from then.
  for (const clock of policy.clocks.filter((c) => c.kind === 'inactivity')) {
    const current = state.clocks[clock.id];
    if (!current)
      events.push({
        type: 'RetentionClockStarted',
        data: { clock: clock.id, ...running(policy, clock, at) },
      });
    // Activity reported late (an older day) never moves the clock back.
    else if (at > current.startedAt)
      events.push({ type: 'RetentionClockReset', data: { clock: clock.id, ...running(policy, clock, at) } });
  }
  return events;
}

function observeConsent(
  policy: RetentionPolicy,
  { data: { purpose, granted, at }, metadata }: Command<'ObserveConsent'>,
  state: RetentionState,
  seen: RetentionEvent[],
): RetentionEvent[] {
  const purposes = new Set(state.grantedPurposes);
  if (granted) purposes.add(purpose);
  else purposes.delete(purpose);
  const events: RetentionEvent[] = [...seen];
  if (purposes.size !== state.grantedPurposes.length || !state.grantedPurposes.every((p) => purposes.has(p)))
    events.push({ type: 'PurposesGranted', data: { purposes: [...purposes].sort() } });
  const consentClocks = policy.clocks.filter((c): c is ConsentClock => c.kind === 'consent');
  for (const clock of consentClocks) {
    if (!clock.whileAnyGranted.includes(purpose)) continue;
    const anyGranted = clock.whileAnyGranted.some((p) => purposes.has(p));
    const current = state.clocks[clock.id];
    if (anyGranted && current) events.push(stopped(clock.id, current, metadata.now, 'consent-granted'));
    else if (!anyGranted && !granted && !current)
      events.push({
        type: 'RetentionClockStarted',
        data: { clock: clock.id, ...running(policy, clock, at) },
      });
  }
  return events;
}

/**
 * What an expired clock erases. A whole-account erasure that keeps what consent keeps leaves out
 * the categories of every consent clock still satisfied: the subject said yes to marketing, so
 * the marketing contact stays (and follows the marketing clock from now on).
 */
function scopeOf(
  policy: RetentionPolicy,
  clock: ClockPolicy | undefined,
  state: RetentionState,
): ExpiryScope {
  if (!clock) return { all: true, categories: [], keep: [] };
  if (!clock.erase.all) return { all: false, categories: clock.erase.categories, keep: [] };
  if (!clock.erase.keepWhileConsented) return { all: true, categories: [], keep: [] };
  const granted = new Set(state.grantedPurposes);
  const keep = policy.clocks
    .filter((c): c is ConsentClock => c.kind === 'consent' && c.whileAnyGranted.some((p) => granted.has(p)))
    .flatMap((c) => c.erase.categories);
  return { all: true, categories: [], keep: [...new Set(keep)].sort() };
}

/** What the passing of time means: holds that end, clocks that notice or expire. */
function tick(policy: RetentionPolicy, state: RetentionState, now: number): RetentionEvent[] {
  const events: RetentionEvent[] = [];
  for (const hold of Object.values(state.holds))
    if (hold.until !== null && hold.until <= now)
      events.push({ type: 'LegalHoldReleased', data: { holdId: hold.holdId, releasedBy: 'hold-expiry' } });
  for (const [clockId, run] of Object.entries(state.clocks)) {
    const clock = policy.clocks.find((c) => c.id === clockId);
    if (run.expiresAt <= now) {
      events.push({
        type: 'RetentionExpired',
        data: {
          clock: clockId,
          expiredAt: run.expiresAt,
          policyVersion: run.policyVersion,
          scope: scopeOf(policy, clock, state),
          reason:
            clock?.kind === 'consent'
              ? 'consent-withdrawn'
              : clock?.kind === 'after-erasure'
                ? 'legal-obligation-ended'
                : 'retention-expired',
        },
      });
    } else if (run.noticeAt !== null && !run.noticed && run.noticeAt <= now) {
      events.push({
        type: 'RetentionExpiryNoticed',
        data: { clock: clockId, policyVersion: run.policyVersion, noticedAt: now, expiresAt: run.expiresAt },
      });
    }
  }
  return events;
}

function decide(policy: RetentionPolicy, command: RetentionCommand, state: RetentionState): RetentionEvent[] {
  const now = command.metadata.now.getTime();
  const seen: RetentionEvent[] = state.known ? [] : [{ type: 'SubjectSeen', data: {} }];
  switch (command.type) {
    case 'ObserveAccount':
      return observeAccount(policy, command, state, seen);
    case 'ObserveConsent':
      return observeConsent(policy, command, state, seen);
    case 'PlaceHold':
      if (!state.known)
        throw new RetentionError(
          'RETENTION_SUBJECT_UNKNOWN',
          'no such subject on the account or consent log',
        );
      if (state.holds[command.data.holdId]) return [];
      return [{ type: 'LegalHoldPlaced', data: { ...command.data, placedAt: now } }];
    case 'ReleaseHold':
      if (!state.holds[command.data.holdId])
        throw new RetentionError('RETENTION_HOLD_UNKNOWN', 'no such active hold');
      return [{ type: 'LegalHoldReleased', data: command.data }];
    case 'Tick':
      return tick(policy, state, now);
    default:
      return assertNever(command);
  }
}

function evolve(state: RetentionState, event: RetentionEvent): RetentionState {
  switch (event.type) {
    case 'SubjectSeen':
      return { ...state, known: true };
    case 'AccountErasureSeen':
      return { ...state, accountErased: true };
    case 'PurposesGranted':
      return { ...state, grantedPurposes: event.data.purposes };
    case 'RetentionClockStarted':
    case 'RetentionClockReset': {
      const { clock, ...run } = event.data;
      return { ...state, clocks: { ...state.clocks, [clock]: run } };
    }
    case 'RetentionClockStopped': {
      const { [event.data.clock]: _stopped, ...clocks } = state.clocks;
      return { ...state, clocks };
    }
    case 'RetentionExpiryNoticed': {
      const run = state.clocks[event.data.clock];
      return run
        ? { ...state, clocks: { ...state.clocks, [event.data.clock]: { ...run, noticed: true } } }
        : state;
    }
    case 'RetentionExpired': {
      const { [event.data.clock]: _expired, ...clocks } = state.clocks;
      const { clock, expiredAt, policyVersion } = event.data;
      return { ...state, clocks, expired: [...state.expired, { clock, expiredAt, policyVersion }] };
    }
    case 'LegalHoldPlaced':
      return { ...state, holds: { ...state.holds, [event.data.holdId]: event.data } };
    case 'LegalHoldReleased': {
      const { [event.data.holdId]: _released, ...holds } = state.holds;
      return { ...state, holds };
    }
    default:
      return assertNever(event);
  }
}

/** The policy's clocks as a pure decider: the same events for the same commands, state and policy. */
export function retentionDecider(
  policy: RetentionPolicy,
): Decider<RetentionCommand, RetentionEvent, RetentionState> {
  return {
    initialState: () => ({
      known: false,
      accountErased: false,
      grantedPurposes: [],
      clocks: {},
      holds: {},
      expired: [],
    }),
    decide: (command, state) => decide(policy, command, state),
    evolve,
  };
}

/** When the subject's stream wants waking: a notice, an expiry, or a hold's end. */
export function nextWakeup(state: RetentionState): Date | null {
  const times = [
    ...Object.values(state.clocks).flatMap((run) => [
      run.expiresAt,
      ...(run.noticeAt !== null && !run.noticed ? [run.noticeAt] : []),
    ]),
    ...Object.values(state.holds).flatMap((hold) => (hold.until === null ? [] : [hold.until])),
  ];
  return times.length > 0 ? new Date(Math.min(...times)) : null;
}
