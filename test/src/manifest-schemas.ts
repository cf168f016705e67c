import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import Ajv, { type ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { parse, parseAllDocuments } from 'yaml';

import { LETHE_HOME } from './local-stack';

// Deployment artefacts checked against the schemas of what reads them, offline: Kubernetes'
// own (the PyPI package kubernetes-validate ships them; `./lethe test` installs it), a CRD's
// openAPIV3Schema, the compose specification. Unknown fields are errors, as the API server's
// strict field validation and `docker compose config` make them.

export const KUBERNETES_SCHEMAS = path.join(
  LETHE_HOME,
  'tools',
  'kubernetes-validate',
  'kubernetes_validate',
  'kubernetes-json-schema',
);

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** A multi-document YAML stream (kustomize's output), without its empty documents. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

/** Why a document fails its schema: `path: message` lines, or none. */
export type SchemaCheck = (document: unknown) => string[];

function explain(validate: ValidateFunction): SchemaCheck {
  return (document) =>
    validate(document)
      ? []
      : (validate.errors ?? []).map((error) => {
          const extra = error.keyword === 'additionalProperties' ? ` (${JSON.stringify(error.params)})` : '';
          return `${error.instancePath || '/'}: ${error.message ?? error.keyword}${extra}`;
        });
}

/**
 * Kubernetes' built-in kinds in one release, from kubernetes-validate's strict schemas
 * (`additionalProperties: false` everywhere the API has fixed fields).
 */
export function kubernetesSchemas(version: string): (manifest: Manifest) => SchemaCheck | undefined {
  const directory = path.join(KUBERNETES_SCHEMAS, `v${version}-local-strict`);
  if (!existsSync(directory))
    throw new Error(`no Kubernetes ${version} schemas in ${KUBERNETES_SCHEMAS}: run ./lethe test once`);
  // Their formats (int32, byte...) are OpenAPI's, not JSON Schema's: types are what is checked.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(JSON.parse(readFileSync(path.join(directory, '_definitions.json'), 'utf8')) as object);
  const files = new Set(readdirSync(directory));
  const compiled = new Map<string, SchemaCheck>();
  return (manifest) => {
    // deployment-apps-v1.json, service-v1.json, networkpolicy-networking.k8s.io... as the package names them.
    const [group, version_] = manifest.apiVersion.includes('/')
      ? manifest.apiVersion.split('/')
      : ['', manifest.apiVersion];
    const groupPart = group ? `-${group.split('.')[0]}` : '';
    const file = `${manifest.kind.toLowerCase()}${groupPart}-${version_}.json`;
    if (!files.has(file)) return undefined;
    if (!compiled.has(file)) {
      const schema = JSON.parse(readFileSync(path.join(directory, file), 'utf8')) as object;
      compiled.set(file, explain(ajv.compile(schema)));
    }
    return compiled.get(file);
  };
}

/** The API server refuses fields a structural schema does not name, unless it preserves them. */
function refuseUnknownFields(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(refuseUnknownFields);
  if (schema === null || typeof schema !== 'object') return schema;
  const node = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, refuseUnknownFields(value)]),
  ) as Record<string, unknown>;
  if (
    node.properties !== undefined &&
    node.additionalProperties === undefined &&
    node['x-kubernetes-preserve-unknown-fields'] !== true
  )
    node.additionalProperties = false;
  return node;
}

interface CustomResourceDefinition {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: object } }[];
  };
}

/** The kinds of CRD files (YAML), each served version checked against its openAPIV3Schema. */
export function customResourceSchemas(
  files: readonly string[],
): (manifest: Manifest) => SchemaCheck | undefined {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const checks = new Map<string, SchemaCheck>();
  for (const file of files) {
    const crd = parse(readFileSync(file, 'utf8')) as CustomResourceDefinition;
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      const schema = refuseUnknownFields(version.schema.openAPIV3Schema) as object;
      checks.set(`${crd.spec.group}/${version.name} ${crd.spec.names.kind}`, explain(ajv.compile(schema)));
    }
  }
  return (manifest) => checks.get(`${manifest.apiVersion} ${manifest.kind}`);
}

/** A JSON Schema file (draft-07, as the compose specification's). */
export function jsonSchemaCheck(file: string): SchemaCheck {
  // It names draft-07 by an https URL Ajv does not know as its meta-schema: not checked itself.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
  return explain(ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object));
}
