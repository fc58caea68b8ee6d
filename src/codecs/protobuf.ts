/**
 * Protobuf: REST JSON is protobuf's canonical JSON mapping, as Confluent reads it with
 * JsonFormat.parser() and writes it with JsonFormat.printer().includingDefaultValueFields():
 *   - input accepts the proto field name or its lowerCamelCase JSON name; unknown fields are refused;
 *     64-bit integers as numbers or strings; enums by name or number; bytes as base64;
 *   - output uses JSON names, prints fields without presence at their defaults (empty lists and maps
 *     included; unset message and oneof fields left out), 64-bit integers as strings, enums by name,
 *     bytes as base64, NaN/Infinity as strings;
 *   - google.protobuf.Timestamp, Duration and the wrapper types use their special JSON forms.
 * Produced records use the first message type of the file (message indexes [0]), like Confluent's
 * REST Proxy; consumed records may name any message type of the file by its indexes.
 */
import protobuf from 'protobufjs';
import { causeText } from '../client-message.ts';
import { Errors } from '../errors.ts';
import type { ResolvedReference, SchemaFormat } from './schema-codecs.ts';
import { decodeMessageIndexes, encodeMessageIndexes } from './wire.ts';

type PbType = protobuf.Type;
type PbField = protobuf.Field;

export interface ParsedProtobuf {
  root: protobuf.Root;
  /** The file's own message types, as a tree in declaration order (what message indexes count). */
  messages: MessageNode[];
  /** The type produced records use: the file's first message. */
  defaultType: PbType;
}

interface MessageNode {
  fullName: string;
  nested: MessageNode[];
}

const PARSE_OPTIONS = { keepCase: true } as const;
const DEFAULT_INDEXES = encodeMessageIndexes([0]);

function messageTree(namespace: protobuf.NamespaceBase): MessageNode[] {
  return namespace.nestedArray
    .filter((item): item is PbType => item instanceof protobuf.Type)
    .map((type) => ({ fullName: type.fullName, nested: messageTree(type) }));
}

function addWellKnown(root: protobuf.Root, file: string, added: Set<string>): boolean {
  if (added.has(file)) return true;
  const common = protobuf.common.get(file) as { nested?: Record<string, protobuf.AnyNestedObject> } | null;
  if (!common?.nested) return false;
  added.add(file);
  root.addJSON(common.nested);
  return true;
}

function parseInto(root: protobuf.Root, source: string, wellKnown: Set<string>): protobuf.IParserResult {
  const result = protobuf.parse(source, root, PARSE_OPTIONS);
  for (const file of [...(result.imports ?? []), ...(result.weakImports ?? [])]) {
    if (file.startsWith('google/protobuf/')) addWellKnown(root, file, wellKnown);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Names

function lowerCamel(name: string): string {
  let out = '';
  let upper = false;
  for (const char of name) {
    if (char === '_') upper = true;
    else {
      out += upper ? char.toUpperCase() : char;
      upper = false;
    }
  }
  return out;
}

function jsonName(field: PbField): string {
  const option = field.options?.['json_name'];
  return typeof option === 'string' ? option : lowerCamel(field.name);
}

const fieldLookups = new WeakMap<PbType, Map<string, PbField>>();

function fieldsByJsonKey(type: PbType): Map<string, PbField> {
  let lookup = fieldLookups.get(type);
  if (!lookup) {
    lookup = new Map();
    for (const field of type.fieldsArray) {
      lookup.set(field.name, field);
      lookup.set(jsonName(field), field);
    }
    fieldLookups.set(type, lookup);
  }
  return lookup;
}

// ---------------------------------------------------------------------------------------------
// JSON → protobufjs plain object

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const UINT32 = { min: 0, max: 2 ** 32 - 1 };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const UINT64 = { min: 0n, max: 2n ** 64n - 1n };

class ConversionError extends Error {}

function fail(path: string, message: string): never {
  throw new ConversionError(`${path}: ${message}`);
}

function toInt32(value: unknown, path: string, range: { min: number; max: number }): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) fail(path, `expected an integer, got ${JSON.stringify(value)}`);
  if (n < range.min || n > range.max) fail(path, `integer ${n} out of range`);
  return n;
}

