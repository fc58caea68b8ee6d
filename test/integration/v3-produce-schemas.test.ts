/**
 * API v3 produce with schemas (AVRO, JSONSCHEMA, PROTOBUF) and the embedded registry: a raw schema
 * (registered under the subject), schema_id, schema_version, the latest version, an explicit
 * subject and the subject name strategies; the combinations Confluent refuses are 400 entries.
 * The bytes written are checked: Confluent's frame (magic byte, schema id) and the Avro payload.
 * Confluent's ProduceActionIntegrationTest scenarios.
 */
import assert from 'node:assert/strict';
import avro from 'avsc';
import { after, before, describe, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { localClusterId, produceStream, readBack, recordsPath } from '../helpers/v3-produce.ts';

const USER = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'com.example',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int' },
  ],
});
const USER_V2 = JSON.stringify({
  type: 'record',
  name: 'User',
  namespace: 'com.example',
  fields: [
    { name: 'name', type: 'string' },
    { name: 'age', type: 'int' },
    { name: 'email', type: ['null', 'string'], default: null },
  ],
});

/** Confluent's frame: magic byte 0, the schema id, then the payload. */
function unframe(bytes: Buffer | null): { id: number; payload: Buffer } {
  assert.ok(bytes && bytes[0] === 0, 'framed with the magic byte');
  return { id: bytes.readInt32BE(1), payload: bytes.subarray(5) };
}

