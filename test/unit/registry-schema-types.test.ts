import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSchema } from '../../src/registry/schema-types.ts';
import { RegistryError, type SchemaDefinition, type SchemaReference } from '../../src/registry/schema-registry.ts';

const refs = (table: Record<string, SchemaDefinition>) => (reference: SchemaReference) => {
  const found = table[`${reference.subject}/${reference.version}`];
  if (!found) throw new RegistryError(40401, `Subject '${reference.subject}' not found.`);
  return found;
};
const none = refs({});
const invalid = (definition: SchemaDefinition, resolve = none) =>
  assert.throws(() => parseSchema(definition, resolve), (e: RegistryError) => e.errorCode === 42201 && e.status === 422 && /Invalid schema/.test(e.message));

describe('schema types', () => {
  test('Avro: canonical text drops whitespace, keeps key order; invalid schemas are 42201', () => {
    const parsed = parseSchema({ schemaType: 'AVRO', schema: '{ "type" : "record", "name": "R",\n "fields": [ {"name": "a", "type": "int"} ] }' }, none);
    assert.equal(parsed.canonical, '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}');
    assert.equal(parseSchema({ schemaType: 'AVRO', schema: ' "string" ' }, none).canonical, '"string"');
    invalid({ schemaType: 'AVRO', schema: '{"type":"record","name":"R"}' });
    invalid({ schemaType: 'AVRO', schema: '{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}' });
    invalid({ schemaType: 'AVRO', schema: 'not json' });
    invalid({ schemaType: 'AVRO', schema: '' });
  });

  test('Avro references: named types from referenced subjects, nested', () => {
    const table = {
      'zip/1': { schemaType: 'AVRO' as const, schema: JSON.stringify({ type: 'fixed', name: 'Zip', namespace: 'x', size: 5 }) },
      'addr/1': {
        schemaType: 'AVRO' as const,
        schema: JSON.stringify({ type: 'record', name: 'Address', namespace: 'x', fields: [{ name: 'zip', type: 'x.Zip' }] }),
        references: [{ name: 'x.Zip', subject: 'zip', version: 1 }],
      },
    };
    const parsed = parseSchema(
      {
        schemaType: 'AVRO',
        schema: JSON.stringify({ type: 'record', name: 'P', namespace: 'x', fields: [{ name: 'a', type: 'Address' }, { name: 'b', type: 'x.Zip' }] }),
        references: [{ name: 'x.Address', subject: 'addr', version: 1 }],
      },
      refs(table),
    );
    assert.equal(parsed.schemaType, 'AVRO');
    if (parsed.schemaType === 'AVRO') {
      const value = { a: { zip: Buffer.from('12345') }, b: Buffer.from('67890') };
      assert.ok(parsed.type.isValid(value));
    }
    invalid({ schemaType: 'AVRO', schema: '"x.Address"', references: [{ name: 'x.Address', subject: 'missing', version: 1 }] }, refs(table));
  });

  test('JSON: drafts 07 and 2020-12, formats, references', () => {
    const d7 = parseSchema({ schemaType: 'JSON', schema: '{"type":"string","format":"email"}' }, none);
    assert.ok(d7.schemaType === 'JSON' && d7.validate('a@b.c') && !d7.validate('nope'));
    const d2020 = parseSchema(
      { schemaType: 'JSON', schema: JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'integer' }] }) },
      none,
    );
    assert.ok(d2020.schemaType === 'JSON' && d2020.validate([1]) && !d2020.validate(['x']));
    invalid({ schemaType: 'JSON', schema: '{"type":"strin"}' });
    invalid({ schemaType: 'JSON', schema: '[1]' });
    invalid({ schemaType: 'JSON', schema: '{"$ref":"other.json"}' });
    const withRef = parseSchema(
      { schemaType: 'JSON', schema: '{"$ref":"other.json"}', references: [{ name: 'other.json', subject: 'o', version: 1 }] },
      refs({ 'o/1': { schemaType: 'JSON', schema: '{"type":"integer"}' } }),
    );
    assert.ok(withRef.schemaType === 'JSON' && withRef.validate(3) && !withRef.validate('3'));
  });

  test('Protobuf: imports from references and google/protobuf, own messages listed', () => {
    const parsed = parseSchema(
      {
        schemaType: 'PROTOBUF',
        schema:
          'syntax = "proto3";\r\npackage shop;\r\nimport "common.proto";\r\nimport "google/protobuf/timestamp.proto";\r\n' +
          'message Order { common.Money total = 1; google.protobuf.Timestamp at = 2; message Line { string sku = 1; } repeated Line lines = 3; }\r\n',
        references: [{ name: 'common.proto', subject: 'common', version: 1 }],
      },
      refs({ 'common/1': { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\npackage common;\nmessage Money { int64 cents = 1; }' } }),
    );
    assert.ok(parsed.schemaType === 'PROTOBUF');
    if (parsed.schemaType === 'PROTOBUF') {
      assert.deepEqual(parsed.messages.map((m) => m.fullName), ['shop.Order', 'shop.Order.Line']);
      assert.ok(!parsed.canonical.includes('\r'));
    }
    invalid({ schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\nimport "common.proto";\nmessage A { common.Money m = 1; }' });
    invalid({ schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\nmessage A { Unknown u = 1; }' });
    invalid({ schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message A { int32 = 1; }' });
  });
});
