import type { FieldCipher } from '@lethe/crypto';
import type { StateCodec } from '@lethe/eventstore';

import type { AccountState, Profile } from '../account/model';

export const ACCOUNT_STREAMS = 'account_streams';

type SealedProfile = { [K in keyof Profile]: null extends Profile[K] ? Buffer | null : Buffer };

/** The account state at rest: the same shape, with every profile field sealed. */
export type StoredAccountState =
  | { readonly status: 'none' }
  | { readonly status: 'erased'; readonly requestId: string }
  | {
      readonly status: 'active' | 'deactivated';
      readonly profile: SealedProfile;
      readonly lastActiveDay: string;
      readonly deletionRequestId: string | null;
    };

const FIELDS = ['email', 'name', 'phone', 'timezone'] as const;

/** A value that does not open (erased key, tampering) cannot become account state. */
export class SealedStateUnreadable extends Error {
  override readonly name = 'SealedStateUnreadable';
  readonly code = 'ACCOUNT_STATE_UNREADABLE';
  readonly retriable = false;
}

export function accountStateCodec(cipher: FieldCipher): StateCodec<AccountState, StoredAccountState> {
  const address = (subjectId: string, field: string) => ({
    subjectId,
    context: ACCOUNT_STREAMS,
    recordId: subjectId,
    field,
  });
  return {
    async toStored(subjectId, state) {
      if (state.status === 'none' || state.status === 'erased') return state;
      const sealed: Record<string, Buffer | null> = {};
      for (const field of FIELDS) {
        const value = state.profile[field];
        sealed[field] = value === null ? null : await cipher.encrypt(address(subjectId, field), value);
      }
      return { ...state, profile: sealed as SealedProfile };
    },
    async fromStored(subjectId, stored) {
      if (stored.status === 'none' || stored.status === 'erased') return stored;
      const profile: Record<string, string | null> = {};
      for (const field of FIELDS) {
        const value = stored.profile[field];
        if (value === null || value === undefined) {
          profile[field] = null;
          continue;
        }
        const opened = await cipher.decrypt(
          address(subjectId, field),
          Buffer.isBuffer(value) ? value : Buffer.from((value as { buffer: Uint8Array }).buffer),
        );
        if (opened.kind !== 'value')
          throw new SealedStateUnreadable(`the ${field} of an account does not open (${opened.kind})`);
        profile[field] = opened.value;
      }
      return { ...stored, profile: profile as unknown as Profile };
    },
  };
}
