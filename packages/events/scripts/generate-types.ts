// Writes src/generated/types.ts from the schemas. Run after adding a schema version.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { loadCatalog } from '../src/catalog';
import { generateTypes } from '../src/codegen';

const target = path.resolve(__dirname, '..', 'src', 'generated', 'types.ts');
writeFileSync(target, generateTypes(loadCatalog()));
console.log(`wrote ${target}`);
