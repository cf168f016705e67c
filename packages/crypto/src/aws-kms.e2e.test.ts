import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';

import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { Db } from 'mongodb';

import { startLocalKms, testCaFile, testDatabase, type LocalKms } from '@lethe/test-harness';

import { createFieldCipher, type FieldAddress } from './field-cipher';
import { kekRing, localKek } from './kek';
import { keyEncryptionKeyFrom } from './kek-settings';
import { createKeyVault, KEY_VAULT_COLLECTIONS, rewrapSubjectKeys } from './key-vault';

// The KEK in a KMS (issue 11): subject keys wrapped and unwrapped by a KMS-compatible server over
// HTTPS, the wrap bound to its subject by KMS's encryption context, and a local KEK's keys moved
// into KMS by the same rotation that rotates local KEKs.

const address = (subjectId: string): FieldAddress => ({
  subjectId,
  context: 'test',
  recordId: 'r1',
  field: 'email',
});

describe('the key vault with its KEK in AWS KMS (local-kms)', () => {
  let kms: LocalKms;
  let db: Db;
  let drop: () => Promise<void>;
  let keyId: string;
  const settings = () =>
    ({ kind: 'aws-kms', keyId, region: 'eu-west-1', endpoint: kms.endpoint, retired: [] }) as const;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'lethe-test';
    process.env.AWS_SECRET_ACCESS_KEY = 'lethe-test';
    kms = await startLocalKms(path.dirname(testCaFile()));
    ({ db, drop } = await testDatabase('aws-kms'));
    const client = new KMSClient({
      region: 'eu-west-1',
      endpoint: kms.endpoint,
      requestHandler: { httpsAgent: new https.Agent({ ca: readFileSync(kms.caFile) }) },
    });
    keyId = (await client.send(new CreateKeyCommand({ Description: 'lethe test KEK' }))).KeyMetadata!.KeyId!;
    client.destroy();
  }, 360_000);

  afterAll(async () => {
    await drop();
    await kms.close();
  });

  it('wraps each subject key in KMS; another process opens the data through KMS', async () => {
    const kek = keyEncryptionKeyFrom(settings(), kms.caFile);
    expect(kek.id).toBe(`aws-kms:${keyId}`);
    const sealed = await createFieldCipher({ vault: createKeyVault({ db, kek }) }).encrypt(
      address('sub_k1'),
      'kms@example.com',
    );
    const stored = await db.collection(KEY_VAULT_COLLECTIONS.keys).findOne({ _id: 'sub_k1' as never });
    expect(stored?.kekId).toBe(`aws-kms:${keyId}`);

    const elsewhere = createFieldCipher({
      vault: createKeyVault({ db, kek: keyEncryptionKeyFrom(settings(), kms.caFile) }),
    });
    expect(await elsewhere.decrypt(address('sub_k1'), sealed)).toEqual({
      kind: 'value',
      value: 'kms@example.com',
    });
  });

  it("binds a wrapped key to its subject: KMS refuses it under another subject's context", async () => {
    const kek = keyEncryptionKeyFrom(settings(), kms.caFile);
    const wrapped = await kek.wrap(randomBytes(32), 'subject-key|sub_a');
    await expect(kek.unwrap(wrapped, 'subject-key|sub_b')).rejects.toMatchObject({
      code: 'CRYPTO_KEK_MISMATCH',
    });
  });

  it('moves keys from a local KEK into KMS with rotate-kek, the services reading throughout', async () => {
    const local = localKek(randomBytes(32).toString('base64'));
    const before = await createFieldCipher({ vault: createKeyVault({ db, kek: local }) }).encrypt(
      address('sub_k2'),
      'moved@example.com',
    );
    const ring = keyEncryptionKeyFrom({ ...settings(), retired: [] }, kms.caFile);
    const migrating = kekRing(ring, [local]);
    expect(await rewrapSubjectKeys({ db, kek: migrating })).toMatchObject({ rewrapped: 1, unknownKek: {} });
    const kmsOnly = createFieldCipher({
      vault: createKeyVault({ db, kek: keyEncryptionKeyFrom(settings(), kms.caFile) }),
    });
    expect(await kmsOnly.decrypt(address('sub_k2'), before)).toEqual({
      kind: 'value',
      value: 'moved@example.com',
    });
  });
});
