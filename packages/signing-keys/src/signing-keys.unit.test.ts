import { createPublicKey } from 'node:crypto';

import {
  generateSigningKeys,
  keyId,
  keyWithId,
  privateKeyFrom,
  publicKeyFrom,
  publicKeysFrom,
} from './index';

describe('signing keys', () => {
  const pair = generateSigningKeys();
  const other = generateSigningKeys();

  it('names a private key and its public half by the same id, and different keys differently', () => {
    const privateKey = privateKeyFrom(pair.privateKey);
    expect(keyId(privateKey)).toBe(keyId(publicKeyFrom(pair.publicKey)));
    expect(keyId(createPublicKey(privateKey))).toBe(keyId(privateKey));
    expect(keyId(publicKeyFrom(other.publicKey))).not.toBe(keyId(privateKey));
  });

  it('reads a comma-separated list with spaces and finds a key by its id', () => {
    const keys = publicKeysFrom(` ${pair.publicKey} ,, ${other.publicKey},`);
    expect(keys).toHaveLength(2);
    expect(keyWithId(keys, keyId(publicKeyFrom(other.publicKey)))).toBe(keys[1]);
    expect(keyWithId(keys, 'not-a-key-id')).toBeUndefined();
  });

  it('refuses a value that is not a key', () => {
    expect(() => publicKeysFrom('bm90IGEga2V5')).toThrow();
  });
});
