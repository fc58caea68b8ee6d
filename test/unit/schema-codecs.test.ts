import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SchemaRegistry as KafkajsRegistry, SchemaType as KafkajsSchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import protobuf from 'protobufjs';
import { SchemaCodecs, registryNotConfiguredError } from '../../src/codecs/schema-codecs.ts';
import { decodeMessageIndexes, encodeMessageIndexes, frame, unframe } from '../../src/codecs/wire.ts';
import { ErrorCode, RestError } from '../../src/errors.ts';
import { CachedRegistry } from '../../src/registry/cached-registry.ts';
import { HttpRegistry } from '../../src/registry/http-registry.ts';
import {
  RegistryError,
  type RegisteredSchema,
  type SchemaDefinition,
  type SchemaRegistry,
  type SubjectVersion,
} from '../../src/registry/schema-registry.ts';

// ------------------------------------------------------------------------------------------------
// An in-memory registry (test only), usable directly and behind a fake HTTP API.

class MemoryRegistry implements SchemaRegistry {
  readonly schemas = new Map<number, RegisteredSchema>();
  readonly subjects = new Map<string, SubjectVersion[]>();
  calls = { register: 0, getById: 0, getVersion: 0 };
  /** When set, every call rejects with it. */
  failWith: Error | null = null;
  private nextId = 1;

  async register(subject: string, schema: SchemaDefinition): Promise<number> {
    this.calls.register++;
    if (this.failWith) throw this.failWith;
    const full = { schemaType: schema.schemaType ?? 'AVRO', schema: schema.schema, references: schema.references ?? [] };
    let id = [...this.schemas.values()].find(
      (s) => s.schemaType === full.schemaType && s.schema === full.schema && JSON.stringify(s.references) === JSON.stringify(full.references),
    )?.id;
    if (id === undefined) {
      id = this.nextId++;
      this.schemas.set(id, { id, ...full });
    }
    const versions = this.subjects.get(subject) ?? [];
    if (!versions.some((v) => v.id === id)) versions.push({ subject, version: versions.length + 1, id, ...full });
    this.subjects.set(subject, versions);
    return id;
  }

  async getById(id: number): Promise<RegisteredSchema> {
    this.calls.getById++;
    if (this.failWith) throw this.failWith;
    const schema = this.schemas.get(id);
    if (!schema) throw new RegistryError(40403, `Schema ${id} not found`, 404);
    return schema;
  }

  async getVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    this.calls.getVersion++;
    if (this.failWith) throw this.failWith;
    const versions = this.subjects.get(subject);
    if (!versions) throw new RegistryError(40401, `Subject '${subject}' not found.`, 404);
    const found = version === 'latest' ? versions.at(-1) : versions.find((v) => v.version === version);
    if (!found) throw new RegistryError(40402, `Version ${version} not found.`, 404);
    return found;
  }
}

const REGISTRY_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Confluent's registry REST API over a MemoryRegistry, on 127.0.0.1 (test only). */
async function startFakeRegistryServer(registry: MemoryRegistry): Promise<{ url: string; server: Server }> {
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': REGISTRY_TYPE });
    res.end(JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
  };
  const withType = (s: RegisteredSchema): Record<string, unknown> => ({
    schema: s.schema,
    ...(s.schemaType === 'AVRO' ? {} : { schemaType: s.schemaType }),
    ...(s.references.length ? { references: s.references } : {}),
  });
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      try {
        if (req.method === 'POST' && parts[0] === 'subjects' && parts[2] === 'versions' && parts.length === 3) {
          const body = await readBody(req);
          const id = await registry.register(parts[1]!, {
            schemaType: (body['schemaType'] as SchemaDefinition['schemaType']) ?? 'AVRO',
            schema: body['schema'] as string,
            references: (body['references'] as SchemaDefinition['references']) ?? [],
          });
          return send(res, 200, { id });
        }
        if (req.method === 'GET' && parts[0] === 'schemas' && parts[1] === 'ids' && parts.length === 3) {
          return send(res, 200, withType(await registry.getById(Number(parts[2]))));
        }
        if (req.method === 'GET' && parts[0] === 'subjects' && parts[2] === 'versions' && parts.length === 4) {
          const v = await registry.getVersion(parts[1]!, parts[3] === 'latest' ? 'latest' : Number(parts[3]));
          return send(res, 200, { subject: v.subject, version: v.version, id: v.id, ...withType(v) });
        }
        if (parts[0] === 'config') {
          if (req.method === 'PUT') return send(res, 200, await readBody(req));
          return send(res, 404, { error_code: 40401, message: 'Subject not found.' });
        }
        return send(res, 404, { error_code: 404, message: 'HTTP 404 Not Found' });
      } catch (error) {
        if (error instanceof RegistryError) return send(res, error.status, { error_code: error.errorCode, message: error.message });
        return send(res, 500, { error_code: 50001, message: String(error) });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

// ------------------------------------------------------------------------------------------------

async function assertRejectsRest(
  promise: Promise<unknown>,
  errorCode: number,
  status: number,
  message?: string | RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RestError, `expected a RestError, got ${String(error)}`);
    assert.equal(error.errorCode, errorCode, error.message);
    assert.equal(error.status, status);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  });
}

