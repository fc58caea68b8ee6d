/**
 * Record headers and timestamps on API v2 (an extension in the Strimzi HTTP Bridge's shape)
 * against the real broker: v2 produce writes them (checked with a native kafkajs consumer), an
 * instance created with `record.metadata` returns them in every records response and event, one
 * without it answers exactly Confluent's bytes, and the choice survives a restart on the journal.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, readUntil } from '../helpers/consumer.ts';
import { BINARY, call, JSON_FORMAT, produce, startTestProxy, V2, type TestProxy } from '../helpers/proxy.ts';
import { SseClient } from '../helpers/sse.ts';

const AVRO = 'application/vnd.kafka.avro.v2+json';
const T1 = 1_600_000_000_000;
const T2 = 1_500_000_000_123;
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

interface NativeRecord {
  offset: number;
  value: Buffer | null;
  timestamp: number;
  headers: Record<string, Buffer | null | Array<Buffer | null>>;
}

/** Every record of partition 0, as a native kafkajs consumer reads it. */
async function readNatively(topic: string, count: number): Promise<NativeRecord[]> {
  const consumer = nativeKafka().consumer({ groupId: `native-${randomUUID()}` });
  const got: NativeRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${got.length}/${count} records of ${topic}`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push({ offset: Number(message.offset), value: message.value, timestamp: Number(message.timestamp), headers: message.headers as NativeRecord['headers'] });
          if (got.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return got.sort((a, b) => a.offset - b.offset);
}

async function writeNatively(topic: string, messages: Array<{ value: string; headers?: Record<string, string | Buffer | Array<string | Buffer>>; timestamp?: string }>) {
  const producer = nativeKafka().producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: messages.map((m) => ({ ...m, partition: 0 })) });
  } finally {
    await producer.disconnect();
  }
}

/** An instance of its own group reading partition 0 of `topic` from the beginning. */
async function assigned(url: string, topic: string, body: Record<string, unknown>): Promise<string> {
  const base = await createConsumer(url, uniqueTopic('headers-group'), { 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false', ...body });
  assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);
  return base;
}

/** The first records response that holds records, as the bytes it came as. */
async function rawRecords(base: string, accept: string): Promise<string> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const reply = await fetch(`${base}/records?timeout=1000`, { headers: { Accept: accept } });
    const text = await reply.text();
    assert.equal(reply.status, 200, text);
    if (text !== '[]') return text;
  }
  throw new Error('no records came');
}

const endOffset = async (url: string, topic: string) => (await call(`${url}/topics/${topic}/partitions/0/offsets`)).body.end_offset as number;

describe('v2 record headers and timestamps', () => {
  let proxy: TestProxy;

  before(async () => {
    proxy = await startTestProxy({ 'consumer.request.timeout.ms': '1000' });
  });
  after(() => proxy.close());

  test('produce writes each record\'s headers (repeated names, null values, any bytes) and timestamp, in every format', async () => {
    const topic = await createTopic(uniqueTopic('headers-produce'), 1);
    const headers = [
      { key: 'a', value: b64('1') },
      { key: 'a', value: null },
      { key: 'bytes', value: ALL_BYTES.toString('base64') },
      { key: 'é', value: '' },
    ];
    const binary = await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('one'), headers, timestamp: T1 }, { value: b64('two') }] });
    assert.equal(binary.status, 200, JSON.stringify(binary.body));
    const json = await produce(proxy, `/topics/${topic}/partitions/0`, { records: [{ value: { n: 3 }, headers: [{ key: 'j', value: b64('json') }], timestamp: 0 }] }, JSON_FORMAT);
    assert.equal(json.status, 200, JSON.stringify(json.body));
    const avro = await produce(proxy, `/topics/${topic}`, { value_schema: '"string"', records: [{ value: 'four', headers: [{ key: 'v', value: null }], timestamp: T2 }] }, AVRO);
    assert.equal(avro.status, 200, JSON.stringify(avro.body));
    for (const reply of [binary, json, avro]) assert.ok(reply.body.offsets.every((o: { error_code: unknown }) => o.error_code === null), JSON.stringify(reply.body));

    const [one, two, three, four] = await readNatively(topic, 4);
    assert.deepEqual(one!.headers, { a: [Buffer.from('1'), null], bytes: ALL_BYTES, é: Buffer.alloc(0) });
    assert.equal(one!.timestamp, T1);
    assert.deepEqual(two!.headers, {}, 'a record without headers has none');
    assert.ok(two!.timestamp > T1, 'a record without a timestamp gets the time it was sent');
    assert.deepEqual(three!.headers, { j: Buffer.from('json') });
    assert.equal(three!.timestamp, 0);
    assert.deepEqual(four!.headers, { v: null });
    assert.equal(four!.timestamp, T2);
    assert.equal(four!.value!.subarray(5).toString('latin1'), '\u0008four', 'the avro value is still Confluent-framed');
  });

  test('bad headers or timestamps are 400 with the error envelope, and nothing of the request is written', async () => {
    const topic = await createTopic(uniqueTopic('headers-bad'), 1);
    const bad: Array<[Record<string, unknown>, RegExp, string?]> = [
      [{ value: b64('x'), headers: { a: b64('1') } }, /^Bad Request: records\[1\]\.headers must be a list of/],
      [{ value: b64('x'), headers: [{ key: 'a', value: 'not base64!' }] }, /^Bad Request: records\[1\]\.headers\[0\]\.value: data="not base64!" is not a valid base64 string\.$/],
      [{ value: b64('x'), headers: [{ value: b64('1') }] }, /^Bad Request: records\[1\]\.headers\[0\]\.key must be a string/],
      [{ value: b64('x'), headers: Array.from({ length: 1001 }, () => ({ key: 'k' })) }, /at most 1000 headers, not 1001/],
      [{ value: b64('x'), timestamp: -1 }, /^Bad Request: records\[1\]\.timestamp must be a non-negative integer/],
      [{ value: b64('x'), timestamp: 'yesterday' }, /timestamp must be a non-negative integer .*, got "yesterday"\.$/],
      [{ value: { a: 1 }, timestamp: 1.5 }, /timestamp must be a non-negative integer/, JSON_FORMAT],
      [{ value: b64('x'), header: [] }, /^Unrecognized field "header"/],
    ];
    for (const [record, message, type = BINARY] of bad) {
      const first = type === BINARY ? { value: b64('fine') } : { value: 'fine' };
      for (const path of [`/topics/${topic}`, `/topics/${topic}/partitions/0`]) {
        const reply = await produce(proxy, path, { records: [first, record] }, type);
        assert.equal(reply.status, 400, JSON.stringify(reply.body));
        assert.deepEqual(Object.keys(reply.body), ['error_code', 'message']);
        assert.equal(reply.body.error_code, 400);
        assert.match(reply.body.message, message);
      }
    }
    assert.equal(await endOffset(proxy.url, topic), 0, 'nothing was written');
  });

  describe('consume', () => {
    let topic: string;
    let jsonTopic: string;

    before(async () => {
      topic = await createTopic(uniqueTopic('headers-consume'), 1);
      await writeNatively(topic, [
        { value: 'native', headers: { trace: Buffer.from([0, 1, 254, 255]), dup: ['1', '2'] }, timestamp: String(T2) },
        { value: 'bare', timestamp: String(T1) },
      ]);
      // Headers in an order that grouping by name would change (n, e, n): they come back as given.
      const reply = await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('proxy'), headers: [{ key: 'n', value: null }, { key: 'e', value: '' }, { key: 'n', value: b64('again') }], timestamp: T1 }] });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      jsonTopic = await createTopic(uniqueTopic('headers-json'), 1);
      await writeNatively(jsonTopic, [{ value: '{"a":[1,"two"]}', headers: { 'content-type': 'application/json' }, timestamp: String(T1) }]);
    });

    const nativeHeaders = [
      { key: 'trace', value: Buffer.from([0, 1, 254, 255]).toString('base64') },
      { key: 'dup', value: b64('1') },
      { key: 'dup', value: b64('2') },
    ];

    test('an instance created with record.metadata: each record gains timestamp and headers (binary, as a group member)', async () => {
      const base = await createConsumer(proxy.url, uniqueTopic('headers-group'), { format: 'binary', 'auto.offset.reset': 'earliest', 'record.metadata': true });
      assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
      const got = await readUntil(base, 3);
      assert.deepEqual(got, [
        { topic, key: null, value: b64('native'), partition: 0, offset: 0, timestamp: T2, headers: nativeHeaders },
        { topic, key: null, value: b64('bare'), partition: 0, offset: 1, timestamp: T1, headers: [] },
        { topic, key: null, value: b64('proxy'), partition: 0, offset: 2, timestamp: T1, headers: [{ key: 'n', value: null }, { key: 'e', value: '' }, { key: 'n', value: b64('again') }] },
      ]);
      assert.deepEqual(Object.keys(got[0]!), ['topic', 'key', 'value', 'partition', 'offset', 'timestamp', 'headers'], 'the Strimzi bridge\'s order');
    });

    test('binary, as a manual assignment: the exact bytes', async () => {
      const base = await assigned(proxy.url, topic, { 'record.metadata': 'true' });
      const body = await rawRecords(base, BINARY);
      const trace = Buffer.from([0, 1, 254, 255]).toString('base64');
      assert.ok(
        body.startsWith(
          `[{"topic":"${topic}","key":null,"value":"${b64('native')}","partition":0,"offset":0,"timestamp":${T2},` +
            `"headers":[{"key":"trace","value":"${trace}"},{"key":"dup","value":"MQ=="},{"key":"dup","value":"Mg=="}]}`,
        ),
        body,
      );
      assert.ok(body.includes(`"offset":2,"timestamp":${T1},"headers":[{"key":"n","value":null},{"key":"e","value":""},{"key":"n","value":"${b64('again')}"}]}`), body);
    });

    test('json and avro: the same fields after the decoded key and value', async () => {
      const json = await assigned(proxy.url, jsonTopic, { format: 'json', 'record.metadata': true });
      assert.equal(
        await rawRecords(json, JSON_FORMAT),
        `[{"topic":"${jsonTopic}","key":null,"value":{"a":[1,"two"]},"partition":0,"offset":0,"timestamp":${T1},"headers":[{"key":"content-type","value":"${b64('application/json')}"}]}]`,
      );
      const avroTopic = await createTopic(uniqueTopic('headers-avro'), 1);
      const produced = await produce(proxy, `/topics/${avroTopic}`, { value_schema: '"string"', records: [{ value: 'hi', headers: [{ key: 'h', value: b64('v') }], timestamp: T2 }] }, AVRO);
      assert.equal(produced.status, 200, JSON.stringify(produced.body));
      const avro = await assigned(proxy.url, avroTopic, { format: 'avro', 'record.metadata': true });
      assert.equal(await rawRecords(avro, AVRO), `[{"topic":"${avroTopic}","key":null,"value":"hi","partition":0,"offset":0,"timestamp":${T2},"headers":[{"key":"h","value":"dg=="}]}]`);
    });

    test('an instance without it answers exactly the bytes Confluent\'s would: no timestamp, no headers', async () => {
      for (const body of [{}, { 'record.metadata': false }]) {
        const base = await assigned(proxy.url, topic, body);
        assert.equal(
          await rawRecords(base, BINARY),
          `[{"topic":"${topic}","key":null,"value":"${b64('native')}","partition":0,"offset":0},` +
            `{"topic":"${topic}","key":null,"value":"${b64('bare')}","partition":0,"offset":1},` +
            `{"topic":"${topic}","key":null,"value":"${b64('proxy')}","partition":0,"offset":2}]`,
        );
      }
      const json = await assigned(proxy.url, jsonTopic, { format: 'json' });
      assert.equal(await rawRecords(json, JSON_FORMAT), `[{"topic":"${jsonTopic}","key":null,"value":{"a":[1,"two"]},"partition":0,"offset":0}]`);
    });

    test('the record stream: events of an opted-in instance carry them, a plain instance\'s do not', async () => {
      const expected = (metadata: boolean) =>
        `{"topic":"${topic}","key":null,"value":"${b64('native')}","partition":0,"offset":0` +
        (metadata ? `,"timestamp":${T2},"headers":[{"key":"trace","value":"AAH+/w=="},{"key":"dup","value":"MQ=="},{"key":"dup","value":"Mg=="}]}` : '}');
      for (const metadata of [true, false]) {
        const base = await assigned(proxy.url, topic, metadata ? { 'record.metadata': true } : {});
        const stream = await SseClient.open(`${base}/records`);
        try {
          assert.equal(stream.status, 200);
          const [first] = await stream.waitForEvents(3);
          assert.equal(first!.id, `${topic}/0/0`);
          assert.equal(first!.data, expected(metadata));
          assert.equal(stream.records[2]!.record.headers?.length, metadata ? 3 : undefined);
        } finally {
          stream.close();
        }
      }
    });
  });

  test('create: a record.metadata that is not a boolean is 422/42204; other unknown fields still are', async () => {
    for (const body of [{ 'record.metadata': 'yes' }, { 'record.headers': true }]) {
      const reply = await call(`${proxy.url}/consumers/${uniqueTopic('g')}`, { method: 'POST', headers: { 'Content-Type': V2 }, body });
      assert.equal(reply.status, 422, JSON.stringify(reply.body));
      assert.equal(reply.body.error_code, 42204);
      assert.match(reply.body.message, /^Invalid consumer configuration: /);
    }
  });
});

test('header bytes count toward producer.max.request.size: a record whose headers are too large fails alone', async () => {
  const topic = await createTopic(uniqueTopic('headers-large'), 1);
  const proxy = await startTestProxy({ 'producer.max.request.size': '2000' });
  try {
    const big = [{ key: 'big', value: Buffer.alloc(3000, 1).toString('base64') }];
    const reply = await produce(proxy, `/topics/${topic}/partitions/0`, { records: [{ value: b64('small'), headers: big }, { value: b64('fine'), headers: [{ key: 'k', value: b64('v') }] }] });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const [tooLarge, written] = reply.body.offsets;
    assert.equal(tooLarge.error_code, 50002);
    assert.match(tooLarge.error, /larger than 2000, which is the value of the max\.request\.size configuration/);
    assert.deepEqual(written, { partition: 0, offset: 0, error_code: null, error: null });
    const [only] = await readNatively(topic, 1);
    assert.deepEqual(only!.headers, { k: Buffer.from('v') });
  } finally {
    await proxy.close();
  }
});

test('record.metadata is journaled with the instance: it survives a restart, and instances without it stay plain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-headers-'));
  const journal = join(dir, 'journal.db');
  const topic = await createTopic(uniqueTopic('headers-restart'), 1);
  await writeNatively(topic, [{ value: 'r0', headers: { h: 'v' }, timestamp: String(T1) }]);
  const group = uniqueTopic('headers-restart-group');
  let proxy = await startTestProxy({ 'journal.path': journal, 'consumer.request.timeout.ms': '1000' });
  try {
    for (const [name, extra] of [['meta', { 'record.metadata': true }], ['plain', {}]] as const) {
      const base = await createConsumer(proxy.url, group, { name, 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false', ...extra });
      assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);
    }
    await proxy.close();
    proxy = await startTestProxy({ 'journal.path': journal, 'consumer.request.timeout.ms': '1000' });
    const base = (name: string) => `${proxy.url}/consumers/${group}/instances/${name}`;
    assert.equal(
      await rawRecords(base('meta'), BINARY),
      `[{"topic":"${topic}","key":null,"value":"${b64('r0')}","partition":0,"offset":0,"timestamp":${T1},"headers":[{"key":"h","value":"${b64('v')}"}]}]`,
    );
    assert.equal(await rawRecords(base('plain'), BINARY), `[{"topic":"${topic}","key":null,"value":"${b64('r0')}","partition":0,"offset":0}]`);
  } finally {
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('headers keep their order through compressed batches too (produced with compression.type=lz4)', async () => {
  const topic = await createTopic(uniqueTopic('headers-lz4'), 1);
  const proxy = await startTestProxy({ 'compression.type': 'lz4' });
  try {
    const headers = [{ key: 'x', value: b64('1') }, { key: 'y', value: null }, { key: 'x', value: b64('3') }];
    const reply = await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('packed'), headers, timestamp: T1 }] });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const base = await assigned(proxy.url, topic, { 'record.metadata': true });
    assert.equal(
      await rawRecords(base, BINARY),
      `[{"topic":"${topic}","key":null,"value":"${b64('packed')}","partition":0,"offset":0,"timestamp":${T1},"headers":[{"key":"x","value":"MQ=="},{"key":"y","value":null},{"key":"x","value":"Mw=="}]}]`,
    );
  } finally {
    await proxy.close();
  }
});
