import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

// Token keys and task keys are both Ed25519, configured as base64 DER and named by the same id
// (a token's `kid`, a task signature's `keyId`), so a rotation works the same way for both.

// Keys are loaded once and then looked up on every token or task: remember each one's id.
const ids = new WeakMap<KeyObject, string>();

/** A key's id: the start of the SHA-256 of its public half's SPKI DER. */
export function keyId(key: KeyObject): string {
  let id = ids.get(key);
  if (id === undefined) {
    const publicKey = key.type === 'private' ? createPublicKey(key) : key;
    const der = publicKey.export({ type: 'spki', format: 'der' });
    id = createHash('sha256').update(der).digest('base64url').slice(0, 16);
    ids.set(key, id);
  }
  return id;
}

/** The key among `keys` whose id is `id`, if any. */
export function keyWithId(keys: readonly KeyObject[], id: unknown): KeyObject | undefined {
  return keys.find((candidate) => keyId(candidate) === id);
}

export function privateKeyFrom(base64Der: string): KeyObject {
  return createPrivateKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'pkcs8' });
}

export function publicKeyFrom(base64Der: string): KeyObject {
  return createPublicKey({ key: Buffer.from(base64Der, 'base64'), format: 'der', type: 'spki' });
}

/** Comma-separated base64 SPKI DER keys (several while a key is rotated); throws on a bad one. */
export function publicKeysFrom(list: string): KeyObject[] {
  return list
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '')
    .map(publicKeyFrom);
}

/** A new Ed25519 pair as base64 DER: PKCS#8 for the private half, SPKI for the public one. */
export function generateSigningKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}
