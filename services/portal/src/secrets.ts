import { createHmac, type KeyObject } from 'node:crypto';

/**
 * The portal's symmetric keys, derived from its signing key (HMAC-SHA256 of a label under the
 * key's PKCS#8 bytes, one key per use): one secret to manage and rotate, not three.
 */
export function portalSecrets(signingKey: KeyObject): { signIn: Buffer; notices: Buffer; console: Buffer } {
  const root = signingKey.export({ type: 'pkcs8', format: 'der' });
  const derive = (label: string) => createHmac('sha256', root).update(`lethe:portal:${label}`).digest();
  return {
    signIn: derive('sign-in'),
    notices: derive('completion-notices'),
    console: derive('console-sessions'),
  };
}
