import type { EventCatalog, EventSchema } from './catalog';

// Turns the Avro schemas into the TypeScript types in generated/types.ts, so the types cannot
// drift from the wire format: a test regenerates them and compares.

type AvroJson = string | AvroJson[] | { [key: string]: unknown };

const PRIMITIVES: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

class TypeWriter {
  private readonly declarations = new Map<string, string>();

  tsType(schema: AvroJson): string {
    if (typeof schema === 'string') {
      const primitive = PRIMITIVES[schema];
      if (primitive) return primitive;
      return shortName(schema); // a reference to a named type defined earlier in the schema
    }
    if (Array.isArray(schema)) return schema.map((branch) => this.tsType(branch)).join(' | ');
    switch (schema.type) {
      case 'record':
        return this.declareRecord(schema);
      case 'enum':
        return this.declare(
          schema.name as string,
          `export type ${schema.name as string} = ${(schema.symbols as string[]).map((s) => `'${s}'`).join(' | ')};`,
        );
      case 'array':
        return `${this.wrap(this.tsType(schema.items as AvroJson))}[]`;
      case 'map':
        return `Record<string, ${this.tsType(schema.values as AvroJson)}>`;
      default:
        return this.tsType(schema.type as AvroJson);
    }
  }

  private wrap(type: string): string {
    return type.includes('|') ? `(${type})` : type;
  }

  private declareRecord(schema: { [key: string]: unknown }): string {
    const name = schema.name as string;
    const fields = (schema.fields as { name: string; type: AvroJson; doc?: string }[]).map((field) => {
      const doc = field.doc ? `  /** ${field.doc} */\n` : '';
      return `${doc}  readonly ${field.name}: ${this.tsType(field.type)};`;
    });
    const doc = schema.doc ? `/** ${schema.doc as string} */\n` : '';
    return this.declare(
      shortName(name),
      `${doc}export interface ${shortName(name)} {\n${fields.join('\n')}\n}`,
    );
  }

  private declare(name: string, text: string): string {
    const existing = this.declarations.get(name);
    if (existing !== undefined && existing !== text) {
      throw new Error(`two different Avro types are named ${name}; rename one`);
    }
    this.declarations.set(name, text);
    return name;
  }

  output(): string[] {
    return [...this.declarations.values()];
  }
}

function shortName(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** The event's record with its envelope narrowed to the literal type. */
function eventDeclaration(entry: EventSchema): string {
  return `export type ${entry.type}Event = ${entry.type} & { readonly envelope: Envelope & { readonly type: '${entry.type}' } };`;
}

function topicUnionName(topic: string): string {
  // lethe.account.events.v1 -> AccountEventsV1Event
  return (
    topic
      .replace(/^lethe\./, '')
      .split('.')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('') + 'Event'
  );
}

export function generateTypes(catalog: EventCatalog): string {
  const writer = new TypeWriter();
  const latest = [...new Set(catalog.schemas.map((entry) => entry.type))].map((type) => catalog.latest(type));
  for (const entry of latest) writer.tsType(entry.schema as AvroJson);
  const byTopic = new Map<string, EventSchema[]>();
  for (const entry of latest) byTopic.set(entry.topic, [...(byTopic.get(entry.topic) ?? []), entry]);
  const topics = [...byTopic.keys()].sort();

  const lines = [
    '// Generated from packages/events/schemas by `pnpm --filter @lethe/events generate`. Do not edit.',
    '',
    ...writer.output().flatMap((declaration) => [declaration, '']),
    ...latest.map(eventDeclaration),
    '',
    ...topics.map(
      (topic) =>
        `export type ${topicUnionName(topic)} = ${byTopic
          .get(topic)!
          .map((entry) => `${entry.type}Event`)
          .join(' | ')};`,
    ),
    '',
    `export type LetheEvent = ${topics.map(topicUnionName).join(' | ')};`,
    '',
    `export type EventType = LetheEvent['envelope']['type'];`,
    '',
    '/** The logical topic of each event type (DESIGN.md section 2). */',
    'export const TOPIC_OF_EVENT_TYPE = {',
    ...latest
      .slice()
      .sort((a, b) => a.type.localeCompare(b.type))
      .map((entry) => `  ${entry.type}: '${entry.topic}',`),
    '} as const satisfies Record<EventType, string>;',
    '',
    '/** The newest schema version of each event type: what new events are written with. */',
    'export const SCHEMA_VERSION_OF_EVENT_TYPE = {',
    ...latest
      .slice()
      .sort((a, b) => a.type.localeCompare(b.type))
      .map((entry) => `  ${entry.type}: ${entry.version},`),
    '} as const satisfies Record<EventType, number>;',
    '',
  ];
  return lines.join('\n');
}
