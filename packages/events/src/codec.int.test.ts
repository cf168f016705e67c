import { mkdtempSync, mkdirSync, copyFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { testServers, uniqueName } from '@lethe/test-harness';

import { loadCatalog, SCHEMAS_DIR } from './catalog';
import { createEventCodec, createSchemaRegistry } from './codec';
import { makeEvent } from './envelope';
import { EventsError } from './errors';

const registry = () =>
  createSchemaRegistry(testServers().registryUrl, { caFile: testServers().security.LETHE_TLS_CA_FILE });

const scratchTopic = () => `lethe.${uniqueName('scratch')}.v1`;

/** A catalog of one made-up topic (its own registry subjects) holding the given versions. */
function scratchCatalog(topic: string, versions: Record<string, object[]>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'lethe-schemas-'));
  copyFileSync(path.join(SCHEMAS_DIR, 'envelope.v1.avsc'), path.join(dir, 'envelope.v1.avsc'));
  mkdirSync(path.join(dir, topic));
  for (const [file, dataFields] of Object.entries(versions)) {
    const name = file.split('.')[0]!;
    writeFileSync(
      path.join(dir, topic, file),
      JSON.stringify({
        type: 'record',
        name,
        namespace: 'lethe.scratch.v1',
        fields: [
          { name: 'envelope', type: 'lethe.v1.Envelope' },
          { name: 'data', type: { type: 'record', name: `${name}Data`, fields: dataFields } },
        ],
      }),
    );
  }
  return loadCatalog(dir);
}

const envelope = (type: string) => ({
  eventId: '2f0c3b1a-9d8e-4f7a-b6c5-d4e3f2a1b0c9',
  type,
  subjectId: 'sub_1',
  occurredAt: 1_700_000_000_000,
  correlationId: 'corr_1',
  causationId: null,
  producer: 'test',
  schemaVersion: 1,
});

describe('the event codec against the real registry', () => {
  it('round-trips every event type in the Confluent wire format', async () => {
    const codec = createEventCodec({ registry: registry(), catalog: loadCatalog() });
    const event = makeEvent(
      'AccountCreated',
      { subjectId: 'sub_42', correlationId: 'corr_42', producer: 'account', occurredAt: 1_764_000_000_000 },
      {
        email: Buffer.from([1, 2, 3]),
        name: Buffer.from([4, 5]),
        phone: null,
        timezone: null,
        source: 'http',
      },
    );

    const bytes = await codec.encode(event);
    expect(bytes.readUInt8(0)).toBe(0);
    const { event: decoded, schemaId } = await codec.decode(bytes);

    expect(schemaId).toBe(bytes.readInt32BE(1));
    expect(decoded).toEqual(event);
  });

  it('refuses an invalid event by naming the field, not its value', async () => {
    const codec = createEventCodec({ registry: registry(), catalog: loadCatalog() });
    const bad = {
      envelope: envelope('AccountCreated'),
      data: { email: 'ada@example.com', name: Buffer.from('x'), phone: null, timezone: null, source: 'http' },
    };

    const error = await codec.encode(bad as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventsError);
    expect((error as EventsError).code).toBe('EVENTS_INVALID_EVENT');
    expect((error as Error).message).toContain('data.email');
    expect((error as Error).message).not.toContain('ada@example.com');
  });

  it('refuses bytes that are not in the wire format', async () => {
    const codec = createEventCodec({ registry: registry(), catalog: loadCatalog() });
    await expect(codec.decode(Buffer.from('{"json": true}'))).rejects.toMatchObject({
      code: 'EVENTS_NOT_WIRE_FORMAT',
    });
  });

  it('accepts a backward-compatible new version and upcasts old records to it', async () => {
    const v1 = [{ name: 'note', type: 'string' }];
    const v2 = [...v1, { name: 'channel', type: 'string', default: 'web' }];
    const topic = scratchTopic();
    const oldCatalog = scratchCatalog(topic, { 'Noted.v1.avsc': v1 });
    const newCatalog = scratchCatalog(topic, { 'Noted.v1.avsc': v1, 'Noted.v2.avsc': v2 });

    const writer = createEventCodec({ registry: registry(), catalog: oldCatalog });
    const oldBytes = await writer.encode({ envelope: envelope('Noted'), data: { note: 'hello' } } as never);

    const reader = createEventCodec({ registry: registry(), catalog: newCatalog });
    await reader.registerAll(); // v2 registers on the same subject: BACKWARD accepts it

    const { event } = await reader.decode(oldBytes);
    expect(event.data).toEqual({ note: 'hello', channel: 'web' });
  });

  it('gives up on a registry that accepts connections but never answers, with a retriable error', async () => {
    const silent = net.createServer(() => undefined); // holds every connection open, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const codec = createEventCodec({
        registry: createSchemaRegistry(`http://127.0.0.1:${port}`, { timeoutMs: 200 }),
        catalog: loadCatalog(),
      });
      const error = await codec.registerAll().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'EVENTS_REGISTRY_UNAVAILABLE', retriable: true });
    } finally {
      silent.close();
    }
  });

  it('rejects an incompatible new version', async () => {
    const v1 = [{ name: 'note', type: 'string' }];
    const v2 = [
      { name: 'note', type: 'string' },
      { name: 'required', type: 'long' },
    ]; // no default
    const catalog = scratchCatalog(scratchTopic(), { 'Noted.v1.avsc': v1, 'Noted.v2.avsc': v2 });
    const codec = createEventCodec({ registry: registry(), catalog });

    await expect(codec.registerAll()).rejects.toMatchObject({ code: 'EVENTS_SCHEMA_REJECTED' });
  });
});
