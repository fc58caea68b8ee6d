/**
 * Schema compatibility, in Confluent's terms.
 *
 * Levels: NONE; BACKWARD (the new schema can read data written with the latest version);
 * FORWARD (the latest version can read data written with the new schema); FULL (both); the
 * *_TRANSITIVE levels check against every live (not soft-deleted) version instead of the latest
 * only. Default BACKWARD. Schemas of different types are never compatible.
 *
 * Each check asks one question, "can a reader with schema R read data written with schema W?",
 * and answers with the list of reasons it cannot (empty = compatible):
 *
 * AVRO — exactly Avro schema resolution as avsc implements it: `R.createResolver(W)` must not
 *   throw. So: a field the reader has and the writer lacks needs a default; fields the writer has
 *   and the reader lacks are skipped; int→long→float→double and string↔bytes promotions are fine;
 *   named types must keep their name (or an alias); the reader's enum must hold every writer
 *   symbol; a writer union branch must be readable by some reader branch.
 *
 * JSON Schema — a structural comparison (R must accept what W accepts), recursing through
 *   `properties`, `additionalProperties`, `items` (single schema and tuple arrays / `prefixItems`),
 *   local `$ref`s (`#/...`) and references by name; an external `$ref` is compared by its text only:
 *   - `type`: every type W allows must be allowed by R ("integer" is within "number"); R typed
 *     while W is untyped is a narrowing.
 *   - `enum` / `const`: R's values must include all of W's; R adding an enum W lacks is a narrowing.
 *   - bounds: R may not raise `minimum`/`exclusiveMinimum`/`minLength`/`minItems`/
 *     `minProperties`, nor lower the maxima, nor add one W lacks; R may not add or change a
 *     `pattern` or a `format`, nor add `uniqueItems`, nor change `multipleOf`.
 *   - `required`: a property R requires that W does not require is incompatible unless R's
 *     property schema has a `default`.
 *   - content model: R closed (`additionalProperties: false`) while W is open is incompatible;
 *     a property W declares that R neither declares nor allows (R closed) is incompatible; a
 *     property W declares that R only covers by an `additionalProperties` schema is compared with
 *     that schema; a property R adds that W lacks is compared with W's `additionalProperties`
 *     schema when W has one (when W is open with no schema, it is allowed: we do not follow
 *     Confluent's stricter "property added to open content model" rule).
 *   - `oneOf` / `anyOf`: each W branch must be readable by some R branch (a W without such a
 *     combinator counts as one branch); `allOf` is compared element-wise when both have it.
 *   - `not`, `if/then/else`, `dependentSchemas`, `patternProperties` are not analysed.
 *
 * PROTOBUF — messages matched by fully qualified name, fields by number:
 *   - a message of the older schema that the newer one no longer defines is incompatible
 *     (adding messages is fine); the first message (the one Confluent serialisers use by default)
 *     may not be renamed either.
 *   - a field number present in both must keep a wire-compatible type: the same type, or within
 *     one of {int32, uint32, int64, uint64, bool, enum}, {sint32, sint64}, {fixed32, sfixed32},
 *     {fixed64, sfixed64}, {string, bytes}; message-typed fields must keep the message's full name
 *     and enum-typed fields the enum's; map key and value types must match; a field may not change
 *     between repeated and singular nor between map and non-map. This also covers a removed field
 *     whose number is reused with another type.
 *   - a field number the newer schema marks `reserved` may not be in use in the older one under
 *     a different type (covered by the rule above when it is reused).
 *   - proto2 `required`: a field the reader requires must be present (required) in the writer.
 *   - a field moved into a oneof together with other existing fields is incompatible (an existing
 *     field may move into a new oneof alone).
 */
import { RegistryError } from './schema-registry.ts';
import type { ParsedAvro, ParsedJson, ParsedProtobuf, ParsedSchema } from './schema-types.ts';
import { RegistryErrorCode } from './schema-types.ts';
import protobuf from 'protobufjs';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

/** Accepts any case ("backward"), returns the level, or throws RegistryError 42203. */
export function parseCompatibilityLevel(value: unknown): CompatibilityLevel {
  const upper = typeof value === 'string' ? value.toUpperCase() : value;
  if (!isCompatibilityLevel(upper)) {
    throw new RegistryError(
      RegistryErrorCode.InvalidCompatibilityLevel,
      'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive',
      422,
    );
  }
  return upper;
}

