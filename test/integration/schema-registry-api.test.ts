/**
 * The embedded schema registry's REST API, driven by an independent Confluent client
 * (@kafkajs/confluent-schema-registry) and by raw HTTP. No Kafka needed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { migrate } from '../../src/journal/migrate.ts';
import { EmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { createRegistryApp } from '../../src/registry/routes.ts';

const V1_TYPE = 'application/vnd.schemaregistry.v1+json';

let dir: string;
let db: Database.Database;
let server: Server;
let url: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-rest-schema-registry-'));
  db = new Database(join(dir, 'registry.db'));
  migrate(db);
  const app = createRegistryApp(EmbeddedRegistry.open(db));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  type: string | null;
  body: any;
  text: string;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': V1_TYPE, ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, type: response.headers.get('content-type'), body: parsed, text };
}

function expectError(reply: Reply, status: number, errorCode: number, message?: RegExp): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.body?.error_code, errorCode, reply.text);
  assert.equal(typeof reply.body?.message, 'string');
  if (message) assert.match(reply.body.message, message);
}

const avroRecord = (name: string, fields: object[]) => JSON.stringify({ type: 'record', name, namespace: 'test', fields });

describe('with @kafkajs/confluent-schema-registry', () => {
  let client: SchemaRegistry;
  before(() => {
    client = new SchemaRegistry({ host: url }, {});
  });

  test('Avro: register, latest id, encode/decode round trip, registry id of an existing schema', async () => {
    const schema = avroRecord('Client', [
      { name: 'id', type: 'long' },
      { name: 'name', type: 'string' },
    ]);
    const { id } = await client.register({ type: SchemaType.AVRO, schema }, { subject: 'client-avro-value' });
    assert.ok(id > 0);
    assert.equal(await client.getLatestSchemaId('client-avro-value'), id);
    assert.equal(await client.getRegistryId('client-avro-value', 1), id);
    assert.equal(await client.getRegistryIdBySchema('client-avro-value', { type: SchemaType.AVRO, schema }), id);
    // registering again gives the same id
    const again = await client.register({ type: SchemaType.AVRO, schema }, { subject: 'client-avro-value' });
    assert.equal(again.id, id);

    const encoded = await client.encode(id, { id: 42, name: 'ada' });
    assert.equal(encoded[0], 0);
    assert.equal(encoded.readInt32BE(1), id);
    // a fresh client (empty cache) must fetch the schema by id to decode
    const fresh = new SchemaRegistry({ host: url });
    assert.deepEqual({ ...(await fresh.decode(encoded)) }, { id: 42, name: 'ada' });

    // a compatible evolution becomes version 2
    const evolved = avroRecord('Client', [
      { name: 'id', type: 'long' },
      { name: 'name', type: 'string' },
      { name: 'email', type: ['null', 'string'], default: null },
    ]);
    const v2 = await client.register({ type: SchemaType.AVRO, schema: evolved }, { subject: 'client-avro-value' });
    assert.notEqual(v2.id, id);
    assert.equal(await client.getLatestSchemaId('client-avro-value'), v2.id);
    // an incompatible one is refused
    await assert.rejects(
      client.register(
        { type: SchemaType.AVRO, schema: avroRecord('Client', [{ name: 'id', type: 'string' }]) },
        { subject: 'client-avro-value' },
      ),
      /incompatible/,
    );
  });

  test('JSON Schema: register and round trip', async () => {
    const schema = JSON.stringify({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['id'],
    });
    const { id } = await client.register({ type: SchemaType.JSON, schema }, { subject: 'client-json-value' });
    assert.equal(await client.getLatestSchemaId('client-json-value'), id);
    const encoded = await client.encode(id, { id: 1, tags: ['a'] });
    const fresh = new SchemaRegistry({ host: url });
    assert.deepEqual(await fresh.decode(encoded), { id: 1, tags: ['a'] });
    await assert.rejects(client.encode(id, { tags: [] }));
  });

  test('Protobuf: register and round trip', async () => {
    const schema = 'syntax = "proto3";\npackage test;\n\nmessage Order {\n  int64 id = 1;\n  string item = 2;\n  repeated int32 counts = 3;\n}\n';
    const { id } = await client.register({ type: SchemaType.PROTOBUF, schema }, { subject: 'client-proto-value' });
    assert.equal(await client.getLatestSchemaId('client-proto-value'), id);
    assert.equal(await client.getRegistryId('client-proto-value', 'latest' as unknown as number), id);
    const encoded = await client.encode(id, { id: 7, item: 'book', counts: [1, 2] });
    const fresh = new SchemaRegistry({ host: url });
    const decoded = (await fresh.decode(encoded)) as { toJSON(): unknown };
    assert.deepEqual(decoded.toJSON(), { id: '7', item: 'book', counts: [1, 2] });
  });
});

describe('raw HTTP', () => {
  const S1 = avroRecord('Raw', [{ name: 'a', type: 'int' }]);
  const S2 = avroRecord('Raw', [
    { name: 'a', type: 'int' },
    { name: 'b', type: 'string', default: 'x' },
  ]);
  const BREAKING = avroRecord('Raw', [
    { name: 'a', type: 'int' },
    { name: 'c', type: 'string' },
  ]);

  test('register, list and read subjects and versions', async () => {
    const r1 = await call('POST', '/subjects/raw-value/versions', { schema: S1 });
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.type, V1_TYPE);
    const id1 = r1.body.id as number;
    assert.deepEqual(Object.keys(r1.body), ['id']);
    // whitespace-only difference: same id, no new version
    const same = await call('POST', '/subjects/raw-value/versions', { schema: JSON.stringify(JSON.parse(S1), null, 2) });
    assert.equal(same.body.id, id1);
    // same schema in another subject: same id
    assert.equal((await call('POST', '/subjects/raw-other/versions', { schema: S1, schemaType: 'AVRO' })).body.id, id1);
    const r2 = await call('POST', '/subjects/raw-value/versions', { schema: S2 });
    assert.equal(r2.status, 200);
    const id2 = r2.body.id as number;

    const subjects = await call('GET', '/subjects');
    assert.ok(subjects.body.includes('raw-value') && subjects.body.includes('raw-other'));
    assert.deepEqual((await call('GET', '/subjects/raw-value/versions')).body, [1, 2]);
    const v1 = await call('GET', '/subjects/raw-value/versions/1');
    assert.deepEqual(v1.body, { subject: 'raw-value', version: 1, id: id1, schema: S1 });
    assert.equal((await call('GET', '/subjects/raw-value/versions/latest')).body.id, id2);
    assert.equal((await call('GET', '/subjects/raw-value/versions/-1')).body.version, 2);
    const raw = await call('GET', '/subjects/raw-value/versions/1/schema');
    assert.equal(raw.text, S1);

    assert.deepEqual((await call('GET', `/schemas/ids/${id1}`)).body, { schema: S1 });
    assert.equal((await call('GET', `/schemas/ids/${id1}/schema`)).text, S1);
    assert.deepEqual((await call('GET', `/schemas/ids/${id1}/versions`)).body, [
      { subject: 'raw-other', version: 1 },
      { subject: 'raw-value', version: 1 },
    ]);
    const types = await call('GET', '/schemas/types');
    assert.deepEqual([...types.body].sort(), ['AVRO', 'JSON', 'PROTOBUF']);

    const lookup = await call('POST', '/subjects/raw-value', { schema: S1 });
    assert.deepEqual(lookup.body, { subject: 'raw-value', version: 1, id: id1, schema: S1 });
  });

  test('non-Avro schemas carry schemaType; references are returned', async () => {
    const json = JSON.stringify({ type: 'object', properties: { city: { type: 'string' } } });
    const base = await call('POST', '/subjects/raw-addr/versions', { schemaType: 'JSON', schema: json });
    assert.equal(base.status, 200, base.text);
    const refs = [{ name: 'addr.json', subject: 'raw-addr', version: 1 }];
    const withRef = await call('POST', '/subjects/raw-person/versions', {
      schemaType: 'JSON',
      schema: JSON.stringify({ type: 'object', properties: { home: { $ref: 'addr.json' } } }),
      references: refs,
    });
    assert.equal(withRef.status, 200, withRef.text);
    const byId = await call('GET', `/schemas/ids/${withRef.body.id}`);
    assert.equal(byId.body.schemaType, 'JSON');
    assert.deepEqual(byId.body.references, refs);
    const version = await call('GET', '/subjects/raw-person/versions/1');
    assert.equal(version.body.schemaType, 'JSON');
    assert.deepEqual(version.body.references, refs);
    assert.deepEqual((await call('GET', '/subjects/raw-addr/versions/1/referencedby')).body, [withRef.body.id]);
    // a referenced version cannot be deleted
    expectError(await call('DELETE', '/subjects/raw-addr/versions/1'), 422, 42206);
  });

  test('error paths: invalid schema, unknown id / subject / version, invalid version', async () => {
    expectError(await call('POST', '/subjects/raw-bad/versions', { schema: '{"type": "recrd"' }), 422, 42201, /Invalid schema/);
    expectError(await call('POST', '/subjects/raw-bad/versions', { schema: '{"type":"nope"}' }), 422, 42201);
    expectError(await call('POST', '/subjects/raw-bad/versions', { schemaType: 'PROTOBUF', schema: 'message {' }), 422, 42201);
    expectError(await call('POST', '/subjects/raw-bad/versions', { schemaType: 'JSON', schema: '{"type": 12}' }), 422, 42201);
    expectError(await call('POST', '/subjects/raw-bad/versions', { schemaType: 'XML', schema: '<a/>' }), 422, 42201);
    expectError(await call('POST', '/subjects/raw-bad/versions', {}), 422, 42201);
    expectError(await call('POST', '/subjects/raw-bad/versions', '{not json'), 400, 400);
    expectError(await call('GET', '/schemas/ids/987654'), 404, 40403, /Schema 987654 not found/);
    expectError(await call('GET', '/schemas/ids/987654/schema'), 404, 40403);
    expectError(await call('GET', '/schemas/ids/987654/versions'), 404, 40403);
    expectError(await call('GET', '/subjects/raw-missing/versions'), 404, 40401, /Subject 'raw-missing' not found/);
    expectError(await call('GET', '/subjects/raw-missing/versions/1'), 404, 40401);
    expectError(await call('GET', '/subjects/raw-value/versions/99'), 404, 40402, /Version 99 not found/);
    expectError(await call('GET', '/subjects/raw-value/versions/0'), 422, 42202);
    expectError(await call('GET', '/subjects/raw-value/versions/abc'), 422, 42202);
    expectError(await call('POST', '/subjects/raw-missing', { schema: S1 }), 404, 40401);
    expectError(await call('POST', '/subjects/raw-value', { schema: BREAKING }), 404, 40403);
    expectError(await call('GET', '/no/such/path'), 404, 404);
    expectError(await call('PATCH', '/subjects'), 405, 405);
    // content negotiation
    expectError(await call('POST', '/subjects/raw-value', { schema: S1 }, { 'content-type': 'text/plain' }), 415, 415);
    expectError(await call('GET', '/subjects', undefined, { accept: 'text/html' }), 406, 406);
    const asJson = await call('GET', '/subjects', undefined, { accept: 'application/json' });
    assert.equal(asJson.type, 'application/json; charset=utf-8');
    for (const type of ['application/json', 'application/vnd.schemaregistry+json', 'application/octet-stream']) {
      const lookup = await call('POST', '/subjects/raw-value', { schema: S1 }, { 'content-type': type });
      assert.equal(lookup.status, 200, `${type}: ${lookup.text}`);
    }
  });

  test('compatibility: incompatible change 409, compatibility endpoint, verbose', async () => {
    expectError(await call('POST', '/subjects/raw-value/versions', { schema: BREAKING }), 409, 409, /incompatible/);
    const check = await call('POST', '/compatibility/subjects/raw-value/versions/latest', { schema: BREAKING });
    assert.deepEqual(check.body, { is_compatible: false });
    const verbose = await call('POST', '/compatibility/subjects/raw-value/versions/latest?verbose=true', { schema: BREAKING });
    assert.equal(verbose.body.is_compatible, false);
    assert.ok(verbose.body.messages.length > 0);
    const fine = await call('POST', '/compatibility/subjects/raw-value/versions/1', { schema: S2 });
    assert.deepEqual(fine.body, { is_compatible: true });
    assert.deepEqual((await call('POST', '/compatibility/subjects/raw-value/versions', { schema: S2 })).body, { is_compatible: true });
    expectError(await call('POST', '/compatibility/subjects/raw-value/versions/42', { schema: S2 }), 404, 40402);
    expectError(await call('POST', '/compatibility/subjects/raw-value/versions/latest', { schema: '{' }), 422, 42201);

    // with the subject at NONE the change goes through as version 3
    assert.deepEqual((await call('PUT', '/config/raw-value', { compatibility: 'NONE' })).body, { compatibility: 'NONE' });
    const r3 = await call('POST', '/subjects/raw-value/versions', { schema: BREAKING });
    assert.equal(r3.status, 200, r3.text);
    assert.deepEqual((await call('GET', '/subjects/raw-value/versions')).body, [1, 2, 3]);
  });

  test('config: global and per subject', async () => {
    assert.deepEqual((await call('GET', '/config')).body, { compatibilityLevel: 'BACKWARD' });
    expectError(await call('PUT', '/config', { compatibility: 'SOMETIMES' }), 422, 42203);
    expectError(await call('PUT', '/config/raw-value', { compatibility: 'nope' }), 422, 42203);
    assert.deepEqual((await call('PUT', '/config', { compatibility: 'full' })).body, { compatibility: 'FULL' });
    assert.deepEqual((await call('GET', '/config')).body, { compatibilityLevel: 'FULL' });
    expectError(await call('GET', '/config/raw-other'), 404, 40408);
    assert.deepEqual((await call('GET', '/config/raw-other?defaultToGlobal=true')).body, { compatibilityLevel: 'FULL' });
    assert.deepEqual((await call('PUT', '/config/raw-other', { compatibility: 'FORWARD_TRANSITIVE' })).body, {
      compatibility: 'FORWARD_TRANSITIVE',
    });
    assert.deepEqual((await call('GET', '/config/raw-other')).body, { compatibilityLevel: 'FORWARD_TRANSITIVE' });
    assert.deepEqual((await call('DELETE', '/config/raw-other')).body, { compatibilityLevel: 'FORWARD_TRANSITIVE' });
    expectError(await call('GET', '/config/raw-other'), 404, 40408);
    expectError(await call('DELETE', '/config/raw-never-seen'), 404, 40401);
    assert.deepEqual((await call('PUT', '/config', { compatibility: 'BACKWARD' })).body, { compatibility: 'BACKWARD' });
  });

  test('soft and permanent delete of versions and subjects', async () => {
    const ids = await Promise.all(
      [S1, S2].map(async (schema) => (await call('POST', '/subjects/raw-del/versions', { schema })).body.id as number),
    );
    // version delete
    expectError(await call('DELETE', '/subjects/raw-del/versions/2?permanent=true'), 404, 40407);
    assert.equal((await call('DELETE', '/subjects/raw-del/versions/2')).body, 2);
    expectError(await call('DELETE', '/subjects/raw-del/versions/2'), 404, 40406);
    expectError(await call('GET', '/subjects/raw-del/versions/2'), 404, 40402);
    assert.equal((await call('GET', '/subjects/raw-del/versions/2?deleted=true')).body.id, ids[1]);
    assert.deepEqual((await call('GET', '/subjects/raw-del/versions')).body, [1]);
    assert.deepEqual((await call('GET', '/subjects/raw-del/versions?deleted=true')).body, [1, 2]);
    assert.equal((await call('DELETE', '/subjects/raw-del/versions/2?permanent=true')).body, 2);
    expectError(await call('GET', '/subjects/raw-del/versions/2?deleted=true'), 404, 40402);
    expectError(await call('DELETE', '/subjects/raw-del/versions/7'), 404, 40402);
    expectError(await call('DELETE', '/subjects/raw-del/versions/zero'), 422, 42202);

    // subject delete
    expectError(await call('DELETE', '/subjects/raw-del?permanent=true'), 404, 40405, /was not deleted first/);
    assert.deepEqual((await call('DELETE', '/subjects/raw-del')).body, [1]);
    expectError(await call('DELETE', '/subjects/raw-del'), 404, 40404, /was soft deleted/);
    expectError(await call('GET', '/subjects/raw-del/versions'), 404, 40401);
    assert.ok(!(await call('GET', '/subjects')).body.includes('raw-del'));
    assert.ok((await call('GET', '/subjects?deleted=true')).body.includes('raw-del'));
    assert.deepEqual((await call('GET', `/schemas/ids/${ids[0]}/versions?deleted=true`)).body.filter((v: { subject: string }) => v.subject === 'raw-del'), [
      { subject: 'raw-del', version: 1 },
    ]);
    assert.deepEqual((await call('DELETE', '/subjects/raw-del?permanent=true')).body, [1]);
    expectError(await call('DELETE', '/subjects/raw-del?permanent=true'), 404, 40401);
    assert.ok(!(await call('GET', '/subjects?deleted=true')).body.includes('raw-del'));
    expectError(await call('DELETE', '/subjects/raw-never'), 404, 40401);

    // the schema keeps its id when registered again
    assert.equal((await call('POST', '/subjects/raw-del/versions', { schema: S2 })).body.id, ids[1]);
  });
});
