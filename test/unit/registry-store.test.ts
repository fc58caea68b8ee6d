import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../src/journal/migrate.ts';
import { RegistryStore } from '../../src/registry/registry-store.ts';
import { EmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { RegistryError, type SchemaDefinition } from '../../src/registry/schema-registry.ts';

const root = mkdtempSync(join(tmpdir(), 'kafka-rest-registry-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

let count = 0;
function openDb(): Database.Database {
  const db = new Database(join(root, `r-${++count}.db`));
  migrate(db);
  return db;
}

const avro = (fields: object[], name = 'User'): SchemaDefinition => ({
  schemaType: 'AVRO',
  schema: JSON.stringify({ type: 'record', name, namespace: 'test', fields }),
});
const V1 = avro([{ name: 'id', type: 'long' }]);
const V2 = avro([
  { name: 'id', type: 'long' },
  { name: 'email', type: ['null', 'string'], default: null },
]);
const V3_BREAKING = avro([
  { name: 'id', type: 'long' },
  { name: 'age', type: 'int' },
]);

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RegistryError, `expected a RegistryError, got ${String(error)}`);
    return error.errorCode;
  }
  assert.fail('expected an error');
}

describe('RegistryStore', () => {
  let store: RegistryStore;
  beforeEach(() => {
    store = new RegistryStore(openDb());
  });

  test('the same type + text + references always gets the same id, across subjects', () => {
    const a = store.schemaId('AVRO', '"string"', []);
    const b = store.schemaId('AVRO', '"string"', []);
    const json = store.schemaId('JSON', '"string"', []);
    const withRef = store.schemaId('AVRO', '"string"', [{ name: 'x', subject: 's', version: 1 }]);
    assert.equal(a, b);
    assert.notEqual(a, json);
    assert.notEqual(a, withRef);
    assert.equal(store.findSchemaId('AVRO', '"string"', []), a);
    assert.equal(store.findSchemaId('AVRO', '"int"', []), undefined);
    assert.deepEqual(store.schema(withRef), {
      id: withRef,
      schemaType: 'AVRO',
      schema: '"string"',
      references: [{ name: 'x', subject: 's', version: 1 }],
    });
  });

  test('versions count up per subject, soft-deleted ones included', () => {
    const id = store.schemaId('AVRO', '"int"', []);
    assert.equal(store.addVersion('s', id), 1);
    assert.equal(store.addVersion('s', id), 2);
    assert.equal(store.addVersion('t', id), 1);
    assert.ok(store.softDeleteVersion('s', 2));
    assert.equal(store.softDeleteVersion('s', 2), false);
    assert.deepEqual(store.versions('s').map((v) => v.version), [1]);
    assert.deepEqual(store.versions('s', true).map((v) => [v.version, v.deleted]), [
      [1, false],
      [2, true],
    ]);
    assert.equal(store.addVersion('s', id), 3);
    assert.ok(store.hardDeleteVersion('s', 2));
    assert.equal(store.version('s', 2), undefined);
    assert.deepEqual(store.subjects(), ['s', 't']);
    assert.deepEqual(store.versionsOfSchema(id).map((v) => `${v.subject}/${v.version}`), ['s/1', 's/3', 't/1']);
  });

  test('config: global and per subject, deletable', () => {
    assert.equal(store.compatibility(null), undefined);
    store.setCompatibility(null, 'FULL');
    store.setCompatibility('s', 'NONE');
    store.setCompatibility('s', 'FORWARD');
    assert.equal(store.compatibility(null), 'FULL');
    assert.equal(store.compatibility('s'), 'FORWARD');
    assert.equal(store.deleteCompatibility('s'), 'FORWARD');
    assert.equal(store.compatibility('s'), undefined);
    assert.equal(store.compatibility(null), 'FULL');
  });

  test('works on a database shared with the journal tables', () => {
    const db = openDb();
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
    for (const t of ['journal_events', 'registry_schemas', 'registry_subject_versions', 'registry_config']) {
      assert.ok(tables.includes(t), t);
    }
  });
});

