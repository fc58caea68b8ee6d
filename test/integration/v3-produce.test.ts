/**
 * API v3 produce without schemas (BINARY, STRING, JSON), against the real broker: each receipt is
 * checked field by field and each record read back with a native kafkajs consumer (key, value,
 * headers, partition, timestamp). Confluent's ProduceActionNoSchemaIntegrationTest scenarios.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { createTopicWith, localClusterId, produceStream, readBack, recordsPath } from '../helpers/v3-produce.ts';

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64');

describe('v3 produce: records without schemas', () => {
  let proxy: TestProxy;
  let clusterId: string;
  const url = (topic: string, cluster = clusterId) => `${proxy.url}${recordsPath(cluster, topic)}`;

  before(async () => {
    proxy = await startTestProxy({ 'producer.max.block.ms': '1000' });
    clusterId = await localClusterId();
  });
  after(() => proxy.close());

  test('BINARY: key, value, repeated and null headers, partition and timestamp arrive as sent', async () => {
    const topic = await createTopic(uniqueTopic('v3-bin'), 3);
    const key = randomBytes(7);
    const value = randomBytes(300);
    const reply = await produceStream(url(topic), [
      {
        partition_id: 1,
        headers: [
          { name: 'header-1', value: b64('value-1') },
          { name: 'header-1', value: b64('value-2') },
          { name: 'header-2', value: b64('value-3') },
          { name: 'empty', value: null },
        ],
        key: { type: 'BINARY', data: b64(key) },
        value: { type: 'BINARY', data: b64(value) },
        timestamp: '2021-02-05T19:14:42.123Z',
      },
    ]);
    assert.equal(reply.status, 200);
    assert.match(reply.type ?? '', /^application\/json/);
    assert.deepEqual(reply.entries, [
      {
        error_code: 200,
        cluster_id: clusterId,
        topic_name: topic,
        partition_id: 1,
        offset: 0,
        timestamp: '2021-02-05T19:14:42.123Z',
        key: { type: 'BINARY', size: 7 },
        value: { type: 'BINARY', size: 300 },
      },
    ]);
    const [stored] = await readBack(topic, 1);
    assert.equal(stored!.partition, 1);
    assert.deepEqual(stored!.key, key);
    assert.deepEqual(stored!.value, value);
    assert.equal(stored!.timestamp, Date.parse('2021-02-05T19:14:42.123Z'));
    assert.deepEqual(stored!.headers, { 'header-1': [Buffer.from('value-1'), Buffer.from('value-2')], 'header-2': Buffer.from('value-3'), empty: null });
  });

  test('STRING and JSON: text as UTF-8, JSON as its text; null data and absent key or value are null', async () => {
    const topic = await createTopic(uniqueTopic('v3-text'), 1);
    const reply = await produceStream(url(topic), [
      { key: { type: 'STRING', data: 'foo' }, value: { type: 'STRING', data: 'bär' } },
      { key: { type: 'JSON', data: 'foo' }, value: { type: 'JSON', data: { foo: ['bar', 1, null] } } },
      { key: { type: 'STRING', data: '' }, value: { type: 'STRING', data: '' } },
      { key: { type: 'BINARY', data: null }, value: { type: 'JSON', data: null } },
      { key: { type: 'STRING', data: 'key only' } },
      { value: { type: 'STRING' } },
      {},
    ]);
    assert.equal(reply.status, 200);
    assert.deepEqual(
      reply.entries.map(({ offset, key, value }) => ({ offset, key, value })),
      [
        { offset: 0, key: { type: 'STRING', size: 3 }, value: { type: 'STRING', size: 4 } },
        { offset: 1, key: { type: 'JSON', size: 5 }, value: { type: 'JSON', size: 22 } },
        { offset: 2, key: { type: 'STRING', size: 0 }, value: { type: 'STRING', size: 0 } },
        { offset: 3, key: { type: 'BINARY', size: -1 }, value: { type: 'JSON', size: -1 } },
        { offset: 4, key: { type: 'STRING', size: 8 }, value: undefined },
        { offset: 5, key: undefined, value: { type: 'STRING', size: -1 } },
        { offset: 6, key: undefined, value: undefined },
      ],
    );
    const stored = await readBack(topic, 7);
    assert.deepEqual(
      stored.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null]),
      [
        ['foo', 'bär'],
        ['"foo"', '{"foo":["bar",1,null]}'],
        ['', ''],
        [null, null],
        ['key only', null],
        [null, null],
        [null, null],
      ],
    );
  });

  test('data that does not fit its type is a 400 entry, and the next record is still produced', async () => {
    const topic = await createTopic(uniqueTopic('v3-bad'), 1);
    const reply = await produceStream(url(topic), [
      { key: { type: 'BINARY', data: 1 }, value: { type: 'BINARY', data: 'fooba' } },
      { value: { type: 'BINARY', data: 'fooba' } },
      { value: { type: 'STRING', data: { not: 'a string' } } },
      { value: { type: 'STRING', data: 'fine' } },
    ]);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.entries.slice(0, 3), [
      { error_code: 400, message: 'Bad Request: data=1 is not a base64 string.' },
      { error_code: 400, message: 'Bad Request: data="fooba" is not a valid base64 string.' },
      { error_code: 400, message: 'Bad Request: data={"not":"a string"} is not a string.' },
    ]);
    assert.equal(reply.entries[3].error_code, 200);
    assert.equal(reply.entries[3].offset, 0, 'nothing was written for the refused records');
  });

  test('an unknown field is a 400 entry with Jackson’s message', async () => {
    const topic = await createTopic(uniqueTopic('v3-unknown'), 1);
    const reply = await produceStream(url(topic), '{ "records": {"subject": "foobar" } }');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.entries, [
      {
        error_code: 400,
        message:
          'Unrecognized field "records" (class io.confluent.kafkarest.entities.v3.AutoValue_ProduceRequest$Builder), ' +
          'not marked as ignorable (6 known properties: "value", "originalSize", "partitionId", "headers", "key", "timestamp"])',
      },
    ]);
  });

  test('fields of the wrong JSON type, and bad headers or timestamps, are 400 entries', async () => {
    const topic = await createTopic(uniqueTopic('v3-types'), 1);
    const reply = await produceStream(url(topic), [
      { partition_id: 'zero' },
      { key: 'not an object' },
      { value: { type: 'FOO', data: 'x' } },
      { headers: [{ value: b64('v') }] },
      { headers: [{ name: 'h', value: 'not base64!' }] },
      { timestamp: 'yesterday' },
      { timestamp: '1969-12-31T23:59:59Z' },
      [1, 2],
    ]);
    assert.equal(reply.entries.length, 8);
    assert.ok(reply.entries.every((e) => e.error_code === 400), JSON.stringify(reply.entries));
    assert.match(reply.entries[0].message, /Cannot deserialize value of type `java.lang.Integer` from String "zero"/);
    assert.match(reply.entries[1].message, /^Cannot construct instance of `io.confluent.kafkarest.entities.v3.ProduceRequest\$ProduceRequestData`/);
    assert.match(reply.entries[2].message, /not one of the values accepted for Enum class: \[BINARY, JSON, STRING, AVRO, JSONSCHEMA, PROTOBUF\]/);
    assert.equal(reply.entries[3].message, 'Cannot construct instance of `io.confluent.kafkarest.entities.v3.ProduceRequest$ProduceRequestHeader`, problem: Null name');
    assert.match(reply.entries[4].message, /`byte\[\]`/);
    assert.match(reply.entries[5].message, /`java.time.Instant`/);
    assert.match(reply.entries[6].message, /Invalid timestamp: -1000/);
    assert.match(reply.entries[7].message, /AutoValue_ProduceRequest\$Builder/);
  });

  test('BINARY/JSON/STRING with schema fields, and other conflicting fields, are 400 entries with Confluent’s words', async () => {
    const topic = await createTopic(uniqueTopic('v3-combos'), 1);
    const problem = (text: string) => `Cannot construct instance of \`io.confluent.kafkarest.entities.v3.ProduceRequest$ProduceRequestData\`, problem: ${text}`;
    const reply = await produceStream(url(topic), [
      { value: { type: 'BINARY', schema: '"string"', data: 'eA==' } },
      { value: { type: 'JSON', schema_id: 1, data: 1 } },
      { value: { type: 'STRING', schema_version: 1, data: 'x' } },
      { value: { type: 'STRING', subject: 's', data: 'x' } },
      { value: { type: 'JSON', subject_name_strategy: 'TOPIC_NAME', data: 'x' } },
      { value: { subject: 's', subject_name_strategy: 'TOPIC_NAME', data: 'x' } },
      { value: { schema_id: 1, schema_version: 1, data: 'x' } },
      { value: { schema: '"string"', schema_id: 1, data: 'x' } },
      { value: { schema: '"string"', schema_version: 1, data: 'x' } },
    ]);
    assert.deepEqual(
      reply.entries.map((e) => e.message),
      [
        problem("'type=BINARY' cannot be used with 'schema'."),
        problem("'type=JSON' cannot be used with 'schema_id'."),
        problem("'type=STRING' cannot be used with 'schema_version'."),
        problem("'type=STRING' cannot be used with 'subject'."),
        problem("'type=JSON' cannot be used with 'subject_strategy'."),
        problem("Only one of 'subject_name_strategy' or 'subject' can be used."),
        problem("Only one of 'schema_id', 'schema_version' or 'schema' can be used."),
        problem("Only one of 'schema_id', 'schema_version' or 'schema' can be used."),
        problem("Only one of 'schema_id', 'schema_version' or 'schema' can be used."),
      ],
    );
    assert.ok(reply.entries.every((e) => e.error_code === 400));
  });

  test('partitions: a negative one is 40402, one beyond the topic 40401; a keyed record goes where its key hashes', async () => {
    const topic = await createTopic(uniqueTopic('v3-part'), 3);
    const reply = await produceStream(url(topic), [
      { partition_id: -1, value: { type: 'STRING', data: 'x' } },
      { partition_id: 3, value: { type: 'STRING', data: 'x' } },
      { partition_id: 2, value: { type: 'STRING', data: 'x' } },
      { key: { type: 'STRING', data: 'same' }, value: { type: 'STRING', data: 'a' } },
      { key: { type: 'STRING', data: 'same' }, value: { type: 'STRING', data: 'b' } },
    ]);
    assert.deepEqual(reply.entries[0], { error_code: 40402, message: 'Partition not found.' });
    assert.deepEqual(reply.entries[1], { error_code: 40401, message: `Partition 3 of topic ${topic} with partition count 3 is not present in metadata.` });
    assert.equal(reply.entries[2].partition_id, 2);
    assert.equal(reply.entries[3].partition_id, reply.entries[4].partition_id, 'one key, one partition');
  });

  test('a missing topic is 40401 after producer.max.block.ms; the cluster id is not checked', async () => {
    const topic = uniqueTopic('v3-missing');
    const reply = await produceStream(url(topic, 'not-this-cluster'), [{ value: { type: 'STRING', data: 'x' } }]);
    assert.deepEqual(reply.entries, [{ error_code: 40401, message: `Topic ${topic} not present in metadata after 1000 ms.` }]);
    const existing = await createTopic(uniqueTopic('v3-any-cluster'), 1);
    const other = await produceStream(url(existing, 'not-this-cluster'), [{ value: { type: 'STRING', data: 'x' } }]);
    assert.equal(other.entries[0].error_code, 200);
    assert.equal(other.entries[0].cluster_id, 'not-this-cluster', 'the receipt names the cluster of the path');
  });

  test('timestamps: kept to the millisecond; default now; a LogAppendTime topic answers the broker’s', async () => {
    const topic = await createTopic(uniqueTopic('v3-time'), 1);
    const before = Date.now();
    const reply = await produceStream(url(topic), [
      { value: { type: 'STRING', data: 'a' }, timestamp: '1970-01-01T00:00:01Z' },
      { value: { type: 'STRING', data: 'b' }, timestamp: '2021-02-05T20:14:42.123456+01:00' },
      { value: { type: 'STRING', data: 'c' } },
    ]);
    assert.deepEqual(
      reply.entries.slice(0, 2).map((e) => e.timestamp),
      ['1970-01-01T00:00:01.000Z', '2021-02-05T19:14:42.123Z'],
    );
    const now = Date.parse(reply.entries[2].timestamp);
    assert.ok(now >= before && now <= Date.now(), `${reply.entries[2].timestamp} is the time of the produce`);
    const stored = await readBack(topic, 3);
    assert.deepEqual(
      stored.map((r) => r.timestamp),
      [1000, Date.parse('2021-02-05T19:14:42.123Z'), now],
    );

    const appendTime = await createTopicWith(uniqueTopic('v3-append-time'), 1, { 'message.timestamp.type': 'LogAppendTime' });
    const appended = await produceStream(url(appendTime), [{ value: { type: 'STRING', data: 'a' }, timestamp: '1970-01-01T00:00:01Z' }]);
    const [record] = await readBack(appendTime, 1);
    assert.notEqual(record!.timestamp, 1000, 'the broker stamped it');
    assert.equal(appended.entries[0].timestamp, new Date(record!.timestamp).toISOString());
  });

  test('a record larger than producer.max.request.size is 413; a full producer.buffer.memory is 429, which a stream never fills', async () => {
    const topic = await createTopic(uniqueTopic('v3-large'), 1);
    const reply = await produceStream(url(topic), [{ value: { type: 'BINARY', data: b64(randomBytes(1_100_000)) } }, { value: { type: 'STRING', data: 'small' } }]);
    assert.equal(reply.entries[0].error_code, 413);
    assert.match(reply.entries[0].message, /larger than 1048576, which is the value of the max.request.size configuration/);
    assert.equal(reply.entries[1].error_code, 200);

    // A stream never takes more than producer.buffer.memory of records at once; a batch does.
    const tight = await startTestProxy({ 'producer.buffer.memory': '2048', 'producer.max.block.ms': '0' });
    try {
      const records = Array.from({ length: 30 }, () => ({ value: { type: 'BINARY', data: b64(randomBytes(900)) } }));
      const streamed = await produceStream(`${tight.url}${recordsPath(clusterId, topic)}`, records);
      assert.deepEqual(
        streamed.entries.map((e) => e.error_code),
        records.map(() => 200),
      );
      const entries = records.slice(0, 10).map((record, i) => ({ id: String(i), ...record }));
      const batch = await fetch(`${tight.url}${recordsPath(clusterId, topic)}:batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ entries }) });
      const { successes, failures } = (await batch.json()) as { successes: unknown[]; failures: Array<{ error_code: number; message: string }> };
      assert.equal(successes.length + failures.length, 10);
      assert.ok(failures.length > 0, 'entries that found no room were refused');
      assert.ok(failures.every((f) => f.error_code === 429));
      assert.match(failures[0]!.message, /producer.buffer.memory \(2048 bytes\)/);
    } finally {
      await tight.close();
    }
  });

  test('charsets: UTF-8 and ISO-8859-1 are read, any other is an HTTP 400; an empty body is 422', async () => {
    const topic = await createTopic(uniqueTopic('v3-charset'), 1);
    const record = [{ value: { type: 'STRING', data: 'café' } }];
    const utf8 = await produceStream(url(topic), record, 'application/json; charset=utf-8');
    const latin1 = await produceStream(url(topic), record, 'application/json; charset=ISO-8859-1');
    assert.equal(utf8.entries[0].error_code, 200);
    assert.equal(latin1.entries[0].error_code, 200);
    const stored = await readBack(topic, 2);
    assert.deepEqual(
      stored.map((r) => r.value?.toString()),
      ['café', 'café'],
    );
    const other = await produceStream(url(topic), record, 'application/json; charset=DEADBEEF');
    assert.equal(other.status, 400);
    assert.deepEqual(other.entries, [{ error_code: 400, message: 'Unsupported charset in Content-Type header. Supports "UTF-8" and "ISO-8859-1".' }]);
    for (const body of ['', ' \r\n ']) {
      const empty = await produceStream(url(topic), body);
      assert.equal(empty.status, 422);
      assert.deepEqual(empty.entries, [{ error_code: 42206, message: 'Payload error. Request body is empty. Data is required.' }]);
    }
    const text = await produceStream(url(topic), record, 'text/plain');
    assert.equal(text.status, 415);
  });
});
