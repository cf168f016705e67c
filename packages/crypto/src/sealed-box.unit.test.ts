import { CryptoError } from './errors';
import { hpkeOpenBase } from './hpke';
import {
  generateSealingKeys,
  legacySealingAccepted,
  LEGACY_SEALING_UNTIL_DEFAULT,
  openSealed,
  openSealedField,
  sealFieldTo,
  sealingPrivateKeyFrom,
  sealingPublicKeyFrom,
  SEALED_BOX_INFO,
  sealTo,
  sealToLegacyV1,
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

describe('sealed box (HPKE: X25519, HKDF-SHA256, AES-256-GCM)', () => {
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

describe('the transition from the pre-HPKE format', () => {
  const keys = generateSealingKeys();
  const publicKey = sealingPublicKeyFrom(keys.publicKey);
  const privateKey = sealingPrivateKeyFrom(keys.privateKey);

  it('seals with HPKE (version 2): enc and ciphertext open with the plain RFC 9180 OpenBase', () => {
    const sealed = sealTo(publicKey, Buffer.from('ada@example.com'), aad);
    expect(sealed[0]).toBe(2);
    const opened = hpkeOpenBase(privateKey, SEALED_BOX_INFO, aad, {
      enc: sealed.subarray(1, 33),
      ciphertext: sealed.subarray(33),
    });
    expect(opened.toString()).toBe('ada@example.com');
  });

  it('opens version 1 only while the caller accepts it, then names it retired', () => {
    const legacy = sealToLegacyV1(publicKey, Buffer.from('ada@example.com'), aad);
    expect(legacy[0]).toBe(1);
    expect(openSealed(privateKey, legacy, aad, { acceptLegacy: true }).toString()).toBe('ada@example.com');
    expect(codeOf(() => openSealed(privateKey, legacy, Buffer.from('x'), { acceptLegacy: true }))).toBe(
      'CRYPTO_BAD_TAG',
    );
    expect(codeOf(() => openSealed(privateKey, legacy, aad))).toBe('CRYPTO_FORMAT_RETIRED');
  });

  it('ends the transition at the stated instant', () => {
    const until = new Date(LEGACY_SEALING_UNTIL_DEFAULT);
    expect(legacySealingAccepted(new Date(until.getTime() - 1), until)).toBe(true);
    expect(legacySealingAccepted(until, until)).toBe(false);
  });
});
