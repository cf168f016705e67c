import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import avro from 'avsc';

import { EventsError } from './errors';

/** schemas/<topic>/<EventType>.v<N>.avsc, plus schemas/envelope.v1.avsc. */
export const SCHEMAS_DIR = path.resolve(__dirname, '..', 'schemas');

const ENVELOPE_FILE = 'envelope.v1.avsc';
const ENVELOPE_NAME = 'lethe.v1.Envelope';
const SCHEMA_FILE = /^(?<type>[A-Z][A-Za-z0-9]*)\.v(?<version>[0-9]+)\.avsc$/;

export interface EventSchema {
  /** The event type, also the Avro record's name: `AccountCreated`. */
  readonly type: string;
  readonly version: number;
  /** The logical topic the event belongs to (DESIGN.md section 2). */
  readonly topic: string;
  /** The Avro full name: `lethe.account.v1.AccountCreated`. */
  readonly fullName: string;
  /** The registry subject (TopicRecordNameStrategy): several event types share one topic. */
  readonly subject: string;
  /** The self-contained schema that is registered: the file with the envelope inlined. */
  readonly schema: avro.Schema;
  readonly avroType: avro.Type;
  readonly file: string;
}

export interface EventCatalog {
  readonly schemas: readonly EventSchema[];
  /** The newest version of a type: the reader schema that decoded events are resolved to. */
  latest(type: string): EventSchema;
  /** The newest version of the type with this Avro full name (every version shares it). */
  byFullName(fullName: string): EventSchema | undefined;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new EventsError('EVENTS_CATALOG_INVALID', `cannot read schema file ${file}`, { cause });
  }
}

// A schema file refers to the envelope by name, so the envelope is written once. The registered
// schema must stand alone for any client, so the envelope's definition is inlined here.
function inlineEnvelope(schema: unknown, envelope: unknown): unknown {
  const text = JSON.stringify(schema);
  const ref = JSON.stringify(ENVELOPE_NAME);
  if (!text.includes(`"type":${ref}`)) return schema;
  return JSON.parse(text.replace(`"type":${ref}`, `"type":${JSON.stringify(envelope)}`));
}

export function loadCatalog(dir: string = SCHEMAS_DIR): EventCatalog {
  const envelope = readJson(path.join(dir, ENVELOPE_FILE));
  const schemas: EventSchema[] = [];
  for (const topic of readdirSync(dir, { withFileTypes: true })) {
    if (!topic.isDirectory()) continue;
    for (const file of readdirSync(path.join(dir, topic.name)).sort()) {
      const match = SCHEMA_FILE.exec(file);
      if (!match?.groups) {
        throw new EventsError('EVENTS_CATALOG_INVALID', `unexpected file ${topic.name}/${file} in ${dir}`);
      }
      const fullPath = path.join(dir, topic.name, file);
      const schema = inlineEnvelope(readJson(fullPath), envelope) as avro.Schema & {
        name: string;
        namespace: string;
      };
      const type = match.groups.type!;
      if (schema.name !== type) {
        throw new EventsError(
          'EVENTS_CATALOG_INVALID',
          `${fullPath} defines record ${schema.name}, not ${type}`,
        );
      }
      const fullName = `${schema.namespace}.${schema.name}`;
      schemas.push({
        type,
        version: Number(match.groups.version),
        topic: topic.name,
        fullName,
        subject: `${topic.name}-${fullName}`,
        schema,
        avroType: avro.Type.forSchema(schema),
        file: fullPath,
      });
    }
  }
  const latestByType = new Map<string, EventSchema>();
  for (const entry of schemas) {
    const current = latestByType.get(entry.type);
    if (!current || current.version < entry.version) latestByType.set(entry.type, entry);
  }
  const typeByFullName = new Map(schemas.map((entry) => [entry.fullName, entry.type]));
  return {
    schemas,
    latest(type) {
      const entry = latestByType.get(type);
      if (!entry) throw new EventsError('EVENTS_UNKNOWN_TYPE', `no schema for event type ${type}`);
      return entry;
    },
    byFullName(fullName) {
      const type = typeByFullName.get(fullName);
      return type === undefined ? undefined : latestByType.get(type);
    },
  };
}