function toInt64(value: unknown, path: string, range: { min: bigint; max: bigint }): string {
  let n: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) n = BigInt(value.trim());
  else fail(path, `expected an integer, got ${JSON.stringify(value)}`);
  if (n < range.min || n > range.max) fail(path, `integer ${n} out of range`);
  return n.toString();
}

function toFloat(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  fail(path, `expected a number, got ${JSON.stringify(value)}`);
}

function toBytes(value: unknown, path: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) {
    fail(path, `expected a base64 string, got ${JSON.stringify(value)}`);
  }
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

function scalarFromJson(field: PbField, fieldType: string, resolved: protobuf.ReflectionObject | null, value: unknown, path: string): unknown {
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string') {
      const number = resolved.values[value];
      if (number === undefined) fail(path, `invalid enum value ${JSON.stringify(value)} for enum type ${resolved.fullName.slice(1)}`);
      return number;
    }
    return toInt32(value, path, INT32);
  }
  if (resolved instanceof protobuf.Type) return messageFromJson(resolved, value, path);
  switch (fieldType) {
    case 'double':
    case 'float':
      return toFloat(value, path);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return toInt32(value, path, INT32);
    case 'uint32':
    case 'fixed32':
      return toInt32(value, path, UINT32);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return toInt64(value, path, INT64);
    case 'uint64':
    case 'fixed64':
      return toInt64(value, path, UINT64);
    case 'bool':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return fail(path, `expected a boolean, got ${JSON.stringify(value)}`);
    case 'string':
      if (typeof value !== 'string') fail(path, `expected a string, got ${JSON.stringify(value)}`);
      return value;
    case 'bytes':
      return toBytes(value, path);
    default:
      return fail(path, `unsupported field type ${fieldType} (${field.name})`);
  }
}

const WRAPPERS = new Set(
  ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map(
    (name) => `.google.protobuf.${name}Value`,
  ),
);

