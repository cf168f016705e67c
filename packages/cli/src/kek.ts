import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

import { MongoClient } from 'mongodb';

import { keyEncryptionKeyFrom, rewrapSubjectKeys } from '@lethe/crypto';

import type { CliConfig } from './config';

// Rotating the key-encryption key without downtime, in two halves:
//   1. every service runs with the new KEK and the old one beside it (LETHE_KEK=new,
//      LETHE_KEK_PREVIOUS=old): new keys are wrapped under the new KEK, and keys under either
//      still open (a rolling restart; instances on the old setting stay readable to the new);
//   2. `lethe keys rotate-kek` rewraps every subject key still under the old KEK;
// then LETHE_KEK_PREVIOUS is dropped at the next rollout and the old KEK destroyed.

/** `lethe kek rotate` (local stack): a new KEK in secrets/kek, the old one kept in kek.previous. */
export function kekRotate(config: CliConfig): void {
  if (!existsSync(config.kekFile))
    throw new Error(`no local KEK to rotate (${config.kekFile}): run ./lethe up`);
  const old = readFileSync(config.kekFile, 'utf8').trim();
  appendFileSync(config.retiredKekFile, `${old}\n`, { mode: 0o600 });
  writeFileSync(config.kekFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  console.log(
    `kek: a new key-encryption key in ${config.kekFile}; the old one kept in ${config.retiredKekFile}`,
  );
}

/**
 * `lethe keys rotate-kek`: rewraps under the current KEK every subject key still wrapped under
 * a retired one. Exit code 0 once every key is under the current KEK.
 */
export async function keysRotateKek(config: CliConfig): Promise<number> {
  if (!config.mongoUrl) throw new Error('LETHE_MONGO_URL is not set (./lethe env prints it)');
  const settings = config.kekSettings();
  const ring = keyEncryptionKeyFrom(settings, config.tlsCaFile);
  const retired = settings.retired.length;
  const mongo = await MongoClient.connect(config.mongoUrl);
  try {
    const report = await rewrapSubjectKeys({ db: mongo.db(config.mongoDatabase), kek: ring });
    const unknown = Object.entries(report.unknownKek);
    console.log(
      `keys rotate-kek: ${report.rewrapped} subject keys rewrapped under KEK ${ring.id}, ` +
        `${report.current} already under it (${retired} retired KEKs given)`,
    );
    for (const [kekId, count] of unknown)
      console.log(`  ${count} keys under KEK ${kekId}, which was not given: left as they are`);
    if (unknown.length > 0) return 1;
    console.log('every subject key is under the current KEK: the retired ones may be dropped and destroyed');
    return 0;
  } finally {
    await mongo.close();
  }
}
