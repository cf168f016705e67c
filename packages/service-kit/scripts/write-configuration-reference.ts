// Rewrites docs/configuration.md from the catalog of LETHE_* variables.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { renderConfigurationReference } from '../src/configuration-reference';

const target = path.resolve(__dirname, '..', '..', '..', 'docs', 'configuration.md');
writeFileSync(target, renderConfigurationReference());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
