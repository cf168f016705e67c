import { readFileSync } from 'node:fs';
import https from 'node:https';

import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import TimeoutMiddleware from 'mappersmith/middleware/timeout';

import type { EventCatalog, EventSchema } from './catalog';
import { EventsError } from './errors';
import type { LetheEvent } from './generated/types';

// Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, then Avro.
const MAGIC_BYTE = 0;
const HEADER_LENGTH = 5;

export interface DecodedEvent {
  readonly event: LetheEvent;
  /** The registry id of the schema the producer wrote with. */
  readonly schemaId: number;
}

export interface EventCodec {
  /** Registers every schema version in the catalog, oldest first (idempotent). */
  registerAll(): Promise<RegisteredSchema[]>;
  encode(event: LetheEvent): Promise<Buffer>;
  /** Decodes any version of a known event to the newest local version of its schema. */
  decode(buffer: Buffer): Promise<DecodedEvent>;
}

export interface RegisteredSchema {
  readonly subject: string;
  readonly version: number;
  readonly schemaId: number;
}

export interface EventCodecDeps {
  registry: SchemaRegistry;
  catalog: EventCatalog;
}

/** Per request. Without it a registry that stops answering mid-request hangs its caller. */
export const REGISTRY_TIMEOUT_MS = 5_000;
const REGISTRY_ATTEMPTS = 4;

export interface RegistryClientOptions {
  timeoutMs?: number;
  /** The CA an https:// registry's certificate chains to (LETHE_TLS_CA_FILE). */
  caFile?: string | undefined;
}

/**
 * A registry client. Credentials travel in the URL, as for MongoDB and Redis
 * (`https://user:password@host:8081/apis/ccompat/v7`), and go out as HTTP Basic.
 */
export function createSchemaRegistry(
  url: string,
  { timeoutMs = REGISTRY_TIMEOUT_MS, caFile }: RegistryClientOptions = {},
): SchemaRegistry {
  const parsed = new URL(url);
  const auth = parsed.username
    ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) }
    : undefined;
  parsed.username = '';
  parsed.password = '';
  const secure = parsed.protocol === 'https:';
  return new SchemaRegistry({
    host: parsed.toString().replace(/\/$/, ''),
    clientId: 'lethe',
    middlewares: [TimeoutMiddleware(timeoutMs)],
    ...(auth ? { auth } : {}),
    // An https:// registry under a private CA: trust that CA (and only it).
    ...(secure && caFile ? { agent: new https.Agent({ ca: readFileSync(caFile), keepAlive: true }) } : {}),
  });
}

/** Registry calls are idempotent (register and lookups), so a timed-out or failed one is repeated. */
async function withRetry<T>(call: () => Promise<T>, what: string): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const translated = registryError(error, what);
      if (!translated.retriable || attempt >= REGISTRY_ATTEMPTS) throw translated;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Translates a registry client failure into the package's error family. */
export function registryError(error: unknown, what: string): EventsError {
  if (error instanceof EventsError) return error;
  const status = statusOf(error);
  if (
    status === 409 ||
    status === 422 ||
    (error as Error)?.name === 'ConfluentSchemaRegistryCompatibilityError'
  ) {
    return new EventsError(
      'EVENTS_SCHEMA_REJECTED',
      `the registry rejected ${what} (HTTP ${status ?? '-'})`,
      { cause: error },
    );
  }
  if (status === 401 || status === 403)
    return new EventsError(
      'EVENTS_REGISTRY_DENIED',
      `the registry refused ${what} to these credentials (HTTP ${status})`,
      { cause: error },
    );
  if (status === 404)
    return new EventsError('EVENTS_UNKNOWN_SCHEMA_ID', `the registry does not know ${what}`, {
      cause: error,
    });
  return new EventsError('EVENTS_REGISTRY_UNAVAILABLE', `the registry failed on ${what}`, { cause: error });
}

/**
 * Caches each key's promise; a failed one is forgotten, so the next call tries again (a
 * registry that was down is asked again, not remembered as down).
 */
function promiseCache<K, V>(): (key: K, make: () => Promise<V>) => Promise<V> {
  const cache = new Map<K, Promise<V>>();
  return (key, make) => {
    let value = cache.get(key);
    if (!value) {
      value = make().catch((error: unknown) => {
        cache.delete(key);
        throw error;
      });
      cache.set(key, value);
    }
    return value;
  };
}

