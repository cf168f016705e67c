import { assertNever, type Decider } from '@lethe/eventstore';

import { allAnswered, type AccessCommand, type AccessEvent, type AccessState } from './model';

/** A package is kept this long after it is made, then deleted (the dashboard says until when). */
export const PACKAGE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

function decide(command: AccessCommand, state: AccessState): readonly AccessEvent[] {
  switch (command.type) {
    case 'RequestAccess': {
      if (state.status !== 'none') return []; // the same request again: already under way
      const { requestId, subjectId, participants, exportKey, now } = command;
      const answerBy = now + command.answerWithinMs;
      return [
        {
          type: 'AccessRequested',
          data: { requestId, subjectId, requestedAt: now, participants, exportKey, answerBy },
        },
        ...participants.map((participantId): AccessEvent => ({
          type: 'AccessTaskIssued',
          data: { requestId, participantId, exportKey, deadlineAt: answerBy },
        })),
      ];
    }
    case 'RecordAnswer': {
      // Only a planned participant's first answer counts; a late one after the package is ignored.
      if (state.status !== 'open' || !state.participants.includes(command.participantId)) return [];
      if (state.answers[command.participantId]) return [];
      return [
        {
          type: 'AccessTaskAnswered',
          data: { requestId: state.requestId, participantId: command.participantId, ...command.answer },
        },
      ];
    }
    case 'Tick': {
      if (state.status !== 'open' || command.now < state.answerBy) return [];
      return state.participants
        .filter((participantId) => !state.answers[participantId])
        .map((participantId) => ({
          type: 'AccessTaskAnswered',
          data: {
            requestId: state.requestId,
            participantId,
            outcome: 'no-answer',
            records: 0,
            dataDigest: null,
            code: 'TASK_TIMEOUT',
          },
        }));
    }
    case 'Complete': {
      if (!allAnswered(state) || state.status !== 'open') return [];
      return [
        {
          type: 'AccessCompleted',
          data: {
            requestId: state.requestId,
            outcomes: state.participants.map((participantId) => ({
              participantId,
              outcome: state.answers[participantId]!.outcome,
              records: state.answers[participantId]!.records,
            })),
            packageDigest: command.packageDigest,
            expiresAt: command.expiresAt,
          },
        },
      ];
    }
    case 'DeletePackage':
      if (state.status !== 'open' && state.status !== 'ready') return [];
      return [{ type: 'AccessPackageDeleted', data: { requestId: state.requestId, reason: command.reason } }];
    default:
      return assertNever(command);
  }
}

function evolve(state: AccessState, event: AccessEvent): AccessState {
  switch (event.type) {
    case 'AccessRequested':
      return { status: 'open', ...event.data, answers: {} };
    case 'AccessTaskIssued':
      return state;
    case 'AccessTaskAnswered': {
      if (state.status !== 'open') return state;
      const { requestId: _request, participantId, ...answer } = event.data;
      return { ...state, answers: { ...state.answers, [participantId]: answer } };
    }
    case 'AccessCompleted':
      if (state.status !== 'open') return state;
      return {
        ...state,
        status: 'ready',
        packageDigest: event.data.packageDigest,
        expiresAt: event.data.expiresAt,
      };
    case 'AccessPackageDeleted':
      if (state.status === 'none') return state;
      return { ...state, status: 'deleted', reason: event.data.reason };
    default:
      return assertNever(event);
  }
}

export const accessDecider: Decider<AccessCommand, AccessEvent, AccessState> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};

/**
 * When the stream wants a Tick: at the answer deadline while open (at once when every answer is
 * in, so a crash before the package was made is picked up), at expiry while ready.
 */
export function accessWakeup(state: AccessState): Date | null {
  if (state.status === 'open') return new Date(allAnswered(state) ? state.requestedAt : state.answerBy);
  if (state.status === 'ready') return new Date(state.expiresAt);
  return null;
}
