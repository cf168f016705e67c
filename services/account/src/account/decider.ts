import { assertNever, type Decider } from '@lethe/eventstore';

import {
  AccountError,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type Profile,
} from './model';

const PROFILE_FIELDS = ['email', 'name', 'phone', 'timezone'] as const satisfies readonly (keyof Profile)[];

const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** The account as it must be for a command that changes an existing one. */
function existing(state: AccountState) {
  if (state.status === 'none') throw new AccountError('ACCOUNT_NOT_FOUND', 'no such account');
  if (state.status === 'erased') throw new AccountError('ACCOUNT_ERASED', 'the account was erased');
  return state;
}

function changedFields(profile: Profile, update: Partial<Profile>): Partial<Profile> {
  const changes: Partial<Record<keyof Profile, string | null>> = {};
  for (const field of PROFILE_FIELDS) {
    const value = update[field];
    if (value !== undefined && value !== profile[field]) changes[field] = value;
  }
  return changes as Partial<Profile>;
}

function decide(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'OpenAccount':
      if (state.status === 'erased') throw new AccountError('ACCOUNT_ERASED', 'the account was erased');
      // The same sign-up again (an ingest record delivered twice) changes nothing.
      if (state.status !== 'none' && Object.keys(changedFields(state.profile, command.data)).length === 0)
        return [];
      if (state.status !== 'none') throw new AccountError('ACCOUNT_EXISTS', 'the account exists');
      return [
        { type: 'AccountCreated', data: command.data },
        {
          type: 'AccountActivityRecorded',
          data: { day: utcDay(command.metadata.now), channel: command.data.source },
        },
      ];
    case 'UpdateProfile': {
      const account = existing(state);
      const changes = changedFields(account.profile, command.data);
      return Object.keys(changes).length === 0 ? [] : [{ type: 'AccountProfileUpdated', data: changes }];
    }
    case 'RecordActivity': {
      const account = existing(state);
      if (account.status === 'deactivated')
        throw new AccountError('ACCOUNT_DEACTIVATED', 'the account is deactivated');
      const day = utcDay(command.metadata.now);
      // At most one a day, and never backwards (a late report of an older day changes nothing):
      // the retention clock needs the newest day, not every request.
      return day <= account.lastActiveDay
        ? []
        : [{ type: 'AccountActivityRecorded', data: { day, channel: command.data.channel } }];
    }
    case 'Deactivate':
      return existing(state).status === 'deactivated'
        ? []
        : [{ type: 'AccountDeactivated', data: command.data }];
    case 'Reactivate':
      return existing(state).status === 'active' ? [] : [{ type: 'AccountReactivated', data: command.data }];
    case 'RequestDeletion': {
      const account = existing(state);
      // A second request while one is open joins it (DESIGN.md section 4.2).
      return account.deletionRequestId !== null
        ? []
        : [{ type: 'AccountDeletionRequested', data: command.data }];
    }
    case 'MarkErased':
      if (state.status === 'erased') return [];
      return [{ type: 'AccountErased', data: command.data }];
    default:
      return assertNever(command);
  }
}

function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountCreated': {
      const { source: _source, ...profile } = event.data;
      return { status: 'active', profile, lastActiveDay: '', deletionRequestId: null };
    }
    case 'AccountErased':
      return { status: 'erased', requestId: event.data.requestId };
    default:
      break;
  }
  if (state.status === 'none' || state.status === 'erased') return state; // nothing to change
  switch (event.type) {
    case 'AccountProfileUpdated':
      return { ...state, profile: { ...state.profile, ...event.data } };
    case 'AccountActivityRecorded':
      return { ...state, lastActiveDay: event.data.day };
    case 'AccountDeactivated':
      return { ...state, status: 'deactivated' };
    case 'AccountReactivated':
      return { ...state, status: 'active' };
    case 'AccountDeletionRequested':
      return { ...state, deletionRequestId: event.data.requestId };
    default:
      return assertNever(event);
  }
}

export const accountDecider: Decider<AccountCommand, AccountEvent, AccountState> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
