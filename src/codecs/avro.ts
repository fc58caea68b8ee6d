/**
 * Avro: REST JSON is Avro's JSON encoding (unions as {"type": value}, null as null, bytes and
 * fixed as strings of code points 0-255, enums as symbol strings), as Confluent's AvroSchemaUtils
 * reads and writes it. Logical types are not interpreted: their JSON encoding is the underlying
 * type's (timestamp-millis a long number, decimal a bytes string), which is what Avro's
 * JsonEncoder/JsonDecoder do.
 *
 * Avro longs are JavaScript numbers here: values beyond ±2^53 are refused rather than rounded.
 */
import avro from 'avsc';
import { causeText } from '../client-message.ts';
import { Errors } from '../errors.ts';
import { excessNestingDepth, nestingDepthMessage } from './json-depth.ts';
import type { ResolvedReference, SchemaFormat } from './schema-codecs.ts';

export interface ParsedAvro {
  type: avro.Type;
}

const PARSE_OPTIONS = { wrapUnions: true } as const;
const ABOVE_LATIN1 = /[\u0100-\u{10FFFF}]/u;

/**
 * Avro's JSON encoding to an avsc value. `fromString` would need the JSON as text again; avsc's
 * own `_copy` with `coerce: 2` is what `fromString` does after parsing, so the already-parsed
 * request body goes in directly (avsc 5.x; `fromString` stays as the fallback).
 */
function fromAvroJson(type: avro.Type, json: unknown): unknown {
  const copy = (type as unknown as { _copy?: (value: unknown, options: { coerce: number }) => unknown })._copy;
  return copy ? copy.call(type, json, { coerce: 2 }) : type.fromString(JSON.stringify(json));
}

function parseJson(text: string, what: string): avro.Schema {
  try {
    return JSON.parse(text) as avro.Schema;
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** A string that Avro's JSON encoding allows for bytes/fixed: only code points 0-255. */
function checkBytesStrings(type: avro.Type, json: unknown, path: string, errors: string[]): void {
  if (errors.length > 0) return;
  const t = type as avro.Type & {
    typeName: string;
    fields?: Array<{ name: string; type: avro.Type }>;
    itemsType?: avro.Type;
    valuesType?: avro.Type;
    types?: avro.Type[];
    underlyingType?: avro.Type;
  };
  switch (t.typeName) {
    case 'bytes':
    case 'fixed':
      if (typeof json === 'string' && ABOVE_LATIN1.test(json)) {
        errors.push(`${path}: ${t.typeName} string has a character above \\u00ff`);
      }
      return;
    case 'record':
    case 'error':
      if (json && typeof json === 'object' && !Array.isArray(json)) {
        for (const field of t.fields ?? []) {
          checkBytesStrings(field.type, (json as Record<string, unknown>)[field.name], `${path}.${field.name}`, errors);
        }
      }
      return;
    case 'array':
      if (Array.isArray(json)) json.forEach((item, i) => checkBytesStrings(t.itemsType!, item, `${path}[${i}]`, errors));
      return;
    case 'map':
      if (json && typeof json === 'object') {
        for (const [key, item] of Object.entries(json)) checkBytesStrings(t.valuesType!, item, `${path}.${key}`, errors);
      }
      return;
    case 'union:wrapped':
      if (json && typeof json === 'object' && !Array.isArray(json)) {
        const entries = Object.entries(json);
        if (entries.length === 1) {
          const [branchName, item] = entries[0]!;
          const branch = t.types?.find((candidate) => candidate.branchName === branchName);
          if (branch) checkBytesStrings(branch, item, `${path}.${branchName}`, errors);
        }
      }
      return;
    default:
      if (t.underlyingType) checkBytesStrings(t.underlyingType, json, path, errors);
  }
}

export const avroFormat: SchemaFormat<ParsedAvro> = {
  format: 'avro',
  schemaType: 'AVRO',
  formatName: 'AVRO',
  label: 'Avro',

  parse(schema: string, references: readonly ResolvedReference[]): ParsedAvro {
    const registry: Record<string, avro.Type> = {};
    for (const reference of references) {
      avro.Type.forSchema(parseJson(reference.schema, `Referenced schema ${reference.name}`), {
        ...PARSE_OPTIONS,
        registry,
      });
    }
    return { type: avro.Type.forSchema(parseJson(schema, 'The schema'), { ...PARSE_OPTIONS, registry }) };
  },

  toBytes({ type }, json) {
    let value: unknown;
    try {
      value = fromAvroJson(type, json);
    } catch (error) {
      throw Errors.badRequest(`Failed to convert JSON to Avro: ${causeText(error, 'the value does not fit the schema')}`);
    }
    const errors: string[] = [];
    checkBytesStrings(type, json, '$', errors);
    if (errors.length > 0) throw Errors.badRequest(`Failed to convert JSON to Avro: ${errors[0]}`);
    try {
      return type.toBuffer(value);
    } catch (error) {
      throw Errors.badRequest(`Failed to convert JSON to Avro: ${causeText(error, 'the value does not fit the schema')}`);
    }
  },

  fromBytes({ type }, payload) {
    const value: unknown = type.fromBuffer(payload);
    const text = type.toString(value);
    // A recursive schema can nest a record deeper than the response writer goes.
    const depth = excessNestingDepth(text);
    if (depth > 0) throw new Error(nestingDepthMessage(depth));
    return JSON.parse(text) as unknown;
  },
};