/**
 * A schema version's id: looked up, and registered only when the registry does not have it.
 * Services read with reader credentials, so in production they find what `lethe schemas
 * register` put there and never write; with writer credentials (the CLI, tests) a missing
 * version is registered (idempotent in the registry).
 */
async function registerSchema(registry: SchemaRegistry, entry: EventSchema): Promise<number> {
  const schema = { type: SchemaType.AVRO, schema: JSON.stringify(entry.schema) } as const;
  const found = await withRetry(async () => {
    try {
      return await registry.getRegistryIdBySchema(entry.subject, schema);
    } catch (error) {
      // The client throws this class, without a status, for "not registered" (404) alone.
      if ((error as Error)?.name === 'ConfluentSchemaRegistryError') return undefined;
      throw error;
    }
  }, `schema ${entry.subject}`);
  if (found !== undefined) return found;
  const registered = await withRetry(
    () => registry.register(schema, { subject: entry.subject }),
    `schema ${entry.subject}`,
  );
  return registered.id;
}

/** How to read what a writer schema wrote: resolved to the newest local version (the upcast). */
async function readerOf(registry: SchemaRegistry, catalog: EventCatalog, schemaId: number) {
  const writer = await withRetry(() => registry.getSchema(schemaId), `schema id ${schemaId}`);
  const writerType = writer as unknown as avro.Type;
  const local = writerType.name ? catalog.byFullName(writerType.name) : undefined;
  if (!local) {
    throw new EventsError(
      'EVENTS_UNKNOWN_TYPE',
      `schema id ${schemaId} is ${writerType.name ?? 'unnamed'}, not a known event`,
    );
  }
  // Resolving an older writer to the newest reader is how old versions are upcast.
  const resolver = local.avroType.createResolver(writerType);
  return {
    reader: local,
    read: (buf: Buffer): unknown => local.avroType.fromBuffer(buf, resolver) as unknown,
  };
}

export function createEventCodec({ registry, catalog }: EventCodecDeps): EventCodec {
  const schemaIds = promiseCache<string, number>();
  const readers = promiseCache<number, Awaited<ReturnType<typeof readerOf>>>();
  const schemaIdOf = (entry: EventSchema) =>
    schemaIds(`${entry.subject}#v${entry.version}`, () => registerSchema(registry, entry));
  const readerFor = (schemaId: number) => readers(schemaId, () => readerOf(registry, catalog, schemaId));

  return {
    async registerAll() {
      const registered: RegisteredSchema[] = [];
      const oldestFirst = [...catalog.schemas].sort((a, b) => a.version - b.version);
      for (const entry of oldestFirst) {
        registered.push({
          subject: entry.subject,
          version: entry.version,
          schemaId: await schemaIdOf(entry),
        });
      }
      return registered;
    },

    async encode(event) {
      const entry = catalog.latest(event.envelope.type);
      const invalidPaths: string[] = [];
      entry.avroType.isValid(event, { errorHook: (path) => invalidPaths.push(path.join('.')) });
      if (invalidPaths.length > 0) {
        // Paths only: the values may be personal data.
        throw new EventsError(
          'EVENTS_INVALID_EVENT',
          `${entry.type} is invalid at ${invalidPaths.join(', ')}`,
        );
      }
      const id = await schemaIdOf(entry);
      const header = Buffer.alloc(HEADER_LENGTH);
      header.writeUInt8(MAGIC_BYTE, 0);
      header.writeInt32BE(id, 1);
      return Buffer.concat([header, entry.avroType.toBuffer(event)]);
    },

    async decode(buffer) {
      if (buffer.length < HEADER_LENGTH || buffer.readUInt8(0) !== MAGIC_BYTE) {
        throw new EventsError('EVENTS_NOT_WIRE_FORMAT', 'the value is not in the Confluent wire format');
      }
      const schemaId = buffer.readInt32BE(1);
      const { reader, read } = await readerFor(schemaId);
      let value: unknown;
      try {
        value = read(buffer.subarray(HEADER_LENGTH));
      } catch (cause) {
        throw new EventsError(
          'EVENTS_NOT_WIRE_FORMAT',
          `the value does not decode as ${reader.type} (schema id ${schemaId})`,
          { cause },
        );
      }
      return { event: value as LetheEvent, schemaId };
    },
  };
}