const AVRO_VALUE_SCHEMA = JSON.stringify({
  type: 'record',
  name: 'Order',
  namespace: 'com.example',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'amount', type: ['null', 'int', 'double'] },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: 'int' } },
    {
      name: 'customer',
      type: { type: 'record', name: 'Customer', fields: [{ name: 'name', type: 'string' }, { name: 'vip', type: 'boolean' }] },
    },
    { name: 'blob', type: 'bytes' },
    { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 2 } },
    { name: 'created', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
  ],
});

const AVRO_VALUE = {
  id: 42,
  note: { string: 'hello' },
  amount: { double: 1.5 },
  status: 'PAID',
  tags: ['a', 'b'],
  attrs: { x: 1, y: 2 },
  customer: { name: 'Ann', vip: true },
  blob: '\u0000\u00ff\u0010',
  hash: '\u00ab\u00cd',
  created: 1700000000123,
  price: '\u0000\u0001\u00e2\u0040',
  day: 19700,
};

const JSON_SCHEMA = JSON.stringify({
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    age: { type: 'integer', minimum: 0 },
    email: { type: 'string', format: 'email' },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['name'],
  additionalProperties: false,
});

const PROTO_SCHEMA = `
syntax = "proto3";
package shop.v1;
import "google/protobuf/timestamp.proto";

enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }

message Product {
  string product_name = 1;
  int64 big_count = 2;
  bytes raw_data = 3;
  Color color = 4;
  Dimensions dims = 5;
  repeated int32 sizes = 6;
  map<string, int32> stock = 7;
  optional string maybe = 8;
  oneof choice { string label = 9; int32 code = 10; }
  google.protobuf.Timestamp made_at = 11;
  double price = 12;
  float ratio = 13;
  bool active = 14;
  uint64 huge = 15;
  message Dimensions { int32 width = 1; int32 height = 2; }
}

message Other { string text = 1; Product.Dimensions dims = 2; }
`;

describe('wire format', () => {
  test('frame and unframe: magic byte 0, big-endian schema id, payload', () => {
    const framed = frame(0x01020304, Buffer.from('abc'));
    assert.deepEqual(framed, Buffer.from([0, 1, 2, 3, 4, 0x61, 0x62, 0x63]));
    assert.deepEqual(unframe(framed), { schemaId: 0x01020304, payload: Buffer.from('abc') });
    assert.deepEqual(unframe(frame(7, Buffer.alloc(0))), { schemaId: 7, payload: Buffer.alloc(0) });
  });

  test('unframe refuses bytes without the magic byte or too short, with 40801', () => {
    for (const bytes of [Buffer.from('{"a":1}'), Buffer.alloc(0), Buffer.from([1, 0, 0, 0, 1])]) {
      assert.throws(
        () => unframe(bytes),
        (e: unknown) => e instanceof RestError && e.errorCode === 40801 && e.status === 408 && e.message === 'Unknown magic byte!',
      );
    }
    assert.throws(() => unframe(Buffer.from([0, 0, 1])), (e: unknown) => e instanceof RestError && e.errorCode === 40801 && /too short/.test(e.message));
  });

  test('message indexes: [0] is the single byte 0, others a zig-zag count then zig-zag indexes', () => {
    assert.deepEqual(encodeMessageIndexes([0]), Buffer.from([0]));
    assert.deepEqual(encodeMessageIndexes([1]), Buffer.from([2, 2]));
    assert.deepEqual(encodeMessageIndexes([0, 2]), Buffer.from([4, 0, 4]));
    assert.deepEqual(encodeMessageIndexes([70]), Buffer.from([2, 0x8c, 0x01]));
    for (const indexes of [[0], [1], [0, 2], [3, 1, 4], [70], [1000, 0]]) {
      const encoded = Buffer.concat([encodeMessageIndexes(indexes), Buffer.from([0x0a])]);
      assert.deepEqual(decodeMessageIndexes(encoded), { indexes, offset: encoded.length - 1 });
    }
    assert.throws(() => decodeMessageIndexes(Buffer.from([4, 2])), /truncated/);
    assert.throws(() => decodeMessageIndexes(Buffer.alloc(0)), /truncated/);
    assert.throws(() => decodeMessageIndexes(Buffer.from([1])), /invalid message index count/);
  });
});

