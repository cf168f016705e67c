import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CryptoError } from './errors';
import {
  AES_128_GCM,
  AES_256_GCM,
  aeadSeal,
  hpkeOpenBase,
  hpkeSealBase,
  keySchedule,
  messageNonce,
  x25519PrivateFromRaw,
  x25519PublicFromRaw,
  x25519Raw,
} from './hpke';

interface Vector {
  aead_id: number;
  info: string;
  skRm: string;
  skEm: string;
  pkRm: string;
  pkEm: string;
  enc: string;
  shared_secret: string;
  key: string;
  base_nonce: string;
  encryptions: { sequence: number; aad: string; plaintext: string; ciphertext: string }[];
}

const { vectors } = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'hpke-rfc9180-vectors.json'), 'utf8'),
) as { vectors: Vector[] };
const hex = (value: string) => Buffer.from(value, 'hex');
const aeadOf = (id: number) => (id === 2 ? AES_256_GCM : AES_128_GCM);

describe.each(
  vectors.map((vector) => [vector.aead_id === 2 ? 'AES-256-GCM' : 'AES-128-GCM', vector] as const),
)('HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, %s: RFC 9180 test vector', (_name, vector) => {
  const aead = aeadOf(vector.aead_id);
  const recipient = x25519PrivateFromRaw(hex(vector.skRm));
  const ephemeral = x25519PrivateFromRaw(hex(vector.skEm));
  const first = vector.encryptions[0]!;

  it('derives the published keys, key schedule and first ciphertext', () => {
    expect(x25519Raw(createPublicKey(recipient)).toString('hex')).toBe(vector.pkRm);
    expect(x25519Raw(createPublicKey(ephemeral)).toString('hex')).toBe(vector.pkEm);
    const sealed = hpkeSealBase(
      createPublicKey(recipient),
      hex(vector.info),
      hex(first.aad),
      hex(first.plaintext),
      { aead, ephemeral },
    );
    expect(sealed.enc.toString('hex')).toBe(vector.enc);
    expect(sealed.ciphertext.toString('hex')).toBe(first.ciphertext);
  });

  it('computes every listed message of the context from the shared secret', () => {
    const { key, baseNonce } = keySchedule(aead, hex(vector.shared_secret), hex(vector.info));
    expect(key.toString('hex')).toBe(vector.key);
    expect(baseNonce.toString('hex')).toBe(vector.base_nonce);
    for (const { sequence, aad, plaintext, ciphertext } of vector.encryptions) {
      const sealed = aeadSeal(aead, key, messageNonce(baseNonce, sequence), hex(aad), hex(plaintext));
      expect(sealed.toString('hex')).toBe(ciphertext);
    }
  });

  it('opens the published ciphertext, and refuses it under another info or aad', () => {
    const published = { enc: hex(vector.enc), ciphertext: hex(first.ciphertext) };
    const opened = hpkeOpenBase(recipient, hex(vector.info), hex(first.aad), published, { aead });
    expect(opened.toString('hex')).toBe(first.plaintext);
    const codeOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return (error as CryptoError).code;
      }
      return 'opened';
    };
    expect(
      codeOf(() => hpkeOpenBase(recipient, Buffer.from('other'), hex(first.aad), published, { aead })),
    ).toBe('CRYPTO_BAD_TAG');
    expect(
      codeOf(() => hpkeOpenBase(recipient, hex(vector.info), Buffer.from('other'), published, { aead })),
    ).toBe('CRYPTO_BAD_TAG');
    expect(
      codeOf(() =>
        hpkeOpenBase(recipient, hex(vector.info), hex(first.aad), { ...published, enc: hex('00') }),
      ),
    ).toBe('CRYPTO_MALFORMED');
  });
});

describe('HPKE encapsulated keys', () => {
  it('round-trips a public key through its raw 32 bytes', () => {
    const raw = hex(vectors[0]!.pkRm);
    expect(x25519Raw(x25519PublicFromRaw(raw)).equals(raw)).toBe(true);
  });
});
