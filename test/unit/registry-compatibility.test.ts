import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkCompatibility,
  COMPATIBILITY_LEVELS,
  parseCompatibilityLevel,
  type CompatibilityLevel,
} from '../../src/registry/compatibility.ts';
import { parseSchema, type ParsedSchema } from '../../src/registry/schema-types.ts';
import type { RegistryError, SchemaType } from '../../src/registry/schema-registry.ts';

const noRefs = () => {
  throw new Error('no references here');
};
const parse = (schemaType: SchemaType, schema: unknown): ParsedSchema =>
  parseSchema({ schemaType, schema: typeof schema === 'string' ? schema : JSON.stringify(schema) }, noRefs);

const record = (fields: object[]) => parse('AVRO', { type: 'record', name: 'User', namespace: 'test', fields });
const ok = (level: CompatibilityLevel, candidate: ParsedSchema, existing: ParsedSchema[]) =>
  assert.deepEqual(checkCompatibility(level, candidate, existing), [], `${level} should be compatible`);
const bad = (level: CompatibilityLevel, candidate: ParsedSchema, existing: ParsedSchema[]) =>
  assert.ok(checkCompatibility(level, candidate, existing).length > 0, `${level} should be incompatible`);

describe('compatibility levels', () => {
  test('parse accepts any case and refuses unknown levels with 42203', () => {
    assert.equal(parseCompatibilityLevel('full_transitive'), 'FULL_TRANSITIVE');
    assert.throws(() => parseCompatibilityLevel('SOMETIMES'), (e: RegistryError) => e.errorCode === 42203 && e.status === 422);
    assert.throws(() => parseCompatibilityLevel(undefined), (e: RegistryError) => e.errorCode === 42203);
  });

  test('NONE and a first version accept anything', () => {
    const a = record([{ name: 'id', type: 'long' }]);
    const b = parse('AVRO', '"string"');
    ok('NONE', b, [a]);
    for (const level of COMPATIBILITY_LEVELS) ok(level, b, []);
  });

  test('different schema types are never compatible', () => {
    bad('BACKWARD', parse('JSON', { type: 'string' }), [parse('AVRO', '"string"')]);
  });
});

describe('Avro', () => {
  const v1 = record([{ name: 'id', type: 'long' }]);
  const addWithDefault = record([
    { name: 'id', type: 'long' },
    { name: 'email', type: ['null', 'string'], default: null },
  ]);
  const addWithoutDefault = record([
    { name: 'id', type: 'long' },
    { name: 'email', type: 'string' },
  ]);
  const removeField = record([]);
  const promoted = parse('AVRO', { type: 'record', name: 'User', namespace: 'test', fields: [{ name: 'n', type: 'long' }] });
  const narrow = parse('AVRO', { type: 'record', name: 'User', namespace: 'test', fields: [{ name: 'n', type: 'int' }] });

  test('adding a field with a default: compatible every way', () => {
    for (const level of COMPATIBILITY_LEVELS) ok(level, addWithDefault, [v1]);
  });

  test('adding a field without a default: backward incompatible, forward compatible', () => {
    bad('BACKWARD', addWithoutDefault, [v1]);
    bad('BACKWARD_TRANSITIVE', addWithoutDefault, [v1]);
    ok('FORWARD', addWithoutDefault, [v1]);
    ok('FORWARD_TRANSITIVE', addWithoutDefault, [v1]);
    bad('FULL', addWithoutDefault, [v1]);
    bad('FULL_TRANSITIVE', addWithoutDefault, [v1]);
  });

  test('removing a field without a default: backward compatible, forward incompatible', () => {
    ok('BACKWARD', removeField, [v1]);
    bad('FORWARD', removeField, [v1]);
    bad('FULL', removeField, [v1]);
  });

  test('removing a field that had a default: compatible every way', () => {
    for (const level of COMPATIBILITY_LEVELS) ok(level, v1, [addWithDefault]);
  });

  test('int → long promotion is backward compatible only', () => {
    ok('BACKWARD', promoted, [narrow]);
    bad('FORWARD', promoted, [narrow]);
    bad('FULL', promoted, [narrow]);
  });

  test('renaming the record and changing a field type are incompatible', () => {
    const renamed = parse('AVRO', { type: 'record', name: 'Person', namespace: 'test', fields: [{ name: 'id', type: 'long' }] });
    bad('BACKWARD', renamed, [v1]);
    const retyped = record([{ name: 'id', type: 'string' }]);
    bad('BACKWARD', retyped, [v1]);
    bad('FORWARD', retyped, [v1]);
  });

  test('enum: adding a symbol is backward compatible, removing one is not', () => {
    const e = (symbols: string[]) => parse('AVRO', { type: 'enum', name: 'Color', symbols });
    ok('BACKWARD', e(['RED', 'GREEN', 'BLUE']), [e(['RED', 'GREEN'])]);
    bad('FORWARD', e(['RED', 'GREEN', 'BLUE']), [e(['RED', 'GREEN'])]);
    bad('BACKWARD', e(['RED']), [e(['RED', 'GREEN'])]);
  });

  test('transitive levels check every version, the others only the latest', () => {
    // v1 {id}; v2 {id, email=null}; v3 {id, email nullable without default}: v3 reads v2 data, not v1 data.
    const history = [v1, addWithDefault];
    const nullableNoDefault = record([
      { name: 'id', type: 'long' },
      { name: 'email', type: ['null', 'string'] },
    ]);
    ok('BACKWARD', nullableNoDefault, history);
    bad('BACKWARD_TRANSITIVE', nullableNoDefault, history);
    // FORWARD: v3 = {id} after {id, x no default} after {id}: the latest reads it, the first does not.
    const withX = record([
      { name: 'id', type: 'long' },
      { name: 'x', type: 'int' },
    ]);
    const forwardHistory = [withX, addWithDefault];
    ok('FORWARD', v1, forwardHistory);
    bad('FORWARD_TRANSITIVE', v1, forwardHistory);
    ok('FULL', v1, forwardHistory);
    bad('FULL_TRANSITIVE', v1, forwardHistory);
  });
});