describe('avro', () => {
  test('round trip of keys and values in Avro JSON encoding (unions, enums, arrays, maps, records, bytes, fixed, logical types)', async () => {
    const registry = new MemoryRegistry();
    const codecs = new SchemaCodecs(registry);
    const prepared = await codecs.prepareProduce('orders', 'avro', {
      key_schema: '"string"',
      value_schema: AVRO_VALUE_SCHEMA,
      records: [
        { key: 'k1', value: AVRO_VALUE },
        { key: null, value: { ...AVRO_VALUE, note: null, amount: { int: 7 } } },
        { key: 'k3' },
      ],
    });
    assert.equal(prepared.keySchemaId, 1);
    assert.equal(prepared.valueSchemaId, 2);
    assert.equal(registry.subjects.get('orders-key')?.[0]?.id, 1);
    assert.equal(registry.subjects.get('orders-value')?.[0]?.id, 2);
    const [first, second, third] = prepared.records;
    assert.deepEqual(first!.key!.subarray(0, 5), Buffer.from([0, 0, 0, 0, 1]));
    assert.deepEqual(first!.value!.subarray(0, 5), Buffer.from([0, 0, 0, 0, 2]));
    assert.equal(second!.key, null);
    assert.equal(third!.value, null);
    assert.equal(await codecs.decode(first!.key), 'k1');
    assert.deepEqual(await codecs.decode(first!.value), AVRO_VALUE);
    assert.deepEqual(await codecs.decode(second!.value), { ...AVRO_VALUE, note: null, amount: { int: 7 } });
    assert.equal(await codecs.decode(null), null);
    // the payload is plain Avro binary
    const type = avro.Type.forSchema(JSON.parse(AVRO_VALUE_SCHEMA) as avro.Schema, { wrapUnions: true });
    assert.deepEqual(first!.value!.subarray(5), type.toBuffer(type.fromString(JSON.stringify(AVRO_VALUE))));
  });

  test('the docs example: a primitive schema, and a second request reuses the id', async () => {
    const registry = new MemoryRegistry();
    const codecs = new SchemaCodecs(registry);
    const schema = '{"name":"int","type":"int"}';
    const a = await codecs.prepareProduce('t', 'avro', { value_schema: schema, records: [{ value: 12 }, { value: 24 }] });
    const b = await codecs.prepareProduce('t', 'avro', { value_schema: schema, records: [{ value: 1 }] });
    assert.equal(a.valueSchemaId, b.valueSchemaId);
    assert.equal(a.keySchemaId, null);
    assert.deepEqual(a.records[0]!.value, Buffer.from([0, 0, 0, 0, 1, 24]));
    assert.equal(await codecs.decode(a.records[1]!.value), 24);
  });

  test('produce by value_schema_id uses that schema and reports the id', async () => {
    const registry = new MemoryRegistry();
    const id = await registry.register('other-value', { schemaType: 'AVRO', schema: '["null","string"]' });
    const codecs = new SchemaCodecs(registry);
    const prepared = await codecs.prepareProduce('t', 'avro', { value_schema_id: id, records: [{ value: { string: 'x' } }, { value: null }] });
    assert.equal(prepared.valueSchemaId, id);
    assert.deepEqual(await codecs.decode(prepared.records[0]!.value), { string: 'x' });
    assert.equal(prepared.records[1]!.value, null);
    // one more record through encode()
    assert.deepEqual(await codecs.decode(prepared.encode({ value: { string: 'y' } }).value), { string: 'y' });
  });

  test('data not matching the schema fails the whole request with 400 Bad Request', async () => {
    const codecs = new SchemaCodecs(new MemoryRegistry());
    const base = { value_schema: AVRO_VALUE_SCHEMA };
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { ...base, records: [{ value: AVRO_VALUE }, { value: { ...AVRO_VALUE, note: 'unwrapped' } }] }), 400, 400, /^Bad Request: Failed to convert JSON to Avro: /);
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { ...base, records: [{ value: { ...AVRO_VALUE, status: 'LOST' } }] }), 400, 400, /^Bad Request: /);
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { ...base, records: [{ value: { ...AVRO_VALUE, id: 'x' } }] }), 400, 400, /^Bad Request: /);
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { ...base, records: [{ value: { ...AVRO_VALUE, hash: 'abc' } }] }), 400, 400, /^Bad Request: /);
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { ...base, records: [{ value: { ...AVRO_VALUE, blob: '\u0100' } }] }), 400, 400, /above \\u00ff/);
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { value_schema: '"int"', records: [{ value: 1.5 }] }), 400, 400, /^Bad Request: /);
  });

  test('an unparseable raw schema is 42205 with Confluent\'s wording', async () => {
    const codecs = new SchemaCodecs(new MemoryRegistry());
    for (const schema of ['{"type":"record","name":"R","fields":[{"name":"a","type":"nope"}]}', 'not json', '{"type":"enum"}']) {
      await assertRejectsRest(
        codecs.prepareProduce('t', 'avro', { value_schema: schema, records: [{ value: 1 }] }),
        ErrorCode.InvalidSchema,
        422,
        `Invalid schema: Error when parsing raw schema. format = AVRO, schema = ${schema}`,
      );
    }
  });

  test('named types defined in referenced schemas are resolved', async () => {
    const registry = new MemoryRegistry();
    const customer = JSON.stringify({ type: 'record', name: 'Customer', namespace: 'com.ex', fields: [{ name: 'name', type: 'string' }] });
    await registry.register('customer', { schemaType: 'AVRO', schema: customer });
    const id = await registry.register('t-value', {
      schemaType: 'AVRO',
      schema: JSON.stringify({ type: 'record', name: 'Order', namespace: 'com.ex', fields: [{ name: 'c', type: 'com.ex.Customer' }] }),
      references: [{ name: 'com.ex.Customer', subject: 'customer', version: 1 }],
    });
    const codecs = new SchemaCodecs(registry);
    const prepared = await codecs.prepareProduce('t', 'avro', { value_schema_id: id, records: [{ value: { c: { name: 'Bo' } } }] });
    assert.deepEqual(await codecs.decode(prepared.records[0]!.value), { c: { name: 'Bo' } });
  });
});

