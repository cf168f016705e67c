import type { CliConfig } from './config';
import { mintToken } from './auth';

/**
 * `lethe keys reconcile`: after a key-vault backup is restored, asks the erasure service to shred
 * again every key the erasure log says was shredded (it also does this at each start).
 */
export async function keysReconcile(config: CliConfig): Promise<number> {
  const token = mintToken(config, ['--scope', 'operator', '--ttl', '60', '--name', 'lethe-cli']);
  const response = await config.serviceFetch(`${config.erasureUrl}/v1/key-vault/reconcile`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { checked?: number; reapplied?: number; detail?: string };
  if (!response.ok) {
    console.error(`keys reconcile: the erasure service answered ${response.status}: ${body.detail ?? ''}`);
    return 1;
  }
  console.log(
    `keys reconcile: ${body.checked} erased subjects checked, ${body.reapplied} keys found again and shredded`,
  );
  return 0;
}
