/**
 * JSON Schema: the payload is the value's UTF-8 JSON text. Values are validated with ajv when
 * produced (draft-07 by default; 2019-09 and 2020-12 when `$schema` says so; draft-06 and
 * draft-04 schemas are compiled with the draft-07 vocabulary, which covers nearly all of them).
 * Consumed values are not validated, as Confluent's deserializer does not by default.
 */
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';
import { Errors } from '../errors.ts';
import { excessNestingDepth, nestingDepthMessage } from './json-depth.ts';
import type { ResolvedReference, SchemaFormat } from './schema-codecs.ts';

export interface ParsedJsonSchema {
  validate: ValidateFunction;
}

type AjvInstance = Ajv | Ajv2019 | Ajv2020;

const addFormats = ((ajvFormats as unknown as { default: { default?: unknown } }).default.default ??
  (ajvFormats as unknown as { default: unknown }).default) as (ajv: AjvInstance) => AjvInstance;

function ajvFor(schema: unknown): AjvInstance {
  const dialect =
    schema && typeof schema === 'object' && typeof (schema as { $schema?: unknown }).$schema === 'string'
      ? (schema as { $schema: string }).$schema
      : '';
  const options = { strict: false, allErrors: true, validateSchema: true } as const;
  let ajv: AjvInstance;
  if (dialect.includes('2020-12')) ajv = new Ajv2020(options);
  else if (dialect.includes('2019-09')) ajv = new Ajv2019(options);
  else if (dialect.includes('draft-04') || dialect.includes('draft-06')) {
    // No meta-schema for these in ajv 8's default build: compile with draft-07 semantics.
    ajv = new Ajv({ ...options, validateSchema: false });
  } else ajv = new Ajv(options);
  addFormats(ajv);
  return ajv;
}

function withoutDialect(schema: unknown): AnySchema {
  if (schema && typeof schema === 'object' && !Array.isArray(schema)) {
    const { $schema, ...rest } = schema as Record<string, unknown>;
    if (typeof $schema === 'string' && ($schema.includes('draft-04') || $schema.includes('draft-06'))) return rest;
  }
  return schema as AnySchema;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'the value does not match the schema';
  return errors
    .slice(0, 5)
    .map((error) => {
      const path = `#${error.instancePath}`;
      if (error.keyword === 'additionalProperties') {
        return `${path}: extraneous key [${String((error.params as { additionalProperty?: unknown }).additionalProperty)}] is not permitted`;
      }
      return `${path}: ${error.message ?? error.keyword}`;
    })
    .join('; ');
}

export const jsonSchemaFormat: SchemaFormat<ParsedJsonSchema> = {
  format: 'jsonschema',
  schemaType: 'JSON',
  formatName: 'JSONSCHEMA',
  label: 'JSON',

  parse(schema: string, references: readonly ResolvedReference[]): ParsedJsonSchema {
    const main = parseJson(schema, 'The schema');
    if (typeof main !== 'boolean' && (main === null || typeof main !== 'object' || Array.isArray(main))) {
      throw new Error('A JSON schema must be an object or a boolean');
    }
    const ajv = ajvFor(main);
    for (const reference of references) {
      const referenced = withoutDialect(parseJson(reference.schema, `Referenced schema ${reference.name}`));
      const id =
        referenced && typeof referenced === 'object' && typeof (referenced as { $id?: unknown }).$id === 'string'
          ? (referenced as { $id: string }).$id
          : undefined;
      if (id === undefined) ajv.addSchema(referenced, reference.name);
      else {
        if (!ajv.getSchema(id)) ajv.addSchema(referenced);
        if (id !== reference.name && !ajv.getSchema(reference.name)) ajv.addSchema({ $ref: id }, reference.name);
      }
    }
    return { validate: ajv.compile(withoutDialect(main)) };
  },

  toBytes({ validate }, json) {
    if (!validate(json)) throw Errors.badRequest(`Failed to validate JSON against the schema: ${describeErrors(validate.errors)}`);
    return Buffer.from(JSON.stringify(json), 'utf8');
  },

  fromBytes(_parsed, payload) {
    const depth = excessNestingDepth(payload);
    if (depth > 0) throw new Error(nestingDepthMessage(depth));
    return JSON.parse(payload.toString('utf8')) as unknown;
  },
};
