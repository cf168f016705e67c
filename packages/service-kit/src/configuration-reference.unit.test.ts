import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { CONFIG_VARIABLES, renderConfigurationReference } from './configuration-reference';

// The reference cannot drift from the code: every LETHE_* name the code or the local stack's
// scripts mention is in the catalog, every catalog entry is still mentioned somewhere, and
// docs/configuration.md is exactly what the catalog renders.

const REPO = path.resolve(__dirname, '..', '..', '..');
const SERVICE_NAMES = ['ACCOUNT', 'CONSENT', 'RETENTION', 'ERASURE', 'AUDIT', 'PORTAL'];
/** Constants that look like variables. */
const NOT_VARIABLES = new Set(['LETHE_SERVICES']);

function filesUnder(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (entry === 'node_modules' || entry === 'generated' || entry === 'dist') return [];
    if (statSync(full).isDirectory()) return filesUnder(full, keep);
    return keep(full) ? [full] : [];
  });
}

const isSource = (file: string) => /\.(ts|mjs|sh)$/.test(file) && !/\.test\.ts$/.test(file);

function sourceFiles(): string[] {
  const roots = ['packages', 'services'].flatMap((top) =>
    readdirSync(path.join(REPO, top)).map((name) => path.join(REPO, top, name, 'src')),
  );
  return [
    ...roots.flatMap((root) => filesUnder(root, isSource)),
    ...filesUnder(path.join(REPO, 'deploy', 'local'), isSource),
    path.join(REPO, 'lethe'),
  ].filter((file) => !file.endsWith('configuration-reference.ts'));
}

/** The catalog's names, with `<SERVICE>` spelled out for each service. */
function catalogNames(): Set<string> {
  return new Set(
    CONFIG_VARIABLES.flatMap((v) =>
      v.name.includes('<SERVICE>') ? SERVICE_NAMES.map((s) => v.name.replace('<SERVICE>', s)) : [v.name],
    ),
  );
}

describe('the configuration reference', () => {
  const mentioned = new Map<string, string>();
  for (const file of sourceFiles()) {
    for (const [name] of readFileSync(file, 'utf8').matchAll(/LETHE_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_*])/g)) {
      if (!NOT_VARIABLES.has(name) && !mentioned.has(name)) mentioned.set(name, path.relative(REPO, file));
    }
  }

  it('names every variable the code and the local stack read', () => {
    const catalog = catalogNames();
    const undocumented = [...mentioned].filter(([name]) => !catalog.has(name)).map(([n, f]) => `${n} (${f})`);
    expect(undocumented).toEqual([]);
  });

  it('names no variable that nothing reads any more', () => {
    const stale = CONFIG_VARIABLES.filter((v) =>
      v.name.includes('<SERVICE>')
        ? !SERVICE_NAMES.some((s) => mentioned.has(v.name.replace('<SERVICE>', s))) &&
          !readFileSync(path.join(REPO, 'packages/service-kit/src/config.ts'), 'utf8').includes(
            v.name.replace('LETHE_<SERVICE>', '`LETHE_${upper}'),
          )
        : !mentioned.has(v.name),
    ).map((v) => v.name);
    expect(stale).toEqual([]);
  });

  it('is what docs/configuration.md says (pnpm config-reference rewrites it)', () => {
    const written = readFileSync(path.join(REPO, 'docs', 'configuration.md'), 'utf8');
    expect(written).toBe(renderConfigurationReference());
  });

  it('lists each variable once', () => {
    const names = CONFIG_VARIABLES.map((v) => v.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });
});
