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
    // Services get the public half from a file of its own, never the signing key's file.
    const publicKey = readFileSync(config.authPublicKeysFile, 'utf8').trim();
    expect(publicKey).not.toContain('privateKey');

    const policy = { publicKeys: [publicKeyFrom(publicKey)], issuer: 'lethe', audience: 'consent' };
    const claims = verifyToken(policy, token, NOW / 1000);
    expect(claims).toMatchObject({
      scope: ['subject'],
      subjectId: 'sub_9',
      exp: NOW / 1000 + 60,
      iss: 'lethe',
    });
    expect(claims.aud).toEqual(['account', 'consent', 'retention', 'erasure', 'audit']);
    const forAccountOnly = mintToken(config, ['--scope', 'operator', '--aud', 'account'], NOW);
    expect(() => verifyToken(policy, forAccountOnly, NOW / 1000)).toThrow(/not for this service/);
  });

  it('refuses a lifetime longer than the scope allows, and a token for nobody', () => {
    expect(() => mintToken(config, ['--scope', 'subject', '--subject', 's', '--ttl', '7200'])).toThrow(
      /at most 3600/,
    );
    expect(() => mintToken(config, ['--scope', 'operator', '--name', ' '])).toThrow(/--name/);
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
