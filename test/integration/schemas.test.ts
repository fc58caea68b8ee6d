/**
 * Avro, JSON Schema and Protobuf through the proxy against the real broker, with the embedded
 * registry and with an external one (a second proxy's embedded registry). An independent client,
 * @kafkajs/confluent-schema-registry, checks both directions: it decodes what the proxy produced,
 * and the proxy's consumers decode what it produced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import confluent from '@kafkajs/confluent-schema-registry';
import { freePort } from '../../src/broker/free-port.ts';
import { createTopic, nativeKafka, readRecords, uniqueTopic } from '../helpers/cluster.ts';
import { createConsumer, post, readUntil } from '../helpers/consumer.ts';
import { produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const { SchemaRegistry, SchemaType } = confluent;

const AVRO = 'application/vnd.kafka.avro.v2+json';
const JSONSCHEMA = 'application/vnd.kafka.jsonschema.v2+json';
const PROTOBUF = 'application/vnd.kafka.protobuf.v2+json';

const userSchema = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'test',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: ['null', 'int'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
  ],
});

async function consumeAll(proxy: TestProxy, topic: string, format: string, accept: string, count: number) {
  const base = await createConsumer(proxy.url, uniqueTopic('schema-group'), { format, 'auto.offset.reset': 'earliest' });
  assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
  return readUntil(base, count, 30_000, accept);
}

describe('schema formats', () => {
  let proxy: TestProxy;
  let registryUrl: string;

  before(async () => {
    proxy = await startTestProxy();
    registryUrl = proxy.schemaRegistryUrls[0]!;
  });
  after(() => proxy.close());

  test('avro keys and values round-trip, registered under <topic>-key / <topic>-value', async () => {
    const topic = await createTopic(uniqueTopic('avro'), 1);
    const reply = await produce(
      proxy,
      `/topics/${topic}`,
      {
        key_schema: '"string"',
        value_schema: userSchema,
        records: [
          { key: 'a', value: { name: 'alice', age: { int: 30 }, tags: ['x'] } },
          { key: 'b', value: { name: 'bob', age: null, tags: [] } },
        ],
      },
      AVRO,
    );
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(typeof reply.body.key_schema_id, 'number');
    assert.equal(typeof reply.body.value_schema_id, 'number');
    assert.ok(reply.body.offsets.every((o: { error_code: unknown }) => o.error_code === null));
    const subjects = await (await fetch(`${registryUrl}/subjects`)).json();
    assert.ok(subjects.includes(`${topic}-key`) && subjects.includes(`${topic}-value`));

    const again = await produce(proxy, `/topics/${topic}`, { value_schema: userSchema, records: [{ value: { name: 'carol', age: null, tags: [] } }] }, AVRO);
    assert.equal(again.body.value_schema_id, reply.body.value_schema_id, 'the same schema keeps its id');
    const byId = await produce(proxy, `/topics/${topic}`, { value_schema_id: reply.body.value_schema_id, records: [{ value: { name: 'dan', age: { int: 1 }, tags: [] } }] }, AVRO);
    assert.equal(byId.status, 200);

    const consumed = await consumeAll(proxy, topic, 'avro', AVRO, 4);
    assert.deepEqual(
      consumed.map((r) => [r.key, r.value]),
      [
        ['a', { name: 'alice', age: { int: 30 }, tags: ['x'] }],
        ['b', { name: 'bob', age: null, tags: [] }],
        [null, { name: 'carol', age: null, tags: [] }],
        [null, { name: 'dan', age: { int: 1 }, tags: [] }],
      ],
    );

    // Independent check: Confluent's wire format, decoded by another implementation.
    const client = new SchemaRegistry({ host: registryUrl });
    const raw = await readRecords(topic, 4);
    // (as plain data: the client hands back avsc record instances)
    assert.deepEqual(JSON.parse(JSON.stringify(await client.decode(raw[0]!.value!))), { name: 'alice', age: 30, tags: ['x'] });
    assert.equal(await client.decode(raw[0]!.key!), 'a');
  });

  test('JSON Schema records produced by the Confluent client are decoded by jsonschema consumers', async () => {
    const topic = await createTopic(uniqueTopic('json-in'), 1);
    const client = new SchemaRegistry({ host: registryUrl });
    const schema = JSON.stringify({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
    const { id } = await client.register({ type: SchemaType.JSON, schema }, { subject: `${topic}-value` });
    const producer = nativeKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: await client.encode(id, { n: 5 }) }] });
    await producer.disconnect();
    const consumed = await consumeAll(proxy, topic, 'jsonschema', JSONSCHEMA, 1);
    assert.deepEqual(consumed[0]!.value, { n: 5 });
  });

  test('records produced by the Confluent client are decoded by avro consumers', async () => {
    const topic = await createTopic(uniqueTopic('avro-in'), 1);
    const client = new SchemaRegistry({ host: registryUrl });
    const { id } = await client.register({ type: SchemaType.AVRO, schema: userSchema }, { subject: `${topic}-value` });
    const producer = nativeKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: await client.encode(id, { name: 'eve', age: 7, tags: ['a', 'b'] }) }] });
    await producer.disconnect();
    const consumed = await consumeAll(proxy, topic, 'avro', AVRO, 1);
    assert.deepEqual(consumed[0]!.value, { name: 'eve', age: { int: 7 }, tags: ['a', 'b'] });
  });

  test('json schema and protobuf round-trip, and the Confluent client agrees', async () => {
    const jsonTopic = await createTopic(uniqueTopic('jsonschema'), 1);
    const jsonSchema = JSON.stringify({
      type: 'object',
      properties: { id: { type: 'integer' }, name: { type: 'string' } },
      required: ['id'],
    });
    const keySchema = JSON.stringify({ type: 'string', minLength: 1 });
    const jsonReply = await produce(
      proxy,
      `/topics/${jsonTopic}`,
      { key_schema: keySchema, value_schema: jsonSchema, records: [{ key: 'k1', value: { id: 1, name: 'one' } }, { key: 'k2', value: { id: 2 } }] },
      JSONSCHEMA,
    );
    assert.equal(jsonReply.status, 200, JSON.stringify(jsonReply.body));
    assert.equal(typeof jsonReply.body.key_schema_id, 'number');
    const bad = await produce(proxy, `/topics/${jsonTopic}`, { value_schema: jsonSchema, records: [{ value: { name: 'no id' } }] }, JSONSCHEMA);
    assert.equal(bad.status, 400, 'a record that does not fit its schema');
    assert.deepEqual(
      (await consumeAll(proxy, jsonTopic, 'jsonschema', JSONSCHEMA, 2)).map((r) => [r.key, r.value]),
      [
        ['k1', { id: 1, name: 'one' }],
        ['k2', { id: 2 }],
      ],
    );
    const client = new SchemaRegistry({ host: registryUrl });
    const jsonRaw = await readRecords(jsonTopic, 2);
    assert.deepEqual(await client.decode(jsonRaw[0]!.value!), { id: 1, name: 'one' });

    const protoTopic = await createTopic(uniqueTopic('protobuf'), 1);
    const proto = 'syntax = "proto3"; package test; message Reading { string sensor = 1; int32 value = 2; repeated string labels = 3; }';
    const protoKey = 'syntax = "proto3"; package test; message Key { string id = 1; }';
    const protoReply = await produce(
      proxy,
      `/topics/${protoTopic}`,
      { key_schema: protoKey, value_schema: proto, records: [{ key: { id: 'r-1' }, value: { sensor: 's1', value: 42, labels: ['a'] } }] },
      PROTOBUF,
    );
    assert.equal(protoReply.status, 200, JSON.stringify(protoReply.body));
    const protoConsumed = await consumeAll(proxy, protoTopic, 'protobuf', PROTOBUF, 1);
    assert.deepEqual(protoConsumed[0]!.key, { id: 'r-1' });
    assert.equal(protoConsumed[0]!.value.sensor, 's1');
    assert.equal(protoConsumed[0]!.value.value, 42);
    assert.deepEqual(protoConsumed[0]!.value.labels, ['a']);
    const protoRaw = await readRecords(protoTopic, 1);
    const decoded = (await client.decode(protoRaw[0]!.value!)) as { sensor: string; value: number };
    assert.equal(decoded.sensor, 's1');
    assert.equal(decoded.value, 42);
  });

  test('bad schema requests get Confluent error codes and write nothing', async () => {
    const topic = await createTopic(uniqueTopic('bad-schema'), 1);
    const expect = async (body: unknown, status: number, code: number, type = AVRO) => {
      const reply = await produce(proxy, `/topics/${topic}`, body, type);
      assert.equal(reply.status, status, JSON.stringify(reply.body));
      assert.equal(reply.body.error_code, code, JSON.stringify(reply.body));
    };
    await expect({ value_schema: '{"type": "nonsense"}', records: [{ value: 1 }] }, 422, 42205);
    await expect({ value_schema: '"int"', records: [{ key: 'k', value: 1 }] }, 422, 42201);
    await expect({ records: [{ value: 1 }] }, 422, 42202);
    await expect({ value_schema: '"int"', records: [{ value: 'not an int' }] }, 400, 400);
    await expect({ value_schema_id: 987654, records: [{ value: 1 }] }, 422, 42207);
    const offsets = await (await fetch(`${proxy.url}/topics/${topic}/partitions/0/offsets`)).json();
    assert.deepEqual(offsets, { beginning_offset: 0, end_offset: 0 });
  });

  test('an avro consumer meeting bytes that are not Confluent-framed answers 40801', async () => {
    const topic = await createTopic(uniqueTopic('not-avro'), 1);
    await produce(proxy, `/topics/${topic}`, { records: [{ value: Buffer.from('plain bytes').toString('base64') }] });
    const base = await createConsumer(proxy.url, uniqueTopic('g'), { format: 'avro', 'auto.offset.reset': 'earliest' });
    await post(`${base}/subscription`, { topics: [topic] });
    let reply = await fetch(`${base}/records?timeout=3000`, { headers: { Accept: AVRO } });
    for (let i = 0; i < 5 && reply.status === 200; i++) reply = await fetch(`${base}/records?timeout=1000`, { headers: { Accept: AVRO } });
    assert.equal(reply.status, 408);
    assert.equal(((await reply.json()) as { error_code: number }).error_code, 40801);
  });

  test('with schema.registry.url the proxy uses an external registry', async () => {
    const external = await startTestProxy({ 'schema.registry.url': registryUrl });
    try {
      assert.deepEqual(external.schemaRegistryUrls, [], 'no embedded registry when an external one is set');
      const topic = await createTopic(uniqueTopic('external'), 1);
      const reply = await produce(external, `/topics/${topic}`, { value_schema: userSchema, records: [{ value: { name: 'x', age: null, tags: [] } }] }, AVRO);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const versions = await (await fetch(`${registryUrl}/subjects/${topic}-value/versions`)).json();
      assert.deepEqual(versions, [1], 'registered in the external registry');
      const consumed = await consumeAll(external, topic, 'avro', AVRO, 1);
      assert.deepEqual(consumed[0]!.value, { name: 'x', age: null, tags: [] });
    } finally {
      await external.close();
    }
  });

  test('an unreachable external registry gives 42207, not a hang or a crash', async () => {
    const nowhere = await startTestProxy({ 'schema.registry.url': `http://127.0.0.1:${await freePort()}` });
    try {
      const topic = await createTopic(uniqueTopic('unreachable'), 1);
      const reply = await produce(nowhere, `/topics/${topic}`, { value_schema: '"int"', records: [{ value: 1 }] }, AVRO);
      assert.equal(reply.status, 422);
      assert.equal(reply.body.error_code, 42207);
      assert.match(reply.body.message, /Error serializing message/);
    } finally {
      await nowhere.close();
    }
  });
});