function parseTimestamp(value: unknown, path: string): { seconds: string; nanos: number } {
  const match =
    typeof value === 'string'
      ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(value)
      : null;
  const millis = match ? Date.parse(`${match[1]}${match[3]}`) : NaN;
  if (!match || Number.isNaN(millis)) fail(path, `expected an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
  return { seconds: String(Math.floor(millis / 1000)), nanos: Number((match[2] ?? '').padEnd(9, '0')) };
}

function parseDuration(value: unknown, path: string): { seconds: string; nanos: number } {
  const match = typeof value === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(value) : null;
  if (!match) fail(path, `expected a duration like "1.5s", got ${JSON.stringify(value)}`);
  const sign = match[1] ? -1 : 1;
  const nanos = Number((match[3] ?? '').padEnd(9, '0'));
  return { seconds: (BigInt(match[2]!) * BigInt(sign)).toString(), nanos: sign * nanos };
}

function messageFromJson(type: PbType, value: unknown, path: string): Record<string, unknown> {
  if (type.fullName === '.google.protobuf.Timestamp' && typeof value === 'string') return parseTimestamp(value, path);
  if (type.fullName === '.google.protobuf.Duration' && typeof value === 'string') return parseDuration(value, path);
  if (WRAPPERS.has(type.fullName) && (typeof value !== 'object' || value === null)) {
    const field = type.fields['value']!;
    return { value: scalarFromJson(field, field.type, field.resolvedType, value, path) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(path, `expected an object for message ${type.fullName.slice(1)}, got ${JSON.stringify(value)}`);
  }
  const lookup = fieldsByJsonKey(type);
  const out: Record<string, unknown> = {};
  const oneofsSet = new Map<string, string>();
  for (const [key, item] of Object.entries(value)) {
    const field = lookup.get(key);
    if (!field) fail(path, `Cannot find field: ${key} in message ${type.fullName.slice(1)}`);
    if (item === null || item === undefined) continue;
    const fieldPath = `${path}.${key}`;
    if (field.partOf) {
      const other = oneofsSet.get(field.partOf.name);
      if (other !== undefined && other !== field.name) {
        fail(fieldPath, `field ${field.name} and ${other} belong to the same oneof ${field.partOf.name}`);
      }
      oneofsSet.set(field.partOf.name, field.name);
    }
    field.resolve();
    if (field instanceof protobuf.MapField) {
      if (typeof item !== 'object' || Array.isArray(item)) fail(fieldPath, 'expected an object for a map field');
      const map: Record<string, unknown> = {};
      for (const [mapKey, mapValue] of Object.entries(item as Record<string, unknown>)) {
        const keyPath = `${fieldPath}[${JSON.stringify(mapKey)}]`;
        if (field.keyType !== 'string') scalarFromJson(field, field.keyType, null, mapKey, keyPath);
        if (mapValue === null) fail(keyPath, 'map values cannot be null');
        map[mapKey] = scalarFromJson(field, field.type, field.resolvedType, mapValue, keyPath);
      }
      out[field.name] = map;
    } else if (field.repeated) {
      if (!Array.isArray(item)) fail(fieldPath, `expected an array, got ${JSON.stringify(item)}`);
      out[field.name] = item.map((element, i) => {
        if (element === null) fail(`${fieldPath}[${i}]`, 'repeated elements cannot be null');
        return scalarFromJson(field, field.type, field.resolvedType, element, `${fieldPath}[${i}]`);
      });
    } else {
      out[field.name] = scalarFromJson(field, field.type, field.resolvedType, item, fieldPath);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// protobufjs message → JSON

function shortestFloat(value: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function floatToJson(value: number, isFloat: boolean): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return isFloat ? shortestFloat(value) : value;
}

function longToString(value: unknown, unsigned: boolean): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value;
  const long = value as { low: number; high: number; unsigned?: boolean };
  const Long = protobuf.util.Long as unknown as
    | { fromBits(low: number, high: number, unsigned: boolean): { toString(): string } }
    | undefined;
  return Long
    ? Long.fromBits(long.low, long.high, unsigned).toString()
    : String(new protobuf.util.LongBits(long.low >>> 0, long.high >>> 0).toNumber(unsigned));
}

function formatNanos(nanos: number): string {
  if (nanos === 0) return '';
  const text = String(nanos).padStart(9, '0');
  if (text.endsWith('000000')) return `.${text.slice(0, 3)}`;
  if (text.endsWith('000')) return `.${text.slice(0, 6)}`;
  return `.${text}`;
}

function scalarToJson(fieldType: string, resolved: protobuf.ReflectionObject | null, value: unknown): unknown {
  if (resolved instanceof protobuf.Enum) {
    return resolved.valuesById[value as number] ?? value;
  }
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, value as protobuf.Message);
  switch (fieldType) {
    case 'double':
      return floatToJson(value as number, false);
    case 'float':
      return floatToJson(value as number, true);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return longToString(value, false);
    case 'uint64':
    case 'fixed64':
      return longToString(value, true);
    case 'bytes':
      return Buffer.from(value as Uint8Array).toString('base64');
    default:
      return value;
  }
}

function mapKeyToJson(keyType: string, key: string): string {
  if (/^u?int64$|^s?fixed64$|^sint64$/.test(keyType) && key.length === 8 && !/^-?\d+$/.test(key)) {
    const bits = protobuf.util.LongBits.fromHash(key);
    return longToString({ low: bits.lo, high: bits.hi }, keyType === 'uint64' || keyType === 'fixed64');
  }
  return key;
}

function messageToJson(type: PbType, message: protobuf.Message): unknown {
  const record = message as unknown as Record<string, unknown>;
  if (type.fullName === '.google.protobuf.Timestamp') {
    const seconds = Number(longToString(record['seconds'] ?? 0, false));
    const nanos = (record['nanos'] as number | undefined) ?? 0;
    const iso = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '');
    return `${iso}${formatNanos(nanos)}Z`;
  }
  if (type.fullName === '.google.protobuf.Duration') {
    const seconds = BigInt(longToString(record['seconds'] ?? 0, false));
    const nanos = (record['nanos'] as number | undefined) ?? 0;
    const negative = seconds < 0n || nanos < 0;
    const abs = (seconds < 0n ? -seconds : seconds).toString();
    return `${negative ? '-' : ''}${abs}${formatNanos(Math.abs(nanos))}s`;
  }
  if (WRAPPERS.has(type.fullName)) {
    const field = type.fields['value']!;
    return scalarToJson(field.type, field.resolvedType, record['value'] ?? (field.defaultValue as unknown));
  }
  const out: Record<string, unknown> = {};
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  for (const field of fields) {
    field.resolve();
    const present = Object.prototype.hasOwnProperty.call(record, field.name);
    const name = jsonName(field);
    if (field instanceof protobuf.MapField) {
      const map = (present ? record[field.name] : {}) as Record<string, unknown>;
      const json: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(map ?? {})) {
        json[mapKeyToJson(field.keyType, key)] = scalarToJson(field.type, field.resolvedType, item);
      }
      out[name] = json;
    } else if (field.repeated) {
      const list = (present ? record[field.name] : []) as unknown[];
      out[name] = (list ?? []).map((item) => scalarToJson(field.type, field.resolvedType, item));
    } else if (present && record[field.name] !== null && record[field.name] !== undefined) {
      out[name] = scalarToJson(field.type, field.resolvedType, record[field.name]);
    } else if (!(field.resolvedType instanceof protobuf.Type) && !field.partOf) {
      out[name] = scalarToJson(field.type, field.resolvedType, record[field.name] ?? (field.defaultValue as unknown));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function typeAt(parsed: ParsedProtobuf, indexes: readonly number[]): PbType {
  let nodes = parsed.messages;
  let node: MessageNode | undefined;
  for (const index of indexes) {
    node = nodes[index];
    if (!node) throw new Error(`no message type at message indexes [${indexes.join(', ')}]`);
    nodes = node.nested;
  }
  if (!node) throw new Error('empty message indexes');
  return parsed.root.lookupType(node.fullName);
}

export const protobufFormat: SchemaFormat<ParsedProtobuf> = {
  format: 'protobuf',
  schemaType: 'PROTOBUF',
  formatName: 'PROTOBUF',
  label: 'Protobuf',

  parse(schema: string, references: readonly ResolvedReference[]): ParsedProtobuf {
    // The file alone: what its message indexes count (imports excluded).
    const own = protobuf.parse(schema, new protobuf.Root(), PARSE_OPTIONS);
    const ownNamespace = own.package ? own.root.lookup(own.package) : own.root;
    if (!(ownNamespace instanceof protobuf.Namespace)) throw new Error(`package ${own.package} is not a namespace`);
    const messages = messageTree(ownNamespace);
    if (messages.length === 0) throw new Error('the schema defines no message type');

    const root = new protobuf.Root();
    const wellKnown = new Set<string>();
    for (const reference of references) {
      if (reference.name.startsWith('google/protobuf/') && addWellKnown(root, reference.name, wellKnown)) continue;
      parseInto(root, reference.schema, wellKnown);
    }
    parseInto(root, schema, wellKnown);
    root.resolveAll();
    const parsed: ParsedProtobuf = { root, messages, defaultType: root.lookupType(messages[0]!.fullName) };
    return parsed;
  },

  toBytes(parsed, json) {
    const type = parsed.defaultType;
    let object: Record<string, unknown>;
    try {
      object = messageFromJson(type, json, '$');
    } catch (error) {
      if (error instanceof ConversionError) throw Errors.badRequest(`Failed to convert JSON to Protobuf: ${error.message}`);
      throw error;
    }
    try {
      const message = type.fromObject(object);
      return Buffer.concat([DEFAULT_INDEXES, type.encode(message).finish()]);
    } catch (error) {
      throw Errors.badRequest(`Failed to convert JSON to Protobuf: ${causeText(error, 'the value does not fit the schema')}`);
    }
  },

  fromBytes(parsed, payload) {
    const { indexes, offset } = decodeMessageIndexes(payload);
    const type = typeAt(parsed, indexes);
    // A plain Uint8Array: protobufjs's Buffer reader does not check string and bytes lengths.
    const bytes = new Uint8Array(payload.buffer, payload.byteOffset + offset, payload.length - offset);
    return messageToJson(type, type.decode(bytes));
  },
};
