import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { generateSigningKeys } from '@lethe/signing-keys';

import { ConfigError, loadServiceConfig } from './config';

// How a service finds what it serves HTTPS with: PEM in the environment, files it names, the
// local stack's, and plain HTTP only when asked for by name.

const SERVICE = { name: 'consent', defaultPort: 3002 };
const home = mkdtempSync(path.join(tmpdir(), 'lethe-config-'));
const keys = generateSigningKeys();
const base: NodeJS.ProcessEnv = {
  LETHE_HOME: home,
  LETHE_KEK: Buffer.alloc(32, 1).toString('base64'),
  LETHE_AUTH_PUBLIC_KEYS: keys.publicKey,
  LETHE_TASK_PUBLIC_KEYS: keys.publicKey,
};

describe('a service configuration', () => {
  it('refuses to start without a certificate, naming the variable', () => {
    expect(() => loadServiceConfig(SERVICE, base)).toThrow(ConfigError);
    expect(() => loadServiceConfig(SERVICE, base)).toThrow(/LETHE_TLS_CERT_FILE/);
  });

  it('takes PEM from the environment', () => {
    const config = loadServiceConfig(SERVICE, {
      ...base,
      LETHE_TLS_CERT: 'CERT PEM',
      LETHE_TLS_KEY: 'KEY PEM',
    });
    expect(config.https).toEqual({ cert: 'CERT PEM', key: 'KEY PEM' });
  });

  it('reads the files named', () => {
    const certFile = path.join(home, 'given.crt');
    writeFileSync(certFile, 'GIVEN CERT');
    const keyFile = path.join(home, 'given.key');
    writeFileSync(keyFile, 'GIVEN KEY');
    const named = loadServiceConfig(SERVICE, {
      ...base,
      LETHE_TLS_CERT_FILE: certFile,
      LETHE_TLS_KEY_FILE: keyFile,
    });
    expect(named.https).toEqual({ cert: 'GIVEN CERT', key: 'GIVEN KEY' });
  });

  it('serves plain HTTP only with LETHE_HTTP_TLS=off, and refuses other values', () => {
    expect(loadServiceConfig(SERVICE, { ...base, LETHE_HTTP_TLS: 'off' }).https).toBeUndefined();
    expect(() => loadServiceConfig(SERVICE, { ...base, LETHE_HTTP_TLS: 'no' })).toThrow(/LETHE_HTTP_TLS/);
  });
});
