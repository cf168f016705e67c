import { assertNever, type Decider } from '@lethe/eventstore';

import {
  ConsentError,
  type ConsentCommand,
  type ConsentDecision,
  type ConsentEvent,
  type ConsentState,
} from './model';

const decision = (granted: boolean, data: ConsentDecision): ConsentEvent =>
  granted ? { type: 'ConsentGranted', data } : { type: 'ConsentWithdrawn', data };

function open(state: ConsentState): ConsentState {
  if (state.closedBy !== null)
    throw new ConsentError(
      'CONSENT_LEDGER_CLOSED',
      'the subject was erased; the ledger is kept as proof only',
    );
  return state;
}

function decide(command: ConsentCommand, state: ConsentState): ConsentEvent[] {
  const at = command.metadata.now.getTime();
  switch (command.type) {
    case 'RecordConsent': {
      const { purpose, granted, source, policyVersion, textHash, gpc } = command.data;
      const current = open(state).current[purpose];
      // The same choice under the same text again changes nothing (a retried request).
      if (
        current &&
        current.granted === granted &&
        current.policyVersion === policyVersion &&
        current.textHash === textHash
      )
        return [];
      return [decision(granted, { purpose, granted, source, policyVersion, textHash, gpc, at })];
    }
    case 'HonourOptOutSignal':
      // Granted or never asked: record the opt-out, so no later default reads as consent.
      // Already withdrawn: nothing to add.
      return command.data.purposes
        .filter((purpose) => open(state).current[purpose]?.granted !== false)
        .map((purpose) =>
          decision(false, {
            purpose,
            granted: false,
            source: 'gpc-signal',
            policyVersion: command.data.policyVersion,
            textHash: '',
            gpc: true,
            at,
          }),
        );
    case 'CloseLedger':
      return state.closedBy !== null ? [] : [{ type: 'ConsentLedgerClosed', data: command.data }];
    default:
      return assertNever(command);
  }
}

function evolve(state: ConsentState, event: ConsentEvent): ConsentState {
  switch (event.type) {
    case 'ConsentGranted':
    case 'ConsentWithdrawn':
      return {
        ...state,
        current: { ...state.current, [event.data.purpose]: event.data },
        history: [...state.history, event.data],
      };
    case 'ConsentLedgerClosed':
      return { ...state, closedBy: event.data.requestId };
    default:
      return assertNever(event);
  }
}

export const consentDecider: Decider<ConsentCommand, ConsentEvent, ConsentState> = {
  initialState: () => ({ current: {}, history: [], closedBy: null }),
  decide,
  evolve,
};