describe('v3 produce: records with schemas', () => {
  let proxy: TestProxy;
  let clusterId: string;
  const url = (topic: string) => `${proxy.url}${recordsPath(clusterId, topic)}`;

  before(async () => {
    proxy = await startTestProxy();
    clusterId = await localClusterId();
  });
  after(() => proxy.close());

  test('AVRO with a raw schema, then by schema_id, schema_version and the latest version', async () => {
    const topic = await createTopic(uniqueTopic('v3-avro'), 1);
    const alice = { name: 'alice', age: 30 };
    const first = await produceStream(url(topic), [{ key: { type: 'AVRO', schema: '"string"', data: 'k1' }, value: { type: 'AVRO', schema: USER, data: alice } }]);
    const receipt = first.entries[0];
    assert.equal(receipt.error_code, 200, JSON.stringify(receipt));
    assert.deepEqual(receipt.key, { type: 'AVRO', subject: `${topic}-key`, schema_id: receipt.key.schema_id, schema_version: 1, size: 8 });
    const id = receipt.value.schema_id;
    assert.deepEqual(receipt.value, { type: 'AVRO', subject: `${topic}-value`, schema_id: id, schema_version: 1, size: 5 + avro.Type.forSchema(JSON.parse(USER)).toBuffer(alice).length });

    const later = await produceStream(url(topic), [
      { value: { schema_id: id, data: { name: 'bob', age: 1 } } },
      { value: { schema_version: 1, data: { name: 'carol', age: 2 } } },
      { value: { data: { name: 'dan', age: 3 } } },
      { value: { type: 'AVRO', schema: USER_V2, data: { name: 'erin', age: 4, email: { string: 'e@x' } } } },
      { value: { data: { name: 'frank', age: 5, email: null } } },
    ]);
    assert.deepEqual(
      later.entries.map((e) => [e.error_code, e.value?.type, e.value?.subject, e.value?.schema_version]),
      [
        [200, 'AVRO', `${topic}-value`, 1],
        [200, 'AVRO', `${topic}-value`, 1],
        [200, 'AVRO', `${topic}-value`, 1],
        [200, 'AVRO', `${topic}-value`, 2],
        [200, 'AVRO', `${topic}-value`, 2],
      ],
    );
    assert.deepEqual(
      later.entries.slice(0, 3).map((e) => e.value.schema_id),
      [id, id, id],
    );
    const v2 = later.entries[3].value.schema_id;
    assert.notEqual(v2, id);
    assert.equal(later.entries[4].value.schema_id, v2, 'the latest version is the new one');

    const records = await readBack(topic, 6);
    const userType = avro.Type.forSchema(JSON.parse(USER));
    const userV2Type = avro.Type.forSchema(JSON.parse(USER_V2), { wrapUnions: true });
    assert.equal(unframe(records[0]!.key).payload.toString('latin1').slice(1), 'k1');
    const decoded = records.map((r) => {
      const { id: written, payload } = unframe(r.value);
      return [written, written === id ? userType.fromBuffer(payload).name : userV2Type.fromBuffer(payload).name];
    });
    assert.deepEqual(decoded, [
      [id, 'alice'],
      [id, 'bob'],
      [id, 'carol'],
      [id, 'dan'],
      [v2, 'erin'],
      [v2, 'frank'],
    ]);
  });

  test('subjects: explicit, RECORD_NAME and TOPIC_RECORD_NAME', async () => {
    const topic = await createTopic(uniqueTopic('v3-subjects'), 1);
    const subject = uniqueTopic('custom-subject');
    const data = { name: 'x', age: 1 };
    const reply = await produceStream(url(topic), [
      { value: { type: 'AVRO', subject, schema: USER, data } },
      { value: { type: 'AVRO', subject_name_strategy: 'RECORD_NAME', schema: USER, data } },
      { value: { type: 'AVRO', subject_name_strategy: 'TOPIC_RECORD_NAME', schema: USER, data } },
      { value: { subject, data } },
      { value: { subject_name_strategy: 'TOPIC_RECORD_NAME', schema_id: 0, data } },
    ]);
    assert.deepEqual(
      reply.entries.slice(0, 4).map((e) => [e.error_code, e.value?.subject]),
      [
        [200, subject],
        [200, 'com.example.User'],
        [200, `${topic}-com.example.User`],
        [200, subject],
      ],
    );
    assert.equal(reply.entries[4].error_code, 422, 'no schema 0 in the registry');
  });

  test('JSONSCHEMA and PROTOBUF with raw schemas', async () => {
    const topic = await createTopic(uniqueTopic('v3-json-proto'), 1);
    const jsonSchema = JSON.stringify({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
    const proto = 'syntax = "proto3"; package demo; message Point { int32 x = 1; int32 y = 2; }';
    const reply = await produceStream(url(topic), [
      { value: { type: 'JSONSCHEMA', schema: jsonSchema, data: { n: 7 } } },
      { value: { type: 'JSONSCHEMA', schema: jsonSchema, data: { n: 'seven' } } },
      { key: { type: 'PROTOBUF', schema: proto, data: { x: 1, y: 2 } }, value: { type: 'STRING', data: 'p' } },
      { key: { type: 'PROTOBUF', subject_name_strategy: 'RECORD_NAME', schema: proto, data: { x: 3 } } },
    ]);
    assert.equal(reply.entries[0].error_code, 200);
    assert.equal(reply.entries[0].value.type, 'JSONSCHEMA');
    assert.equal(reply.entries[1].error_code, 400, 'data that does not fit the schema');
    assert.match(reply.entries[1].message, /^Bad Request: Failed to validate JSON against the schema/);
    assert.equal(reply.entries[2].error_code, 200);
    assert.deepEqual([reply.entries[2].key.type, reply.entries[2].key.subject], ['PROTOBUF', `${topic}-key`]);
    assert.equal(reply.entries[3].key.subject, 'demo.Point');
    const records = await readBack(topic, 3);
    assert.equal(records[0]!.value!.subarray(5).toString(), '{"n":7}');
  });

  test('the combinations Confluent refuses are 400 entries; registry failures 422 with the 5-digit code in the message', async () => {
    const topic = await createTopic(uniqueTopic('v3-schema-bad'), 1);
    const problem = (text: string) => `Cannot construct instance of \`io.confluent.kafkarest.entities.v3.ProduceRequest$ProduceRequestData\`, problem: ${text}`;
    const reply = await produceStream(url(topic), [
      { value: { type: 'AVRO', schema_id: 1, data: 'x' } },
      { value: { type: 'AVRO', schema_version: 1, data: 'x' } },
      { value: { type: 'AVRO', data: 'x' } },
      { value: { subject_name_strategy: 'RECORD_NAME', schema_version: 1, data: 'x' } },
      { value: { subject_name_strategy: 'RECORD_NAME', data: 'x' } },
      { value: { data: 'no subject yet' } },
      { value: { schema_version: 3, data: 'x' } },
      { value: { type: 'AVRO', schema: '{"type": "nope"}', data: 'x' } },
      { value: { type: 'AVRO', schema: USER, data: { name: 'no age' } } },
    ]);
    assert.deepEqual(
      reply.entries.map((e) => [e.error_code, e.message]),
      [
        [400, problem("'schema_id=1' cannot be used with 'serializer'.")],
        [400, problem("'schema_version=1' cannot be used with 'serializer'.")],
        [400, problem("'schema_version=latest' cannot be used with 'serializer'.")],
        [400, 'Bad Request: Cannot use schema_subject_strategy=RECORD_NAME without schema_id or schema.'],
        [400, 'Bad Request: Cannot use schema_subject_strategy=RECORD_NAME without schema_id or schema.'],
        [422, `Error: 42207 : Error serializing message. Error when fetching latest schema version. subject = ${topic}-value; error code: 40401`],
        [400, `Bad Request: Schema does not exist for subject: ${topic}-value, version: 3`],
        [422, `Error: 42205 : Invalid schema: Error when parsing raw schema. format = AVRO, schema = {"type": "nope"}`],
        [400, reply.entries[8].message],
      ],
    );
    assert.match(reply.entries[8].message, /^Bad Request: Failed to convert JSON to Avro/);
  });
});