describe('jsonschema', () => {
  test('round trip of keys and values; the payload is the UTF-8 JSON text', async () => {
    const codecs = new SchemaCodecs(new MemoryRegistry());
    const value = { name: 'Ann', age: 30, email: 'ann@example.com', tags: ['x'] };
    const prepared = await codecs.prepareProduce('people', 'jsonschema', {
      key_schema: '{"type":"string"}',
      value_schema: JSON_SCHEMA,
      records: [{ key: 'ann', value }],
    });
    assert.deepEqual(prepared.records[0]!.value!.subarray(5), Buffer.from(JSON.stringify(value)));
    assert.deepEqual(prepared.records[0]!.key!.subarray(5), Buffer.from('"ann"'));
    assert.equal(await codecs.decode(prepared.records[0]!.key), 'ann');
    assert.deepEqual(await codecs.decode(prepared.records[0]!.value), value);
  });

  test('validation failures are 400 with the path', async () => {
    const codecs = new SchemaCodecs(new MemoryRegistry());
    const cases: Array<[unknown, RegExp]> = [
      [{ age: 3 }, /must have required property 'name'/],
      [{ name: 'a', age: -1 }, /#\/age: must be >= 0/],
      [{ name: 'a', extra: 1 }, /extraneous key \[extra\]/],
      [{ name: 'a', email: 'not-an-email' }, /#\/email: must match format "email"/],
      ['text', /must be object/],
    ];
    for (const [value, message] of cases) {
      await assertRejectsRest(codecs.prepareProduce('t', 'jsonschema', { value_schema: JSON_SCHEMA, records: [{ value }] }), 400, 400, message);
    }
  });

  test('2020-12 schemas, and referenced schemas by name', async () => {
    const registry = new MemoryRegistry();
    const codecs = new SchemaCodecs(registry);
    const schema2020 = JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'number' }],
      items: false,
    });
    const ok = await codecs.prepareProduce('t', 'jsonschema', { value_schema: schema2020, records: [{ value: ['a', 1] }] });
    assert.deepEqual(await codecs.decode(ok.records[0]!.value), ['a', 1]);
    await assertRejectsRest(codecs.prepareProduce('t', 'jsonschema', { value_schema: schema2020, records: [{ value: ['a', 1, 2] }] }), 400, 400);

    await registry.register('address', { schemaType: 'JSON', schema: JSON.stringify({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }) });
    const id = await registry.register('u-value', {
      schemaType: 'JSON',
      schema: JSON.stringify({ type: 'object', properties: { home: { $ref: 'address.json' } } }),
      references: [{ name: 'address.json', subject: 'address', version: 1 }],
    });
    const byRef = await codecs.prepareProduce('u', 'jsonschema', { value_schema_id: id, records: [{ value: { home: { city: 'Oslo' } } }] });
    assert.equal(byRef.valueSchemaId, id);
    await assertRejectsRest(codecs.prepareProduce('u', 'jsonschema', { value_schema_id: id, records: [{ value: { home: {} } }] }), 400, 400, /city/);
  });

  test('an unparseable raw schema is 42205', async () => {
    const codecs = new SchemaCodecs(new MemoryRegistry());
    for (const schema of ['{"type": 12}', '{not json', '[1]']) {
      await assertRejectsRest(
        codecs.prepareProduce('t', 'jsonschema', { value_schema: schema, records: [{ value: 1 }] }),
        42205,
        422,
        `Invalid schema: Error when parsing raw schema. format = JSONSCHEMA, schema = ${schema}`,
      );
    }
  });
});

