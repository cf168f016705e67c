import { isEventOfType, type LetheEvent } from '@lethe/events';

import type { RetentionCommand } from './retention/model';

/**
 * What an account or consent event means for a subject's retention clock, as a command (pure:
 * event in, command or nothing out). `now` is when it is observed.
 */
export function reactToSubjectEvent(event: LetheEvent, now: Date): RetentionCommand | undefined {
  const at = event.envelope.occurredAt;
  type Observed = Extract<RetentionCommand, { type: 'ObserveAccount' }>['data']['event'];
  const observe = (kind: Observed, when: number): RetentionCommand => ({
    type: 'ObserveAccount',
    data: { event: kind, at: when },
    metadata: { now },
  });
  if (isEventOfType(event, 'AccountCreated')) return observe('created', at);
  // Activity counts from the day it names (clients report a day, not an instant).
  if (isEventOfType(event, 'AccountActivityRecorded'))
    return observe('active', Date.parse(`${event.data.day}T00:00:00Z`));
  if (isEventOfType(event, 'AccountDeactivated')) return observe('deactivated', at);
  if (isEventOfType(event, 'AccountReactivated')) return observe('reactivated', at);
  if (isEventOfType(event, 'AccountErased')) return observe('erased', at);
  if (isEventOfType(event, 'ConsentGranted') || isEventOfType(event, 'ConsentWithdrawn'))
    return {
      type: 'ObserveConsent',
      data: { purpose: event.data.purpose, granted: isEventOfType(event, 'ConsentGranted'), at },
      metadata: { now },
    };
  return undefined;
}