describe('JSON Schema', () => {
  const base = {
    type: 'object',
    properties: { id: { type: 'integer' }, name: { type: 'string' } },
    required: ['id'],
  };
  const json = (schema: object) => parse('JSON', schema);

  test('adding an optional property is compatible; a new required one without default is not (backward)', () => {
    ok('FULL', json({ ...base, properties: { ...base.properties, email: { type: 'string' } } }), [json(base)]);
    bad('BACKWARD', json({ ...base, properties: { ...base.properties, email: { type: 'string' } }, required: ['id', 'email'] }), [
      json(base),
    ]);
    ok('BACKWARD', json({ ...base, properties: { ...base.properties, email: { type: 'string', default: '' } }, required: ['id', 'email'] }), [
      json(base),
    ]);
    // forward: the old schema requires id; dropping the requirement is forward incompatible
    bad('FORWARD', json({ ...base, required: [] }), [json(base)]);
    ok('BACKWARD', json({ ...base, required: [] }), [json(base)]);
  });

  test('widening a type is backward compatible, narrowing is not', () => {
    const widened = json({ ...base, properties: { ...base.properties, id: { type: 'number' } } });
    ok('BACKWARD', widened, [json(base)]);
    bad('FORWARD', widened, [json(base)]);
    const changed = json({ ...base, properties: { ...base.properties, name: { type: 'integer' } } });
    bad('BACKWARD', changed, [json(base)]);
    const union = json({ ...base, properties: { ...base.properties, name: { type: ['string', 'null'] } } });
    ok('BACKWARD', union, [json(base)]);
  });

  test('closed content models', () => {
    const closed = { ...base, additionalProperties: false };
    bad('BACKWARD', json(closed), [json(base)]); // closing the model narrows
    ok('FORWARD', json(closed), [json(base)]);
    // removing a property from a closed model: old data had it, new reader rejects it
    const closedLess = { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'], additionalProperties: false };
    bad('BACKWARD', json(closedLess), [json(closed)]);
    ok('FORWARD', json(closedLess), [json(closed)]);
    // adding an optional property to a closed model is backward compatible, not forward
    const closedMore = { ...closed, properties: { ...closed.properties, extra: { type: 'boolean' } } };
    ok('BACKWARD', json(closedMore), [json(closed)]);
    bad('FORWARD', json(closedMore), [json(closed)]);
  });

  test('enums, bounds, patterns and arrays', () => {
    const e = (values: string[]) => json({ type: 'string', enum: values });
    ok('BACKWARD', e(['a', 'b', 'c']), [e(['a', 'b'])]);
    bad('BACKWARD', e(['a']), [e(['a', 'b'])]);
    bad('BACKWARD', json({ type: 'string', maxLength: 5 }), [json({ type: 'string', maxLength: 10 })]);
    ok('BACKWARD', json({ type: 'string', maxLength: 20 }), [json({ type: 'string', maxLength: 10 })]);
    bad('BACKWARD', json({ type: 'string', pattern: '^a' }), [json({ type: 'string' })]);
    bad('BACKWARD', json({ type: 'array', items: { type: 'integer' } }), [json({ type: 'array', items: { type: 'string' } })]);
    ok('BACKWARD', json({ type: 'array', items: { type: 'number' } }), [json({ type: 'array', items: { type: 'integer' } })]);
  });

  test('oneOf: a writer branch must fit some reader branch; local $ref are followed', () => {
    const one = json({ oneOf: [{ type: 'string' }, { type: 'integer' }] });
    const more = json({ oneOf: [{ type: 'string' }, { type: 'integer' }, { type: 'boolean' }] });
    ok('BACKWARD', more, [one]);
    bad('FORWARD', more, [one]);
    const withRef = (t: string) => json({ definitions: { id: { type: t } }, type: 'object', properties: { id: { $ref: '#/definitions/id' } } });
    ok('BACKWARD', withRef('number'), [withRef('integer')]);
    bad('BACKWARD', withRef('string'), [withRef('integer')]);
  });
});

describe('Protobuf', () => {
  const proto = (body: string) => parse('PROTOBUF', `syntax = "proto3";\npackage test;\n${body}`);
  const v1 = proto('message User { int64 id = 1; string name = 2; }');

  test('adding and removing fields is compatible every way', () => {
    for (const level of COMPATIBILITY_LEVELS) {
      ok(level, proto('message User { int64 id = 1; string name = 2; string email = 3; }'), [v1]);
      ok(level, proto('message User { int64 id = 1; reserved 2; }'), [v1]);
    }
  });

  test('renaming a field keeps the number: compatible', () => {
    ok('FULL', proto('message User { int64 user_id = 1; string name = 2; }'), [v1]);
  });

  test('changing a field number type: wire-compatible groups are fine, others are not', () => {
    ok('FULL', proto('message User { int32 id = 1; string name = 2; }'), [v1]);
    ok('FULL', proto('message User { int64 id = 1; bytes name = 2; }'), [v1]);
    bad('BACKWARD', proto('message User { string id = 1; string name = 2; }'), [v1]);
    bad('FORWARD', proto('message User { fixed64 id = 1; string name = 2; }'), [v1]);
    bad('BACKWARD', proto('message User { int64 id = 1; repeated string name = 2; }'), [v1]);
  });

  test('a removed field number reused with another type is incompatible', () => {
    const removed = proto('message User { int64 id = 1; }');
    const reused = proto('message User { int64 id = 1; double score = 2; }');
    ok('BACKWARD', removed, [v1]);
    ok('BACKWARD', reused, [removed]);
    bad('BACKWARD_TRANSITIVE', reused, [v1, removed]);
  });

  test('message-typed fields keep their message; messages may not be removed', () => {
    const withAddress = proto('message User { int64 id = 1; Address a = 3; }\nmessage Address { string city = 1; }');
    const otherType = proto('message User { int64 id = 1; Other a = 3; }\nmessage Address { string city = 1; }\nmessage Other { string city = 1; }');
    bad('BACKWARD', otherType, [withAddress]);
    bad('BACKWARD', proto('message User { int64 id = 1; }'), [withAddress]);
    ok('BACKWARD', proto('message User { int64 id = 1; Address a = 3; }\nmessage Address { string city = 1; }\nmessage Extra { bool b = 1; }'), [
      withAddress,
    ]);
  });

  test('several existing fields moved into one oneof are incompatible', () => {
    bad('BACKWARD', proto('message User { oneof choice { int64 id = 1; string name = 2; } }'), [v1]);
    ok('BACKWARD', proto('message User { string name = 2; oneof choice { int64 id = 1; string other = 3; } }'), [v1]);
  });

  test('proto2 required fields', () => {
    const p2 = (body: string) => parse('PROTOBUF', `syntax = "proto2";\npackage test;\n${body}`);
    const base = p2('message User { required int64 id = 1; }');
    bad('BACKWARD', p2('message User { required int64 id = 1; required string name = 2; }'), [base]);
    ok('BACKWARD', p2('message User { required int64 id = 1; optional string name = 2; }'), [base]);
  });
});
