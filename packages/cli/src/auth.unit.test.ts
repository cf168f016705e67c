import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';

import { publicKeyFrom, verifyToken } from '@lethe/service-kit';

import { authInit, mintToken } from './auth';
import { loadCliConfig } from './config';

describe('lethe token', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'lethe-auth-'));
  const config = loadCliConfig({ LETHE_HOME: home });
  const NOW = Date.UTC(2026, 10, 27);

  beforeAll(() => authInit(config));

  it('mints a token that services holding the public key accept, with the asked scope and subject', () => {
    const token = mintToken(config, ['--scope', 'subject', '--subject', 'sub_9', '--ttl', '60'], NOW);
    const { publicKey } = JSON.parse(readFileSync(config.authKeyFile, 'utf8')) as { publicKey: string };

    const claims = verifyToken([publicKeyFrom(publicKey)], token, NOW / 1000);
    expect(claims).toMatchObject({ scope: ['subject'], subjectId: 'sub_9', exp: NOW / 1000 + 60 });
  });

  it('refuses unknown scopes and a subject token without a subject', () => {
    expect(() => mintToken(config, ['--scope', 'root'])).toThrow(/one or more of/);
    expect(() => mintToken(config, ['--scope', 'subject'])).toThrow(/--subject/);
  });

  it('keeps an existing key: a second init changes nothing', () => {
    const before = readFileSync(config.authKeyFile, 'utf8');
    authInit(config);
    expect(readFileSync(config.authKeyFile, 'utf8')).toBe(before);
  });
});
