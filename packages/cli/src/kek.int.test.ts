import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { createFieldCipher, createKeyVault, KEY_VAULT_COLLECTIONS, localKek } from '@lethe/crypto';
import { testDatabase, testServers } from '@lethe/test-harness';

import { loadCliConfig } from './config';
import { kekRotate, keysRotateKek } from './kek';

// The local KEK rotation as an operator runs it: `lethe kek rotate` (a new KEK, the old one kept
// as previous), services restarted with both, then `lethe keys rotate-kek` rewraps every key.

describe('lethe kek rotate and keys rotate-kek', () => {
  it('rewraps every subject key under the new KEK, and the new KEK alone opens the data', async () => {
    const { db, drop } = await testDatabase('cli-kek');
    const home = mkdtempSync(path.join(tmpdir(), 'lethe-kek-'));
    try {
      const oldKey = randomBytes(32).toString('base64');
      const env = {
        LETHE_HOME: home,
        LETHE_MONGO_URL: testServers().mongoUrl,
        LETHE_MONGO_DATABASE: db.databaseName,
      };
      const config = loadCliConfig(env);
      mkdirSync(path.dirname(config.kekFile), { recursive: true, mode: 0o700 });
      writeFileSync(config.kekFile, `${oldKey}\n`, { mode: 0o600 });
      const sealedBefore = await createFieldCipher({
        vault: createKeyVault({ db, kek: localKek(oldKey) }),
      }).encrypt(
        { subjectId: 'sub_cli', context: 'test', recordId: 'r1', field: 'email' },
        'cli@example.com',
      );

      kekRotate(config);
      const newKey = readFileSync(config.kekFile, 'utf8').trim();
      expect(newKey).not.toBe(oldKey);
      expect(readFileSync(config.retiredKekFile, 'utf8').trim()).toBe(oldKey);
      expect(await keysRotateKek(config)).toBe(0);

      const stored = await db.collection(KEY_VAULT_COLLECTIONS.keys).findOne({ _id: 'sub_cli' as never });
      expect(stored?.kekId).toBe(localKek(newKey).id);
      const opened = await createFieldCipher({
        vault: createKeyVault({ db, kek: localKek(newKey) }),
      }).decrypt({ subjectId: 'sub_cli', context: 'test', recordId: 'r1', field: 'email' }, sealedBefore);
      expect(opened).toEqual({ kind: 'value', value: 'cli@example.com' });
    } finally {
      await drop();
    }
  });
});
