import { CryptoError } from './errors';
import {
  generateSealingKeys,
  openSealed,
  openSealedField,
  sealFieldTo,
  sealingPrivateKeyFrom,
  sealingPublicKeyFrom,
  sealTo,
} from './sealed-box';

const aad = Buffer.from('lethe.account.ingest.v1|sub_1|evt_1|email');

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof CryptoError ? error.code : `not a CryptoError: ${String(error)}`;
  }
  return undefined;
}

describe('sealed box (X25519 + HKDF + AES-256-GCM)', () => {
  const keys = generateSealingKeys();
  const publicKey = sealingPublicKeyFrom(keys.publicKey);
  const privateKey = sealingPrivateKeyFrom(keys.privateKey);

  it('opens with the private key and hides the plaintext', () => {
    const sealed = sealTo(publicKey, Buffer.from('ada@example.com'), aad);
    expect(sealed.toString('latin1')).not.toContain('ada@example.com');
    expect(openSealed(privateKey, sealed, aad).toString()).toBe('ada@example.com');
    // A fresh ephemeral key each time: the same value never seals to the same bytes.
    expect(sealTo(publicKey, Buffer.from('ada@example.com'), aad).equals(sealed)).toBe(false);
  });

  it('refuses another key, another context and a changed byte', () => {
    const sealed = sealTo(publicKey, Buffer.from('ada@example.com'), aad);
    const other = sealingPrivateKeyFrom(generateSealingKeys().privateKey);
    expect(codeOf(() => openSealed(other, sealed, aad))).toBe('CRYPTO_BAD_TAG');
    expect(codeOf(() => openSealed(privateKey, sealed, Buffer.from('other|aad')))).toBe('CRYPTO_BAD_TAG');
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 1;
    expect(codeOf(() => openSealed(privateKey, flipped, aad))).toBe('CRYPTO_BAD_TAG');
    expect(codeOf(() => openSealed(privateKey, Buffer.from([1, 2, 3]), aad))).toBe('CRYPTO_MALFORMED');
  });

  it('names a key that is not X25519 without echoing it', () => {
    expect(codeOf(() => sealingPublicKeyFrom('bm90IGEga2V5'))).toBe('CRYPTO_CONFIG_INVALID');
    expect(codeOf(() => sealingPrivateKeyFrom(keys.publicKey))).toBe('CRYPTO_CONFIG_INVALID');
  });
});

describe('sealed fields', () => {
  const keys = generateSealingKeys();
  const address = {
    subjectId: 'sub_1',
    context: 'lethe.account.ingest.v1',
    recordId: 'evt_1',
    field: 'email',
  };

  it('open only at the address they were sealed for', () => {
    const sealed = sealFieldTo(sealingPublicKeyFrom(keys.publicKey), address, 'ada@example.com');
    const privateKey = sealingPrivateKeyFrom(keys.privateKey);
    expect(openSealedField(privateKey, address, sealed)).toBe('ada@example.com');
    expect(codeOf(() => openSealedField(privateKey, { ...address, subjectId: 'sub_2' }, sealed))).toBe(
      'CRYPTO_BAD_TAG',
    );
    expect(codeOf(() => openSealedField(privateKey, { ...address, field: 'name' }, sealed))).toBe(
      'CRYPTO_BAD_TAG',
    );
  });
});