/**
 * Reasons the candidate is incompatible with the existing versions (oldest first) under the level;
 * empty when it is compatible. Non-transitive levels look at the last version only.
 */
export function checkCompatibility(level: CompatibilityLevel, candidate: ParsedSchema, existing: ParsedSchema[]): string[] {
  if (level === 'NONE' || existing.length === 0) return [];
  const transitive = level.endsWith('_TRANSITIVE');
  const against = transitive ? existing : existing.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const messages: string[] = [];
  for (const previous of [...against].reverse()) {
    if (backward) {
      for (const m of canRead(candidate, previous, true)) messages.push(`BACKWARD: new schema cannot read data written with an earlier one: ${m}`);
    }
    if (forward) {
      for (const m of canRead(previous, candidate, false)) messages.push(`FORWARD: earlier schema cannot read data written with the new one: ${m}`);
    }
  }
  return [...new Set(messages)];
}

/**
 * Why a reader with `reader` cannot read data written with `writer` (empty = it can).
 * `readerIsNewer` tells which of the two is the newer schema (Protobuf's removal rules need it).
 */
export function canRead(reader: ParsedSchema, writer: ParsedSchema, readerIsNewer: boolean): string[] {
  if (reader.schemaType !== writer.schemaType) {
    return [`schema types differ (${writer.schemaType} → ${reader.schemaType})`];
  }
  switch (reader.schemaType) {
    case 'AVRO':
      return avroCanRead(reader, writer as ParsedAvro);
    case 'JSON':
      return jsonCanRead(reader, writer as ParsedJson);
    case 'PROTOBUF':
      return protobufCanRead(reader, writer as ParsedProtobuf, readerIsNewer);
  }
}

// ---------------------------------------------------------------- AVRO

