import { readFileSync } from 'node:fs';
import path from 'node:path';

import { AvroSchemaParser } from '@asyncapi/avro-schema-parser';
import { Parser } from '@asyncapi/parser';

import { loadCatalog } from '@lethe/events';
import { letheTopics, PRODUCTION_LAYOUT } from '@lethe/kafka';

import { asyncApiDocument, asyncApiYaml } from './asyncapi';

// The Kafka contract other services build on (issue 15): generated from the topic specs and the
// .avsc files, so docs/asyncapi.yaml cannot drift from them, and valid AsyncAPI 3 with every
// Avro payload checked by the AsyncAPI project's own parser.

/** Spectral's DiagnosticSeverity.Error: warnings and hints are advice, not invalidity. */
const ERROR = 0;
const DOCUMENT = path.resolve(__dirname, '..', '..', '..', 'docs', 'asyncapi.yaml');

describe('the AsyncAPI document', () => {
  it('is what `lethe asyncapi` makes from the topic specs and schemas (run it to update docs/asyncapi.yaml)', () => {
    expect(readFileSync(DOCUMENT, 'utf8')).toBe(asyncApiYaml());
  });

  it('is valid AsyncAPI 3, its Avro payloads included', async () => {
    const parser = new Parser();
    parser.registerSchemaParser(AvroSchemaParser());
    const { document, diagnostics } = await parser.parse(readFileSync(DOCUMENT, 'utf8'));
    const errors = diagnostics.filter((diagnostic) => Number(diagnostic.severity) === ERROR);
    expect(errors.map((error) => `${error.path.join('.')}: ${error.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
  }, 60_000);

  it('has every topic and every event type, with its key and the newest schema', () => {
    const document = asyncApiDocument() as {
      channels: Record<string, { address: string; messages: Record<string, unknown> }>;
      components: { messages: Record<string, { name: string; payload: { schema: { name?: string } } }> };
    };
    const addresses = Object.values(document.channels).map((channel) => channel.address);
    for (const spec of letheTopics(PRODUCTION_LAYOUT)) expect(addresses).toContain(spec.name);
    expect(addresses).toContain('lethe.erasure.tasks.{participantId}.v1');
    const named = new Set(Object.values(document.components.messages).map((message) => message.name));
    for (const schema of loadCatalog().schemas) expect(named).toContain(schema.type);
  });
});