describe('EmbeddedRegistry', () => {
  let registry: EmbeddedRegistry;
  beforeEach(() => {
    registry = EmbeddedRegistry.open(openDb());
  });

  test('register is idempotent and ids are shared between subjects', async () => {
    const id1 = await registry.register('a-value', V1);
    assert.equal(await registry.register('a-value', V1), id1);
    // Whitespace does not make a new schema.
    assert.equal(await registry.register('a-value', { schemaType: 'AVRO', schema: JSON.stringify(JSON.parse(V1.schema), null, 2) }), id1);
    assert.equal(await registry.register('b-value', V1), id1);
    assert.deepEqual(registry.versions('a-value'), [1]);
    assert.deepEqual(registry.subjectVersionsOfSchema(id1), [
      { subject: 'a-value', version: 1 },
      { subject: 'b-value', version: 1 },
    ]);
    const id2 = await registry.register('a-value', V2);
    assert.notEqual(id2, id1);
    assert.deepEqual(registry.versions('a-value'), [1, 2]);
    const latest = await registry.getVersion('a-value', 'latest');
    assert.equal(latest.version, 2);
    assert.equal(latest.id, id2);
    assert.equal((await registry.getById(id1)).schema, V1.schema);
    // ids survive reopening the registry on the same database
    const again = new EmbeddedRegistry(registry.store);
    assert.equal(await again.register('c-value', V2), id2);
  });

  test('incompatible changes are refused with 409 at the default level, accepted at NONE', async () => {
    await registry.register('s', V1);
    await assert.rejects(registry.register('s', V3_BREAKING), (e: RegistryError) => e.errorCode === 409 && e.status === 409);
    registry.setCompatibility('s', 'NONE');
    await registry.register('s', V3_BREAKING);
    assert.deepEqual(registry.versions('s'), [1, 2]);
  });

  test('errors: unknown id, subject, version; invalid schema', async () => {
    await registry.register('s', V1);
    await assert.rejects(registry.getById(999), (e: RegistryError) => e.errorCode === 40403);
    await assert.rejects(registry.getVersion('nope', 1), (e: RegistryError) => e.errorCode === 40401);
    await assert.rejects(registry.getVersion('s', 7), (e: RegistryError) => e.errorCode === 40402);
    await assert.rejects(registry.register('s', { schemaType: 'AVRO', schema: '{"type":' }), (e: RegistryError) => e.errorCode === 42201);
    assert.equal(code(() => registry.lookup('s', V2)), 40403);
    assert.equal(code(() => registry.lookup('x', V1)), 40401);
    assert.equal(registry.lookup('s', V1).version, 1);
  });

  test('soft then permanent delete of a subject', async () => {
    const id = await registry.register('s', V1);
    await registry.register('s', V2);
    assert.equal(code(() => registry.deleteSubject('s', true)), 40405);
    assert.deepEqual(registry.deleteSubject('s'), [1, 2]);
    assert.equal(code(() => registry.deleteSubject('s')), 40404);
    assert.equal(code(() => registry.versions('s')), 40401);
    assert.deepEqual(registry.versions('s', true), [1, 2]);
    assert.deepEqual(registry.subjects(), []);
    assert.deepEqual(registry.subjects(true), ['s']);
    assert.equal((await registry.getById(id)).id, id); // still readable while soft-deleted
    assert.equal(registry.subjectVersion('s', 1, true).id, id);
    assert.deepEqual(registry.deleteSubject('s', true), [1, 2]);
    assert.equal(code(() => registry.deleteSubject('s', true)), 40401);
    assert.equal(code(() => registry.schemaById(id)), 40403);
    // registering it again brings the same id back, at version 1
    assert.equal(await registry.register('s', V1), id);
    assert.deepEqual(registry.versions('s'), [1]);
  });

  test('soft then permanent delete of a version; a soft-deleted version is skipped', async () => {
    await registry.register('s', V1);
    await registry.register('s', V2);
    assert.equal(code(() => registry.deleteVersion('s', 2, true)), 40407);
    assert.equal(registry.deleteVersion('s', 'latest'), 2);
    assert.equal(code(() => registry.deleteVersion('s', 2)), 40406);
    assert.equal(code(() => registry.deleteVersion('s', 9)), 40402);
    assert.equal((await registry.getVersion('s', 'latest')).version, 1);
    assert.equal(code(() => registry.subjectVersion('s', 2)), 40402);
    assert.equal(registry.deleteVersion('s', 2, true), 2);
    // a new version after the soft-deleted one takes the next number
    await registry.register('s', V2);
    assert.deepEqual(registry.versions('s'), [1, 2]);
  });

  test('config: default BACKWARD, global, per subject with defaultToGlobal', () => {
    assert.equal(registry.getCompatibility(null), 'BACKWARD');
    assert.equal(code(() => registry.getCompatibility('s')), 40408);
    assert.equal(registry.getCompatibility('s', true), 'BACKWARD');
    registry.setCompatibility(null, 'FULL');
    assert.equal(registry.getCompatibility('s', true), 'FULL');
    registry.setCompatibility('s', 'NONE');
    assert.equal(registry.getCompatibility('s'), 'NONE');
    assert.equal(registry.effectiveCompatibility('s'), 'NONE');
    assert.equal(registry.deleteCompatibility('s'), 'NONE');
    assert.equal(registry.effectiveCompatibility('s'), 'FULL');
    assert.equal(registry.deleteCompatibility(null), 'FULL');
    assert.equal(registry.getCompatibility(null), 'BACKWARD');
  });

  test('Avro references resolve through the registry and protect the referenced version', async () => {
    const address = { type: 'record', name: 'Address', namespace: 'test', fields: [{ name: 'city', type: 'string' }] };
    await registry.register('address', { schemaType: 'AVRO', schema: JSON.stringify(address) });
    const person: SchemaDefinition = {
      schemaType: 'AVRO',
      schema: JSON.stringify({ type: 'record', name: 'Person', namespace: 'test', fields: [{ name: 'home', type: 'test.Address' }] }),
      references: [{ name: 'test.Address', subject: 'address', version: 1 }],
    };
    const id = await registry.register('person', person);
    assert.deepEqual((await registry.getById(id)).references, person.references);
    // without the reference the name is unknown
    await assert.rejects(registry.register('other', { ...person, references: [] }), (e: RegistryError) => e.errorCode === 42201);
    // a reference to nothing is an invalid schema
    await assert.rejects(
      registry.register('other', { ...person, references: [{ name: 'test.Address', subject: 'address', version: 5 }] }),
      (e: RegistryError) => e.errorCode === 42201,
    );
    assert.equal(code(() => registry.deleteVersion('address', 1)), 42206);
    assert.equal(code(() => registry.deleteSubject('address')), 42206);
  });

  test('JSON and Protobuf references', async () => {
    await registry.register('addr-json', {
      schemaType: 'JSON',
      schema: JSON.stringify({ type: 'object', properties: { city: { type: 'string' } } }),
    });
    const jsonId = await registry.register('person-json', {
      schemaType: 'JSON',
      schema: JSON.stringify({ type: 'object', properties: { home: { $ref: 'address.json' } } }),
      references: [{ name: 'address.json', subject: 'addr-json', version: 1 }],
    });
    assert.ok(jsonId > 0);
    await registry.register('addr-proto', {
      schemaType: 'PROTOBUF',
      schema: 'syntax = "proto3";\npackage test;\nmessage Address { string city = 1; }\n',
    });
    const protoId = await registry.register('person-proto', {
      schemaType: 'PROTOBUF',
      schema: 'syntax = "proto3";\npackage test;\nimport "address.proto";\nmessage Person { Address home = 1; }\n',
      references: [{ name: 'address.proto', subject: 'addr-proto', version: 1 }],
    });
    assert.ok(protoId > jsonId);
    await assert.rejects(
      registry.register('bad-proto', {
        schemaType: 'PROTOBUF',
        schema: 'syntax = "proto3";\npackage test;\nimport "address.proto";\nmessage Person { Address home = 1; }\n',
      }),
      (e: RegistryError) => e.errorCode === 42201,
    );
  });

  test('testCompatibility against the latest, a given version and all', async () => {
    await registry.register('s', V1);
    registry.setCompatibility('s', 'NONE');
    await registry.register('s', V3_BREAKING);
    registry.setCompatibility('s', 'BACKWARD');
    const addDefault = avro([
      { name: 'id', type: 'long' },
      { name: 'age', type: 'int' },
      { name: 'x', type: 'string', default: '' },
    ]);
    assert.equal(registry.testCompatibility('s', 'latest', addDefault).isCompatible, true);
    const vs1 = registry.testCompatibility('s', 1, addDefault);
    assert.equal(vs1.isCompatible, false);
    assert.ok(vs1.messages.length > 0);
    registry.setCompatibility('s', 'BACKWARD_TRANSITIVE');
    assert.equal(registry.testCompatibility('s', undefined, addDefault).isCompatible, false);
    assert.equal(registry.testCompatibility('none-yet', 'latest', V1).isCompatible, true);
    assert.equal(code(() => registry.testCompatibility('s', 9, V1)), 40402);
  });
});
