// Builds a workspace package (after `pnpm build`, whose declarations it bundles) into a
// publishable one that needs nothing from this repository: `<package>/package/` with a CommonJS
// bundle and its ESM entry, one bundled .d.ts, the event schemas,
// a package.json whose dependencies are only the npm packages the bundle imports, README and
// LICENSE. Lethe's internal packages (@lethe/*) are inlined, so a service installs one package
// and never a `workspace:` or `lethe-source` reference. Run from the package's directory:
//   node ../../tooling/publish/build-package.mjs
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

import { build } from 'esbuild';
import { generateDtsBundle } from 'dts-bundle-generator';

const root = path.resolve(import.meta.dirname, '..', '..');
const packageDir = process.cwd();
const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
const out = path.join(packageDir, 'package');
const entry = path.join(packageDir, 'src', 'index.ts');

const packageName = (specifier) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
const isBuiltin = (specifier) => specifier.startsWith('node:') || builtinModules.includes(specifier);

// Every workspace package's declared ranges: the bundle's externals take the range of whoever
// imports them, so the published package asks npm for what the code was tested with.
const declaredRanges = new Map();
for (const group of ['packages', 'services']) {
  for (const name of readdirSync(path.join(root, group))) {
    const file = path.join(root, group, name, 'package.json');
    if (!existsSync(file)) continue;
    const { dependencies = {} } = JSON.parse(readFileSync(file, 'utf8'));
    for (const [dependency, range] of Object.entries(dependencies))
      if (!range.startsWith('workspace:')) declaredRanges.set(dependency, range);
  }
}

/** @lethe/* is bundled (from source); every other bare import stays an npm dependency. */
const externalNpmPackages = {
  name: 'external-npm-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, ({ path: specifier }) => {
      if (specifier.startsWith('@lethe/') || isBuiltin(specifier)) return undefined;
      return { path: specifier, external: true };
    });
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(out, 'dist'), { recursive: true });

const common = {
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  target: 'node20',
  conditions: ['lethe-source'],
  plugins: [externalNpmPackages],
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
};
// One implementation, CommonJS, and an ESM wrapper that re-exports it by name (the Node.js
// documentation's dual-package pattern): no state is loaded twice, and the CommonJS
// dependencies (kafkajs, avsc) are required as they expect, never imported by name from ESM.
const cjs = await build({ ...common, format: 'cjs', outfile: path.join(out, 'dist', 'index.cjs') });
const esmShape = await build({ ...common, format: 'esm', write: false, outdir: path.join(out, 'dist') });
const [names] = Object.values(esmShape.metafile.outputs).map((output) => output.exports);
writeFileSync(
  path.join(out, 'dist', 'index.mjs'),
  `import lethe from './index.cjs';\n\nexport const { ${names.sort().join(', ')} } = lethe;\n`,
);

// From the declarations `pnpm build` emitted (dist/*.d.ts of this package and every @lethe/*
// one), with Lethe's own types inlined and npm packages' types left as imports.
const lethePackages = readdirSync(path.join(root, 'packages')).map((name) => `@lethe/${name}`);
const [types] = generateDtsBundle(
  [
    {
      filePath: path.join(packageDir, 'dist', 'index.d.ts'),
      output: { noBanner: true, exportReferencedTypes: false },
      libraries: { inlinedLibraries: lethePackages },
    },
  ],
  { preferredConfigPath: path.join(import.meta.dirname, 'tsconfig.types.json'), followSymlinks: true },
);
if (/['"]@lethe\//.test(types)) throw new Error('the bundled types still name a @lethe/* package');

// Dependencies: every npm package the bundle or its types import.
const imported = new Set();
for (const output of Object.values(cjs.metafile.outputs))
  for (const { path: specifier, external } of output.imports)
    if (external && !isBuiltin(specifier)) imported.add(packageName(specifier));
for (const [, specifier] of types.matchAll(/from ['"]([^'"]+)['"]/g))
  if (!isBuiltin(specifier)) imported.add(packageName(specifier));
const dependencies = {};
for (const name of [...imported].sort()) {
  const range = declaredRanges.get(name);
  if (!range) throw new Error(`${name} is imported by the bundle but declared by no workspace package`);
  dependencies[name] = range;
}
writeFileSync(path.join(out, 'dist', 'index.d.ts'), types);
writeFileSync(path.join(out, 'dist', 'index.d.cts'), types);

cpSync(path.join(root, 'packages', 'events', 'schemas'), path.join(out, 'schemas'), { recursive: true });
cpSync(path.join(packageDir, 'README.md'), path.join(out, 'README.md'));
cpSync(path.join(root, 'LICENSE'), path.join(out, 'LICENSE'));

const published = {
  name: manifest.name,
  version: manifest.version,
  description: manifest.description,
  license: manifest.license,
  keywords: manifest.keywords,
  type: 'module',
  main: './dist/index.cjs',
  module: './dist/index.mjs',
  types: './dist/index.d.ts',
  exports: {
    '.': {
      import: { types: './dist/index.d.ts', default: './dist/index.mjs' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  files: ['dist', 'schemas', 'README.md', 'LICENSE'],
  engines: { node: '>=20' },
  sideEffects: false,
  dependencies,
};
writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
console.log(
  `${manifest.name}@${manifest.version}: ${path.relative(root, out)} (${Object.keys(dependencies).join(', ')})`,
);