describe('protobuf', () => {
  const product = {
    productName: 'chair',
    bigCount: '9007199254740993',
    rawData: 'AAEC',
    color: 'GREEN',
    dims: { width: 3, height: 4 },
    sizes: [1, 2, 3],
    stock: { oslo: 5 },
    maybe: 'yes',
    label: 'L',
    madeAt: '2024-01-02T03:04:05.123Z',
    price: 9.99,
    ratio: 0.1,
    active: true,
    huge: '18446744073709551615',
  };

  test('round trip in protobuf JSON: JSON names, 64-bit integers as strings, enums by name, bytes as base64', async () => {
    const codecs = new SchemaCodecs(new MemoryRegistry());
    const prepared = await codecs.prepareProduce('products', 'protobuf', {
      key_schema: 'syntax = "proto3"; message Key { int32 id = 1; }',
      value_schema: PROTO_SCHEMA,
      records: [{ key: { id: 7 }, value: product }],
    });
    const value = prepared.records[0]!.value!;
    assert.equal(value[5], 0, 'message indexes [0] as the single byte 0');
    assert.deepEqual(await codecs.decode(prepared.records[0]!.key), { id: 7 });
    assert.deepEqual(await codecs.decode(value), product);
  });

  test('proto field names are accepted as input; defaults are printed, unset messages and oneofs are not', async () => {
    const codecs = new SchemaCodecs(new MemoryRegistry());
    const prepared = await codecs.prepareProduce('p', 'protobuf', {
      value_schema: PROTO_SCHEMA,
      records: [{ value: { product_name: 'x', big_count: 5, color: 1, sizes: null } }],
    });
    assert.deepEqual(await codecs.decode(prepared.records[0]!.value), {
      productName: 'x',
      bigCount: '5',
      rawData: '',
      color: 'RED',
      sizes: [],
      stock: {},
      price: 0,
      ratio: 0,
      active: false,
      huge: '0',
    });
  });

  test('JSON that does not fit the message is 400', async () => {
    const codecs = new SchemaCodecs(new MemoryRegistry());
    const cases: Array<[unknown, RegExp]> = [
      [{ nope: 1 }, /Cannot find field: nope in message shop\.v1\.Product/],
      [{ color: 'BLUE' }, /invalid enum value "BLUE"/],
      [{ bigCount: 'abc' }, /\$\.bigCount: expected an integer/],
      [{ sizes: [1, 'a'] }, /\$\.sizes\[1\]: expected an integer/],
      [{ sizes: [2 ** 31] }, /out of range/],
      [{ productName: 5 }, /expected a string/],
      [{ label: 'a', code: 1 }, /same oneof choice/],
      [{ madeAt: 'yesterday' }, /RFC 3339/],
      [{ rawData: '***' }, /base64/],
      [[1], /expected an object/],
    ];
    for (const [value, message] of cases) {
      await assertRejectsRest(codecs.prepareProduce('t', 'protobuf', { value_schema: PROTO_SCHEMA, records: [{ value }] }), 400, 400, message);
    }
  });

  test('consumed records may use any message type of the file, by message indexes', async () => {
    const registry = new MemoryRegistry();
    const id = await registry.register('p-value', { schemaType: 'PROTOBUF', schema: PROTO_SCHEMA });
    const root = protobuf.parse(PROTO_SCHEMA, { keepCase: true }).root;
    const Other = root.lookupType('shop.v1.Other');
    const Dimensions = root.lookupType('shop.v1.Product.Dimensions');
    const codecs = new SchemaCodecs(registry);
    const other = frame(id, Buffer.concat([encodeMessageIndexes([1]), Other.encode(Other.fromObject({ text: 'hi', dims: { width: 1 } })).finish()]));
    assert.deepEqual(await codecs.decode(other), { text: 'hi', dims: { width: 1, height: 0 } });
    const nested = frame(id, Buffer.concat([encodeMessageIndexes([0, 0]), Dimensions.encode({ width: 9, height: 8 }).finish()]));
    assert.deepEqual(await codecs.decode(nested), { width: 9, height: 8 });
    await assertRejectsRest(codecs.decode(frame(id, Buffer.concat([encodeMessageIndexes([5]), Buffer.from([8, 1])]))), 40801, 408, /no message type at message indexes \[5\]/);
  });

  test('an unparseable raw schema, or one without messages, is 42205', async () => {
    const codecs = new SchemaCodecs(new MemoryRegistry());
    for (const schema of ['syntax = "proto3"; message { }', 'syntax = "proto3"; enum E { A = 0; }', 'syntax = "proto3"; message M { Missing m = 1; }']) {
      await assertRejectsRest(
        codecs.prepareProduce('t', 'protobuf', { value_schema: schema, records: [{ value: {} }] }),
        42205,
        422,
        `Invalid schema: Error when parsing raw schema. format = PROTOBUF, schema = ${schema}`,
      );
    }
  });

  test('imports resolved through references', async () => {
    const registry = new MemoryRegistry();
    await registry.register('common.proto', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; package common; message Money { string currency = 1; int64 units = 2; }' });
    const id = await registry.register('inv-value', {
      schemaType: 'PROTOBUF',
      schema: 'syntax = "proto3"; package inv; import "common.proto"; message Invoice { common.Money total = 1; }',
      references: [{ name: 'common.proto', subject: 'common.proto', version: 1 }],
    });
    const codecs = new SchemaCodecs(registry);
    const prepared = await codecs.prepareProduce('inv', 'protobuf', { value_schema_id: id, records: [{ value: { total: { currency: 'EUR', units: 3 } } }] });
    assert.deepEqual(await codecs.decode(prepared.records[0]!.value), { total: { currency: 'EUR', units: '3' } });
  });
});

describe('Confluent produce errors', () => {
  test('42201 keys without key schema, 42202 values without value schema; null keys/values need none', async () => {
    const registry = new MemoryRegistry();
    const codecs = new SchemaCodecs(registry);
    await assertRejectsRest(
      codecs.prepareProduce('t', 'avro', { value_schema: '"int"', records: [{ key: 'k', value: 1 }] }),
      42201,
      422,
      'Request includes keys but does not include key schema',
    );
    await assertRejectsRest(
      codecs.prepareProduce('t', 'jsonschema', { key_schema: '{}', records: [{ key: 'k', value: 1 }] }),
      42202,
      422,
      'Request includes values but does not include value schema',
    );
    assert.equal(registry.calls.register, 0, 'nothing registered for a refused request');
    const ok = await codecs.prepareProduce('t', 'protobuf', { records: [{ key: null, value: null }, {}] });
    assert.deepEqual(ok.records, [{ key: null, value: null }, { key: null, value: null }]);
    assert.equal(ok.keySchemaId, null);
    assert.equal(ok.valueSchemaId, null);
  });

  test('42207 when the registry cannot be reached or refuses the schema; 403 / 40301 when it denies access', async () => {
    const registry = new MemoryRegistry();
    const codecs = new SchemaCodecs(registry);
    registry.failWith = new RegistryError(50001, 'Schema registry unreachable at http://127.0.0.1:1: ECONNREFUSED', 503);
    await assertRejectsRest(
      codecs.prepareProduce('t', 'avro', { value_schema: '"int"', records: [{ value: 1 }] }),
      42207,
      422,
      // The registry's address and socket details stay in the logs.
      'Error serializing message. Schema registry unreachable at <address>: connection refused; error code: 50001',
    );
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { value_schema_id: 1, records: [{ value: 1 }] }), 42207, 422, /unreachable/);
    registry.failWith = new RegistryError(409, 'Schema being registered is incompatible with an earlier schema', 409);
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { value_schema: '"int"', records: [{ value: 1 }] }), 42207, 422, /incompatible/);
    registry.failWith = new RegistryError(40301, 'User is denied operation Write on Subject: t-value', 403);
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { value_schema: '"int"', records: [{ value: 1 }] }), 40301, 403, /denied/);
    registry.failWith = new RegistryError(42201, 'Either the input schema or one of its references is invalid', 422);
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { value_schema: '"int"', records: [{ value: 1 }] }), 42205, 422, /^Invalid schema: /);
    registry.failWith = null;
    await assertRejectsRest(
      codecs.prepareProduce('t', 'avro', { value_schema_id: 99, records: [{ value: 1 }] }),
      42207,
      422,
      'Error serializing message. Schema 99 not found; error code: 40403',
    );
  });

  test('a schema id of another format is 42205; a bad schema id is 422', async () => {
    const registry = new MemoryRegistry();
    const id = await registry.register('x', { schemaType: 'JSON', schema: '{}' });
    const codecs = new SchemaCodecs(registry);
    await assertRejectsRest(
      codecs.prepareProduce('t', 'avro', { value_schema_id: id, records: [{ value: 1 }] }),
      42205,
      422,
      `Invalid schema: Schema with ID ${id} is not of type AVRO.`,
    );
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { value_schema_id: 'one', records: [{ value: 1 }] }), 422, 422);
    await assertRejectsRest(codecs.prepareProduce('t', 'avro', { value_schema: { type: 'int' }, records: [{ value: 1 }] }), 422, 422);
  });

  test('42206 / 42207 when no registry is configured', () => {
    const withSchema = registryNotConfiguredError({ value_schema: '"int"' });
    assert.deepEqual(withSchema.toJSON(), { error_code: 42206, message: 'Payload error. Schema Registry must be configured when using schemas.' });
    const without = registryNotConfiguredError({ records: [{ value: 1 }] });
    assert.equal(without.errorCode, 42207);
    assert.match(without.message, /^Error serializing message. Schema Registry not defined/);
  });
});