function avroCanRead(reader: ParsedAvro, writer: ParsedAvro): string[] {
  try {
    reader.type.createResolver(writer.type);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

// ---------------------------------------------------------------- JSON

type Json = Record<string, unknown> | boolean;

interface JsonContext {
  readerRoot: ParsedJson;
  writerRoot: ParsedJson;
  depth: number;
}

function jsonCanRead(reader: ParsedJson, writer: ParsedJson): string[] {
  const out: string[] = [];
  compareJson(reader.json as Json, writer.json as Json, '#', { readerRoot: reader, writerRoot: writer, depth: 0 }, out);
  return out;
}

function deref(schema: Json, root: ParsedJson, seen = 0): Json {
  if (typeof schema !== 'object' || schema === null || typeof schema.$ref !== 'string' || seen > 16) return schema;
  const ref = schema.$ref;
  const hash = ref.indexOf('#');
  const docName = hash < 0 ? ref : ref.slice(0, hash);
  const pointer = hash < 0 ? '' : ref.slice(hash + 1);
  let document: unknown = docName === '' ? root.json : root.documents.get(docName);
  if (document === undefined) return schema; // external: compared by text
  for (const part of pointer.split('/').filter(Boolean)) {
    const key = decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~');
    document = document && typeof document === 'object' ? (document as Record<string, unknown>)[key] : undefined;
  }
  if (document === undefined || (typeof document !== 'object' && typeof document !== 'boolean')) return schema;
  const rest = { ...schema };
  delete rest.$ref;
  const target = deref(document as Json, root, seen + 1);
  if (Object.keys(rest).length === 0 || typeof target === 'boolean') return target;
  return { ...target, ...rest };
}

const TYPE_NAMES = ['null', 'boolean', 'object', 'array', 'number', 'integer', 'string'];

function typesOf(schema: Record<string, unknown>): Set<string> | null {
  const type = schema.type;
  if (type === undefined) {
    if (Array.isArray(schema.enum)) return new Set(schema.enum.map(jsonTypeOf));
    if ('const' in schema) return new Set([jsonTypeOf(schema.const)]);
    return null;
  }
  return new Set(Array.isArray(type) ? (type as string[]) : [type as string]);
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isClosed(schema: Record<string, unknown>): boolean {
  return schema.additionalProperties === false || schema.unevaluatedProperties === false;
}

function compareJson(
  readerIn: Json,
  writerIn: Json,
  path: string,
  ctx: JsonContext,
  out: string[],
): void {
  if (ctx.depth > 64) return;
  const inner = { ...ctx, depth: ctx.depth + 1 };
  const reader = deref(readerIn, ctx.readerRoot);
  const writer = deref(writerIn, ctx.writerRoot);
  if (reader === true || (typeof reader === 'object' && Object.keys(reader).length === 0)) return; // reads anything
  if (writer === false) return; // writes nothing
  if (reader === false) {
    out.push(`${path}: the reader accepts nothing`);
    return;
  }
  const w: Record<string, unknown> = writer === true ? {} : writer;
  const r = reader;
  if (typeof r.$ref === 'string' || typeof w.$ref === 'string') {
    if (r.$ref !== w.$ref) out.push(`${path}: reference changed from ${String(w.$ref)} to ${String(r.$ref)}`);
    return;
  }

  // Combinators: each writer branch must be readable by one reader branch.
  const rBranches = (r.oneOf ?? r.anyOf) as Json[] | undefined;
  const wBranches = (w.oneOf ?? w.anyOf) as Json[] | undefined;
  if (Array.isArray(rBranches) || Array.isArray(wBranches)) {
    const readers = Array.isArray(rBranches) ? rBranches.map((b) => mergeSiblings(r, b)) : [stripCombinators(r)];
    const writers = Array.isArray(wBranches) ? wBranches.map((b) => mergeSiblings(w, b)) : [stripCombinators(w)];
    writers.forEach((wb, i) => {
      const fits = readers.some((rb) => {
        const reasons: string[] = [];
        compareJson(rb, wb, path, inner, reasons);
        return reasons.length === 0;
      });
      if (!fits) out.push(`${path}: ${Array.isArray(wBranches) ? `branch ${i} of the writer` : 'the writer'} matches no branch of the reader`);
    });
    return;
  }
  if (Array.isArray(r.allOf) && Array.isArray(w.allOf)) {
    if (r.allOf.length > w.allOf.length) out.push(`${path}: allOf gained schemas`);
    (r.allOf as Json[]).forEach((rb, i) => {
      const wb = (w.allOf as Json[])[i];
      if (wb !== undefined) compareJson(rb, wb, `${path}/allOf/${i}`, inner, out);
    });
  } else if (Array.isArray(r.allOf)) {
    (r.allOf as Json[]).forEach((rb, i) => compareJson(rb, stripCombinators(w), `${path}/allOf/${i}`, inner, out));
  }

  // type
  const rTypes = typesOf(r);
  const wTypes = typesOf(w);
  if (rTypes) {
    if (!wTypes) out.push(`${path}: type narrowed from any to ${[...rTypes].join(', ')}`);
    else {
      for (const t of wTypes) {
        if (!TYPE_NAMES.includes(t)) continue;
        const ok = rTypes.has(t) || (t === 'integer' && rTypes.has('number'));
        if (!ok) out.push(`${path}: type ${t} is no longer allowed (now ${[...rTypes].join(', ')})`);
      }
    }
  }

  // enum / const
  const rValues = Array.isArray(r.enum) ? r.enum : 'const' in r ? [r.const] : undefined;
  const wValues = Array.isArray(w.enum) ? w.enum : 'const' in w ? [w.const] : undefined;
  if (rValues) {
    if (!wValues) out.push(`${path}: enum added`);
    else {
      const keys = new Set(rValues.map((v) => JSON.stringify(v)));
      const missing = wValues.filter((v) => !keys.has(JSON.stringify(v)));
      if (missing.length) out.push(`${path}: enum values removed: ${missing.map((v) => JSON.stringify(v)).join(', ')}`);
    }
  }

  // bounds
  for (const key of ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties', 'minContains']) {
    const rv = r[key];
    const wv = w[key];
    if (typeof rv === 'number' && (typeof wv !== 'number' || rv > wv)) out.push(`${path}: ${key} raised to ${rv}`);
  }
  for (const key of ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties', 'maxContains']) {
    const rv = r[key];
    const wv = w[key];
    if (typeof rv === 'number' && (typeof wv !== 'number' || rv < wv)) out.push(`${path}: ${key} lowered to ${rv}`);
  }
  for (const key of ['pattern', 'format', 'multipleOf']) {
    if (r[key] !== undefined && r[key] !== w[key]) out.push(`${path}: ${key} added or changed to ${JSON.stringify(r[key])}`);
  }
  if (r.uniqueItems === true && w.uniqueItems !== true) out.push(`${path}: uniqueItems added`);

  // objects
  const rProps = (r.properties ?? {}) as Record<string, Json>;
  const wProps = (w.properties ?? {}) as Record<string, Json>;
  const rAdditional = r.additionalProperties as Json | undefined;
  const wAdditional = w.additionalProperties as Json | undefined;
  const rRequired = new Set(Array.isArray(r.required) ? (r.required as string[]) : []);
  const wRequired = new Set(Array.isArray(w.required) ? (w.required as string[]) : []);
  if (isClosed(r) && !isClosed(w)) out.push(`${path}: content model closed (additionalProperties false)`);
  for (const name of rRequired) {
    if (wRequired.has(name)) continue;
    const prop = rProps[name];
    const hasDefault = prop !== undefined && typeof prop === 'object' && 'default' in prop;
    if (!hasDefault) out.push(`${path}/properties/${name}: required property added without a default`);
  }
  for (const [name, wProp] of Object.entries(wProps)) {
    const rProp = rProps[name];
    if (rProp !== undefined) compareJson(rProp, wProp, `${path}/properties/${name}`, inner, out);
    else if (isClosed(r)) out.push(`${path}/properties/${name}: property removed from a closed content model`);
    else if (rAdditional !== undefined && typeof rAdditional === 'object') {
      compareJson(rAdditional, wProp, `${path}/properties/${name}`, inner, out);
    }
  }
  for (const [name, rProp] of Object.entries(rProps)) {
    if (name in wProps) continue;
    if (wAdditional !== undefined && typeof wAdditional === 'object') {
      compareJson(rProp, wAdditional, `${path}/properties/${name}`, inner, out);
    }
  }
  if (rAdditional !== undefined && typeof rAdditional === 'object' && wAdditional !== false) {
    compareJson(rAdditional, wAdditional === undefined ? true : wAdditional, `${path}/additionalProperties`, inner, out);
  }

  // arrays
  const rItems = (r.prefixItems ?? (Array.isArray(r.items) ? r.items : undefined)) as Json[] | undefined;
  const wItems = (w.prefixItems ?? (Array.isArray(w.items) ? w.items : undefined)) as Json[] | undefined;
  if (rItems || wItems) {
    const n = Math.max(rItems?.length ?? 0, wItems?.length ?? 0);
    for (let i = 0; i < n; i++) {
      const ri = rItems?.[i] ?? itemsRest(r);
      const wi = wItems?.[i] ?? itemsRest(w);
      compareJson(ri, wi, `${path}/items/${i}`, inner, out);
    }
  }
  const rRest = itemsRest(r);
  const wRest = itemsRest(w);
  if (rRest !== true || wRest !== true) compareJson(rRest, wRest, `${path}/items`, inner, out);
}

/** The schema of array elements beyond the tuple part (or of all elements). */
function itemsRest(schema: Record<string, unknown>): Json {
  if (Array.isArray(schema.prefixItems)) return (schema.items as Json | undefined) ?? true;
  if (Array.isArray(schema.items)) return (schema.additionalItems as Json | undefined) ?? true;
  return (schema.items as Json | undefined) ?? true;
}

function stripCombinators(schema: Record<string, unknown>): Json {
  const copy = { ...schema };
  delete copy.oneOf;
  delete copy.anyOf;
  return copy;
}

function mergeSiblings(parent: Record<string, unknown>, branch: Json): Json {
  const siblings = stripCombinators(parent) as Record<string, unknown>;
  if (typeof branch === 'boolean') return Object.keys(siblings).length ? (branch ? siblings : false) : branch;
  return { ...siblings, ...branch };
}

// ---------------------------------------------------------------- PROTOBUF

const WIRE_GROUPS: string[][] = [
  ['int32', 'uint32', 'int64', 'uint64', 'bool', '<enum>'],
  ['sint32', 'sint64'],
  ['fixed32', 'sfixed32'],
  ['fixed64', 'sfixed64'],
  ['string', 'bytes'],
];

interface FieldShape {
  kind: string; // scalar name, '<enum>' or '<message>'
  typeName: string; // full name of an enum / message, else the scalar name
  repeated: boolean;
  map: boolean;
  keyType?: string;
  required: boolean;
  oneof?: string;
  name: string;
}

function shapeOf(field: protobuf.Field): FieldShape {
  const resolved = field.resolvedType;
  const kind = resolved instanceof protobuf.Enum ? '<enum>' : resolved instanceof protobuf.Type ? '<message>' : field.type;
  const typeName = resolved ? resolved.fullName.replace(/^\./, '') : field.type;
  return {
    kind,
    typeName,
    repeated: field.repeated,
    map: field.map,
    keyType: field.map ? (field as unknown as protobuf.MapField).keyType : undefined,
    required: field.required,
    oneof: field.partOf && !isSyntheticOneof(field) ? field.partOf.name : undefined,
    name: field.name,
  };
}

function isSyntheticOneof(field: protobuf.Field): boolean {
  // proto3 `optional` fields live in a synthetic oneof named "_<field>" with one member.
  const oneof = field.partOf;
  return !!oneof && oneof.fieldsArray.length === 1 && oneof.name === `_${field.name}`;
}

function wireCompatible(a: FieldShape, b: FieldShape): boolean {
  if (a.kind === '<message>' || b.kind === '<message>') return a.kind === b.kind && a.typeName === b.typeName;
  if (a.kind === '<enum>' && b.kind === '<enum>') return a.typeName === b.typeName;
  if (a.kind === b.kind) return true;
  return WIRE_GROUPS.some((group) => group.includes(a.kind) && group.includes(b.kind));
}

function describe(shape: FieldShape): string {
  const base = shape.map ? `map<${shape.keyType}, ${shape.typeName}>` : shape.typeName;
  return `${shape.repeated && !shape.map ? 'repeated ' : ''}${base}`;
}

function protobufCanRead(reader: ParsedProtobuf, writer: ParsedProtobuf, readerIsNewer: boolean): string[] {
  const out: string[] = [];
  const older = readerIsNewer ? writer : reader;
  const newer = readerIsNewer ? reader : writer;
  const newerNames = new Set(newer.messages.map((m) => m.fullName));
  for (const message of older.messages) {
    if (!newerNames.has(message.fullName)) out.push(`message ${message.fullName} removed`);
  }
  const olderFirst = older.messages[0]?.fullName;
  const newerFirst = newer.messages[0]?.fullName;
  if (olderFirst && newerFirst && olderFirst !== newerFirst && newerNames.has(olderFirst)) {
    out.push(`the first message changed from ${olderFirst} to ${newerFirst}`);
  }
  const readerMessages = new Map(reader.messages.map((m) => [m.fullName, m.type]));
  for (const { fullName, type: writerType } of writer.messages) {
    const readerType = readerMessages.get(fullName);
    if (!readerType) continue;
    const writerFields = new Map(writerType.fieldsArray.map((f) => [f.id, shapeOf(f)]));
    const readerFields = new Map(readerType.fieldsArray.map((f) => [f.id, shapeOf(f)]));
    for (const [id, r] of readerFields) {
      const w = writerFields.get(id);
      if (!w) {
        if (r.required) out.push(`${fullName}: required field ${r.name} (${id}) is missing in the writer`);
        continue;
      }
      if (r.map !== w.map) out.push(`${fullName}: field ${id} changed between map and non-map (${describe(w)} → ${describe(r)})`);
      else if (r.map && (r.keyType !== w.keyType || !wireCompatible(r, w) || r.kind !== w.kind)) {
        out.push(`${fullName}: map field ${id} changed type (${describe(w)} → ${describe(r)})`);
      } else if (r.repeated !== w.repeated) {
        out.push(`${fullName}: field ${id} changed between repeated and singular (${describe(w)} → ${describe(r)})`);
      } else if (!wireCompatible(r, w)) {
        out.push(`${fullName}: field ${id} changed type (${describe(w)} → ${describe(r)})`);
      }
      if (r.required && !w.required) out.push(`${fullName}: field ${r.name} (${id}) became required`);
    }
    // Existing fields moved together into one oneof.
    const newerFields = readerIsNewer ? readerFields : writerFields;
    const olderFields = readerIsNewer ? writerFields : readerFields;
    const moved = new Map<string, number>();
    for (const [id, shape] of newerFields) {
      const before = olderFields.get(id);
      if (shape.oneof && before && !before.oneof) moved.set(shape.oneof, (moved.get(shape.oneof) ?? 0) + 1);
    }
    for (const [oneof, count] of moved) {
      if (count > 1) out.push(`${fullName}: ${count} existing fields moved into oneof ${oneof}`);
    }
  }
  return out;
}
