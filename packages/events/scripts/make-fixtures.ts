// Writes a sample payload for every schema version that has none yet: fixtures/<Type>.v<N>.json
// (Avro JSON) and .bin (Avro binary). Existing fixtures are never rewritten: they freeze the
// wire format, and src/fixtures.test.ts decodes every one of them.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { loadCatalog } from '../src/catalog';
import { FIXTURES_DIR, sampleValue } from './sample';

mkdirSync(FIXTURES_DIR, { recursive: true });
for (const entry of loadCatalog().schemas) {
  const base = path.join(FIXTURES_DIR, `${entry.type}.v${entry.version}`);
  if (existsSync(`${base}.json`)) continue;
  const value = sampleValue(entry.schema, entry.type, entry.version);
  writeFileSync(`${base}.json`, JSON.stringify(JSON.parse(entry.avroType.toString(value)), null, 2) + '\n');
  writeFileSync(`${base}.bin`, entry.avroType.toBuffer(value));
  console.log(`wrote ${base}.{json,bin}`);
}