describe('decode errors are 40801', () => {
  test('no magic byte, unknown id, corrupt payload, registry down, wrong format', async () => {
    const registry = new MemoryRegistry();
    const codecs = new SchemaCodecs(registry);
    const avroId = await registry.register('a', { schemaType: 'AVRO', schema: '{"type":"record","name":"R","fields":[{"name":"s","type":"string"}]}' });
    const protoId = await registry.register('p', { schemaType: 'PROTOBUF', schema: PROTO_SCHEMA });
    await assertRejectsRest(codecs.decode(Buffer.from('{"json":true}')), 40801, 408, 'Unknown magic byte!');
    await assertRejectsRest(codecs.decode(frame(77, Buffer.from([2, 0x61]))), 40801, 408, 'Error retrieving schema for id 77: Schema 77 not found; error code: 40403');
    await assertRejectsRest(codecs.decode(frame(avroId, Buffer.from([20, 0x61]))), 40801, 408, /^Error deserializing Avro message for id \d+: /);
    await assertRejectsRest(codecs.decode(frame(avroId, Buffer.from([2, 0x61, 0x62]))), 40801, 408, /^Error deserializing Avro message/);
    await assertRejectsRest(codecs.decode(frame(protoId, Buffer.from([0, 0x0a, 0x05, 0x61]))), 40801, 408, /^Error deserializing Protobuf message/);
    await assertRejectsRest(codecs.decode(frame(avroId, Buffer.from([2, 0x61])), 'protobuf'), 40801, 408, /schema is of type AVRO, not PROTOBUF/);
    assert.equal(await codecs.decode(frame(avroId, Buffer.from([2, 0x61])), 'avro').then((v) => JSON.stringify(v)), '{"s":"a"}');
    registry.failWith = new RegistryError(50001, 'Schema registry unreachable at http://r: ECONNREFUSED', 503);
    await assertRejectsRest(codecs.decode(frame(55, Buffer.from([2, 0x61])), 'avro'), 40801, 408, /^Error retrieving Avro schema for id 55: Schema registry unreachable/);
  });

  test('parsed schemas are cached by id; failures are not', async () => {
    const registry = new MemoryRegistry();
    const codecs = new SchemaCodecs(registry);
    const id = await registry.register('a', { schemaType: 'AVRO', schema: '"string"' });
    const bytes = frame(id, Buffer.from([2, 0x61]));
    registry.failWith = new Error('down');
    await assertRejectsRest(codecs.decode(bytes), 40801, 408);
    registry.failWith = null;
    registry.calls.getById = 0;
    await Promise.all([codecs.decode(bytes), codecs.decode(bytes)]);
    assert.equal(await codecs.decode(bytes), 'a');
    assert.equal(registry.calls.getById, 1);
  });
});

