/**
 * Parses, validates and canonicalises the three schema types a Confluent registry knows.
 *
 * - AVRO: JSON text parsed by avsc `Type.forSchema`. References name Avro named types (their full
 *   name); each referenced schema is parsed first, depth-first, into the same avsc registry so the
 *   main schema can use the names. Canonical text: the JSON re-serialised without whitespace (keys
 *   keep their order), so formatting differences do not make a new schema.
 * - JSON: JSON Schema compiled by ajv (draft-07 by default, 2019-09 and 2020-12 when `$schema` says
 *   so; unknown keywords allowed, formats checked with ajv-formats). References are added to ajv
 *   under their `name`, which is what a `$ref` uses. Canonical text as for Avro.
 * - PROTOBUF: .proto text parsed by protobufjs; every `import` is satisfied by the reference of the
 *   same name (or by protobufjs's bundled google/protobuf/*.proto), then all types must resolve.
 *   Canonical text: line endings normalised and surrounding whitespace trimmed (no reformatting).
 *
 * Anything that does not parse is a RegistryError 42201 "Invalid schema ...".
 */
import avro from 'avsc';
import { Ajv as AjvDraft7, type AnySchema, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import protobuf from 'protobufjs';
import { RegistryError, type SchemaDefinition, type SchemaReference, type SchemaType } from './schema-registry.ts';

export const SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO'];

export const RegistryErrorCode = {
  SubjectNotFound: 40401,
  VersionNotFound: 40402,
  SchemaNotFound: 40403,
  SubjectSoftDeleted: 40404,
  SubjectNotSoftDeleted: 40405,
  VersionSoftDeleted: 40406,
  VersionNotSoftDeleted: 40407,
  SubjectConfigNotFound: 40408,
  Incompatible: 409,
  InvalidSchema: 42201,
  InvalidVersion: 42202,
  InvalidCompatibilityLevel: 42203,
  ReferenceExists: 42206,
  InvalidSubject: 42208,
  StoreError: 50001,
} as const;

/** Finds the schema a reference points at (subject + version); throws RegistryError when absent. */
export type ReferenceResolver = (reference: SchemaReference) => SchemaDefinition;

interface ParsedBase {
  schemaType: SchemaType;
  /** The text stored and compared to find an identical schema. */
  canonical: string;
  references: SchemaReference[];
}

export interface ParsedAvro extends ParsedBase {
  schemaType: 'AVRO';
  type: avro.Type;
}

export interface ParsedJson extends ParsedBase {
  schemaType: 'JSON';
  json: unknown;
  /** Referenced documents by reference name (and `$id` when they have one), for `$ref` lookups. */
  documents: Map<string, unknown>;
  validate: ValidateFunction;
}

export interface ProtoMessage {
  fullName: string;
  type: protobuf.Type;
}

export interface ParsedProtobuf extends ParsedBase {
  schemaType: 'PROTOBUF';
  root: protobuf.Root;
  /** The messages defined in this schema's own text (nested ones too), in declaration order. */
  messages: ProtoMessage[];
}

export type ParsedSchema = ParsedAvro | ParsedJson | ParsedProtobuf;

export function isSchemaType(value: unknown): value is SchemaType {
  return typeof value === 'string' && (SCHEMA_TYPES as readonly string[]).includes(value);
}

export function invalidSchema(definition: SchemaDefinition, detail: string): RegistryError {
  return new RegistryError(
    RegistryErrorCode.InvalidSchema,
    `Invalid schema ${definition.schema} with refs ${JSON.stringify(definition.references ?? [])} of type ${definition.schemaType}, details: ${detail}`,
    422,
  );
}

/** Parses and validates a schema; throws RegistryError 42201 when it is not a valid schema. */
export function parseSchema(definition: SchemaDefinition, resolve: ReferenceResolver): ParsedSchema {
  const references = normaliseReferences(definition);
  if (typeof definition.schema !== 'string' || definition.schema.trim() === '') {
    throw invalidSchema(definition, 'the schema is empty');
  }
  // Referenced schemas, dependencies first, each once (a diamond is parsed once).
  let dependencies: Array<{ name: string; definition: SchemaDefinition }>;
  try {
    dependencies = collectDependencies(references, resolve);
  } catch (error) {
    if (error instanceof RegistryError && error.errorCode !== RegistryErrorCode.InvalidSchema) {
      throw invalidSchema(definition, `cannot resolve a reference: ${error.message}`);
    }
    throw error;
  }
  try {
    switch (definition.schemaType) {
      case 'AVRO':
        return parseAvro(definition.schema, references, dependencies);
      case 'JSON':
        return parseJson(definition.schema, references, dependencies);
      case 'PROTOBUF':
        return parseProtobuf(definition.schema, references, dependencies);
      default:
        throw new RegistryError(RegistryErrorCode.InvalidSchema, `Invalid schema type ${String(definition.schemaType)}`, 422);
    }
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw invalidSchema(definition, (error as Error).message ?? String(error));
  }
}

function normaliseReferences(definition: SchemaDefinition): SchemaReference[] {
  const references = definition.references ?? [];
  if (!Array.isArray(references)) throw invalidSchema(definition, 'references must be an array');
  const names = new Set<string>();
  return references.map((reference) => {
    const { name, subject, version } = (reference ?? {}) as Partial<SchemaReference>;
    if (typeof name !== 'string' || !name || typeof subject !== 'string' || !subject) {
      throw invalidSchema(definition, 'a reference needs a name and a subject');
    }
    if (typeof version !== 'number' || !Number.isInteger(version)) {
      throw invalidSchema(definition, `reference ${name} needs an integer version`);
    }
    if (names.has(name)) throw invalidSchema(definition, `two references are named ${name}`);
    names.add(name);
    return { name, subject, version };
  });
}

function collectDependencies(
  references: SchemaReference[],
  resolve: ReferenceResolver,
): Array<{ name: string; definition: SchemaDefinition }> {
  const out: Array<{ name: string; definition: SchemaDefinition }> = [];
  const seen = new Set<string>();
  const visit = (reference: SchemaReference, depth: number): void => {
    if (depth > 32) throw new RegistryError(RegistryErrorCode.InvalidSchema, 'Invalid schema: references nest too deeply', 422);
    const key = `${reference.subject}\u0000${reference.version}`;
    if (seen.has(key)) return;
    seen.add(key);
    const definition = resolve(reference);
    for (const inner of definition.references ?? []) visit(inner, depth + 1);
    out.push({ name: reference.name, definition });
  };
  for (const reference of references) visit(reference, 0);
  return out;
}

export function canonicalJsonText(text: string): string {
  return JSON.stringify(JSON.parse(text));
}

// ---------------------------------------------------------------- AVRO

function parseAvro(
  text: string,
  references: SchemaReference[],
  dependencies: Array<{ name: string; definition: SchemaDefinition }>,
): ParsedAvro {
  const registry: Record<string, avro.Type> = {};
  for (const dependency of dependencies) {
    if (dependency.definition.schemaType !== 'AVRO') throw new Error(`reference ${dependency.name} is not an Avro schema`);
    avro.Type.forSchema(JSON.parse(dependency.definition.schema) as avro.Schema, { registry });
  }
  const json = JSON.parse(text) as avro.Schema;
  const type = avro.Type.forSchema(json, { registry });
  return { schemaType: 'AVRO', canonical: JSON.stringify(json), references, type };
}

// ---------------------------------------------------------------- JSON

type AjvInstance = AjvDraft7;
const addFormats = addFormatsModule as unknown as (ajv: AjvInstance) => AjvInstance;

function newAjv(schema: unknown): AjvInstance {
  const dialect = schema && typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  const options = { strict: false, allErrors: false, validateFormats: true, allowUnionTypes: true } as const;
  let ajv: AjvInstance;
  if (typeof dialect === 'string' && dialect.includes('2020-12')) ajv = new Ajv2020(options) as unknown as AjvInstance;
  else if (typeof dialect === 'string' && dialect.includes('2019-09')) ajv = new Ajv2019(options) as unknown as AjvInstance;
  else ajv = new AjvDraft7(options);
  addFormats(ajv);
  return ajv;
}

function parseJson(
  text: string,
  references: SchemaReference[],
  dependencies: Array<{ name: string; definition: SchemaDefinition }>,
): ParsedJson {
  const json = JSON.parse(text) as unknown;
  if (typeof json !== 'boolean' && (json === null || typeof json !== 'object' || Array.isArray(json))) {
    throw new Error('a JSON schema must be an object or a boolean');
  }
  if (json && typeof json === 'object' && typeof (json as { $schema?: unknown }).$schema === 'string') {
    const dialect = (json as { $schema: string }).$schema;
    if (!/draft-0[467]|2019-09|2020-12/.test(dialect)) throw new Error(`unsupported $schema ${dialect}`);
    if (/draft-0[46]/.test(dialect)) delete (json as { $schema?: string }).$schema; // validated as draft-07
  }
  const ajv = newAjv(json);
  const documents = new Map<string, unknown>();
  for (const dependency of dependencies) {
    if (dependency.definition.schemaType !== 'JSON') throw new Error(`reference ${dependency.name} is not a JSON schema`);
    const document = JSON.parse(dependency.definition.schema) as Record<string, unknown>;
    documents.set(dependency.name, document);
    const id = typeof document.$id === 'string' ? document.$id : undefined;
    if (id) documents.set(id, document);
    if (!ajv.getSchema(dependency.name)) {
      // Registered under the reference name; a document with its own $id is also found by it.
      const copy = { ...document };
      delete copy.$schema;
      if (id && id !== dependency.name && !ajv.getSchema(id)) ajv.addSchema(copy as AnySchema, dependency.name);
      else if (!id) ajv.addSchema(copy as AnySchema, dependency.name);
      else ajv.addSchema({ $ref: id } as AnySchema, dependency.name);
    }
  }
  const validate = ajv.compile(json as AnySchema);
  return { schemaType: 'JSON', canonical: canonicalJsonText(text), references, json, documents, validate };
}

// ---------------------------------------------------------------- PROTOBUF

const PARSE_OPTIONS = { keepCase: true, alternateCommentMode: true } as const;

function parseProtobuf(
  text: string,
  references: SchemaReference[],
  dependencies: Array<{ name: string; definition: SchemaDefinition }>,
): ParsedProtobuf {
  const canonical = text.replace(/\r\n?/g, '\n').trim();
  // The schema's own messages: from a parse of its text alone.
  const own = protobuf.parse(canonical, new protobuf.Root(), PARSE_OPTIONS);
  const ownNames = listMessages(own.root).map((m) => m.fullName);

  const root = new protobuf.Root();
  const byName = new Map(dependencies.map((d) => [d.name, d.definition]));
  const loaded = new Set<string>();
  const load = (fileName: string, source: string): void => {
    if (loaded.has(fileName)) return;
    loaded.add(fileName);
    const parsed = protobuf.parse(source, root, PARSE_OPTIONS);
    for (const imported of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      const dependency = byName.get(imported);
      if (dependency) {
        if (dependency.schemaType !== 'PROTOBUF') throw new Error(`reference ${imported} is not a Protobuf schema`);
        load(imported, dependency.schema);
        continue;
      }
      const common = protobuf.common.get(imported);
      if (common) {
        if (!loaded.has(imported)) {
          loaded.add(imported);
          root.addJSON((common as { nested: Record<string, protobuf.AnyNestedObject> }).nested);
        }
        continue;
      }
      throw new Error(`import "${imported}" is not among the references`);
    }
  };
  load('<schema>', canonical);
  root.resolveAll();
  const all = new Map(listMessages(root).map((m) => [m.fullName, m]));
  const messages = ownNames.map((name) => all.get(name)).filter((m): m is ProtoMessage => m !== undefined);
  return { schemaType: 'PROTOBUF', canonical, references, root, messages };
}

export function listMessages(namespace: protobuf.NamespaceBase): ProtoMessage[] {
  const out: ProtoMessage[] = [];
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) {
      out.push({ fullName: nested.fullName.replace(/^\./, ''), type: nested });
      out.push(...listMessages(nested));
    } else if (nested instanceof protobuf.Namespace) {
      out.push(...listMessages(nested));
    }
  }
  return out;
}