describe('cross-check with @kafkajs/confluent-schema-registry over a fake registry', () => {
  const memory = new MemoryRegistry();
  let server: Server;
  let oracle: KafkajsRegistry;
  let codecs: SchemaCodecs;

  before(async () => {
    const started = await startFakeRegistryServer(memory);
    server = started.server;
    oracle = new KafkajsRegistry({ host: started.url });
    codecs = new SchemaCodecs(new CachedRegistry(new HttpRegistry({ url: started.url, timeoutMs: 2000 })));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('avro: our bytes decode with kafkajs, and kafkajs bytes decode with ours', async () => {
    const prepared = await codecs.prepareProduce('x', 'avro', { value_schema: AVRO_VALUE_SCHEMA, records: [{ value: AVRO_VALUE }] });
    const decoded = (await oracle.decode(prepared.records[0]!.value!)) as Record<string, unknown>;
    assert.equal(decoded['id'], 42);
    assert.equal(decoded['note'], 'hello');
    assert.deepEqual(JSON.parse(JSON.stringify(decoded['amount'])), { double: 1.5 }); // avsc wraps this ambiguous union
    assert.equal(decoded['status'], 'PAID');
    assert.deepEqual(decoded['tags'], ['a', 'b']);
    assert.deepEqual(decoded['blob'], Buffer.from([0, 0xff, 0x10]));
    assert.deepEqual(decoded['hash'], Buffer.from([0xab, 0xcd]));
    assert.deepEqual({ ...(decoded['customer'] as object) }, { name: 'Ann', vip: true });

    const { id } = await oracle.register({ type: KafkajsSchemaType.AVRO, schema: AVRO_VALUE_SCHEMA }, { subject: 'y-value' });
    const theirs = await oracle.encode(id, {
      ...decoded,
      note: null,
      amount: { int: 3 },
      created: 1,
      price: Buffer.from([1, 2]),
    });
    assert.deepEqual(await codecs.decode(theirs), { ...AVRO_VALUE, note: null, amount: { int: 3 }, created: 1, price: '\u0001\u0002' });
  });

  test('jsonschema: both directions', async () => {
    // kafkajs's ajv 7 refuses unknown formats, so the oracle gets a schema without "format"
    const schema = JSON.stringify({ ...JSON.parse(JSON_SCHEMA), properties: { ...JSON.parse(JSON_SCHEMA).properties, email: { type: 'string' } } });
    const value = { name: 'Ann', age: 30, tags: ['x', 'y'] };
    const prepared = await codecs.prepareProduce('j', 'jsonschema', { value_schema: schema, records: [{ value }] });
    assert.deepEqual(await oracle.decode(prepared.records[0]!.value!), value);
    const { id } = await oracle.register({ type: KafkajsSchemaType.JSON, schema }, { subject: 'j2-value' });
    assert.deepEqual(await codecs.decode(await oracle.encode(id, { name: 'Bo' })), { name: 'Bo' });
  });

  test('protobuf: kafkajs decodes our bytes; ours decode its payload once framed with message indexes', async () => {
    // kafkajs takes the first nested name of the package as the message (here it must be a
    // message, not an enum) and does not load imports, hence a simpler file.
    const schema = 'syntax = "proto3"; package shop.v2; message Product { string product_name = 1; int64 big_count = 2; Color color = 3; repeated int32 sizes = 4; map<string, int32> stock = 5; Dims dims = 6; } message Dims { int32 width = 1; int32 height = 2; } enum Color { NONE = 0; RED = 1; }';
    const value = { productName: 'chair', bigCount: '12', color: 'RED', sizes: [1, 2], stock: { a: 1 }, dims: { width: 2, height: 3 } };
    const prepared = await codecs.prepareProduce('pb', 'protobuf', { value_schema: schema, records: [{ value }] });
    const decoded = (await oracle.decode(prepared.records[0]!.value!)) as protobuf.Message & Record<string, unknown>;
    // kafkajs parses without keepCase: its field names are camelCase
    assert.equal(decoded['productName'], 'chair');
    assert.equal(String(decoded['bigCount']), '12');
    assert.equal(decoded['color'], 1);
    assert.deepEqual(decoded['sizes'], [1, 2]);
    assert.deepEqual({ ...(decoded['stock'] as object) }, { a: 1 });
    // kafkajs 3.9 writes no message indexes after the schema id (Confluent's deserializer needs
    // them), so its frame is re-built with [0] before decoding.
    const { id } = await oracle.register({ type: KafkajsSchemaType.PROTOBUF, schema }, { subject: 'pb2-value' });
    const theirs = unframe(await oracle.encode(id, { productName: 'desk', sizes: [5] }));
    const reframed = frame(theirs.schemaId, Buffer.concat([encodeMessageIndexes([0]), theirs.payload]));
    const ours = (await codecs.decode(reframed)) as Record<string, unknown>;
    assert.equal(ours['productName'], 'desk');
    assert.deepEqual(ours['sizes'], [5]);
  });
});

describe('RestError shape', () => {
  test('errors carry Confluent bodies', async () => {
    const codecs = new SchemaCodecs(new MemoryRegistry());
    const error = await codecs.prepareProduce('t', 'avro', { records: [{ value: 1 }] }).catch((e: unknown) => e);
    assert.ok(error instanceof RestError);
    assert.deepEqual(error.toJSON(), { error_code: 42202, message: 'Request includes values but does not include value schema' });
  });
});
