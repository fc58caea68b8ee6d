/**
 * API v3 produce as a stream, against the real broker: many records in one body, receipts in
 * order, a true full-duplex exchange over one chunked request, a client that goes away, what ends
 * a stream (a syntax error, an object over api.v3.produce.request.size.limit.max.bytes, the
 * maximum duration), and a ~20 MB value. Confluent's ProduceActionNoSchemaIntegrationTest batches
 * and ProduceActionRequestSizeLimitIntegrationTest.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { highWatermarks } from '../helpers/topic-contents.ts';
import { bootstrapServers } from '../helpers/cluster.ts';
import { createTopicWith, DuplexStream, localClusterId, produceStream, readBack, recordsPath } from '../helpers/v3-produce.ts';

const json = (data: unknown, extra: object = {}) => ({ ...extra, value: { type: 'JSON', data } });
const stored = async (topic: string) => [...(await highWatermarks(bootstrapServers(), topic)).values()].reduce((a, b) => a + b, 0);

async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`never: ${what}`);
}

describe('v3 produce: streams', () => {
  let proxy: TestProxy;
  let clusterId: string;
  const url = (topic: string) => `${proxy.url}${recordsPath(clusterId, topic)}`;

  before(async () => {
    proxy = await startTestProxy({ 'producer.max.block.ms': '1000', 'producer.linger.ms': '5' });
    clusterId = await localClusterId();
  });
  after(() => proxy.close());

  test('100 concatenated records: 100 receipts in input order, written in that order', async () => {
    const topic = await createTopic(uniqueTopic('v3-hundred'), 3);
    const body = Array.from({ length: 100 }, (_, i) => ({ partition_id: 0, key: { type: 'JSON', data: `key-${i}` }, value: { type: 'STRING', data: `value-${i}` } }));
    const reply = await produceStream(url(topic), body.map((o) => JSON.stringify(o)).join(''));
    assert.equal(reply.entries.length, 100);
    assert.deepEqual(
      reply.entries.map((e) => [e.error_code, e.partition_id, e.offset]),
      body.map((_, i) => [200, 0, i]),
    );
    const records = await readBack(topic, 100);
    assert.deepEqual(
      records.map((r) => [r.offset, r.key?.toString(), r.value?.toString()]),
      body.map((_, i) => [i, `"key-${i}"`, `value-${i}`]),
    );
  });

  test('records to every partition keep their order per partition', async () => {
    const topic = await createTopic(uniqueTopic('v3-order'), 3);
    const body = Array.from({ length: 300 }, (_, i) => ({ partition_id: i % 3, value: { type: 'STRING', data: String(i) } }));
    const reply = await produceStream(url(topic), body);
    assert.ok(reply.entries.every((e) => e.error_code === 200));
    const records = await readBack(topic, 300);
    for (const partition of [0, 1, 2]) {
      const values = records.filter((r) => r.partition === partition).map((r) => Number(r.value?.toString()));
      assert.deepEqual(values, [...values].sort((a, b) => a - b), `partition ${partition} in the order sent`);
    }
  });

  test('100 invalid records: 100 entries of 400', async () => {
    const topic = await createTopic(uniqueTopic('v3-invalid'), 1);
    const body = Array.from({ length: 100 }, (_, i) => ({ partition_id: 0, key: { type: 'BINARY', data: 2 * i }, value: { type: 'BINARY', data: 2 * i + 1 } }));
    const reply = await produceStream(url(topic), body);
    assert.deepEqual(
      reply.entries.map((e) => e.error_code),
      body.map(() => 400),
    );
    assert.equal(reply.entries[7].message, 'Bad Request: data=14 is not a base64 string.');
    assert.equal(await stored(topic), 0);
  });

  test('a syntax error: one 400 entry after the receipts before it, then the stream ends', async () => {
    const topic = await createTopic(uniqueTopic('v3-syntax'), 1);
    const reply = await produceStream(url(topic), `${JSON.stringify(json('a'))} {"value": oops} ${JSON.stringify(json('b'))}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.entries.length, 2);
    assert.equal(reply.entries[0].error_code, 200);
    assert.equal(reply.entries[1].error_code, 400);
    const between = await produceStream(url(topic), `${JSON.stringify(json('c'))} ] ${JSON.stringify(json('d'))}`);
    assert.deepEqual(between.entries[1], {
      error_code: 400,
      message: "Bad Request: Error processing message: Unexpected character (']' (code 93)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    });
    assert.equal(between.entries.length, 2);
    assert.equal(await stored(topic), 2, 'only the records before the errors');
  });

  test('full duplex: each receipt is read before the next record is written, on one open request', async () => {
    const topic = await createTopic(uniqueTopic('v3-duplex'), 1);
    const stream = new DuplexStream(url(topic));
    for (let i = 0; i < 5; i++) {
      stream.send(json({ n: i }));
      const receipt = await stream.receipt();
      assert.equal(receipt.error_code, 200);
      assert.equal(receipt.offset, i, `receipt ${i} came while the request was still open`);
    }
    assert.equal((await stream.response).statusCode, 200);
    stream.end();
    assert.deepEqual(await stream.rest(), []);
  });

  test('a client that goes away mid-stream: the proxy stops, nothing stays held, the next stream works', async () => {
    const topic = await createTopic(uniqueTopic('v3-gone'), 1);
    const stream = new DuplexStream(url(topic));
    stream.send(json('first'));
    assert.equal((await stream.receipt()).error_code, 200);
    // Records on their way when the client leaves: some may be written, none is answered.
    for (let i = 0; i < 20; i++) stream.send({ ...json(i), partition_id: 0 });
    stream.request.destroy();
    await until('the pool holds no bytes', () => proxy.pool.buffer.usedBytes === 0);
    const next = await produceStream(url(topic), [json('after')]);
    assert.equal(next.entries[0].error_code, 200);
    const count = await stored(topic);
    assert.ok(count >= 2 && count <= 22, `${count} records: the first, maybe some of those on their way, the last`);
  });

  test('the maximum duration: a 408 entry, then the response ends; later records are not taken', async () => {
    const short = await startTestProxy({ 'streaming.connection.max.duration.ms': '1500', 'streaming.connection.max.duration.grace.period.ms': '100' });
    try {
      const topic = await createTopic(uniqueTopic('v3-duration'), 1);
      const stream = new DuplexStream(`${short.url}${recordsPath(clusterId, topic)}`);
      stream.send(json('in time'));
      assert.equal((await stream.receipt()).error_code, 200);
      assert.deepEqual(await stream.receipt(), { error_code: 408, message: 'Streaming connection open for longer than allowed: Connection will be closed.' });
      stream.send(json('too late'));
      assert.deepEqual(await stream.rest(), []);
      stream.request.destroy();
      assert.equal(await stored(topic), 1);
    } finally {
      await short.close();
    }
  });

  test('a ~20 MB value is produced whole; value.size is its byte length', async () => {
    const big = await startTestProxy({ 'producer.max.request.size': '26214400' });
    try {
      const topic = await createTopicWith(uniqueTopic('v3-big'), 1, { 'max.message.bytes': '26214400' });
      const size = (2 << 20) * 10 - 100;
      const value = randomBytes(size);
      const reply = await produceStream(`${big.url}${recordsPath(clusterId, topic)}`, [{ key: { type: 'BINARY', data: Buffer.from('foo').toString('base64') }, value: { type: 'BINARY', data: value.toString('base64') } }]);
      assert.equal(reply.entries[0].error_code, 200, reply.text.slice(0, 300));
      assert.equal(reply.entries[0].value.size, size);
      const [record] = await readBack(topic, 1);
      assert.equal(record!.value?.length, size);
      assert.ok(record!.value!.equals(value));
    } finally {
      await big.close();
    }
  });
});

describe('v3 produce: api.v3.produce.request.size.limit.max.bytes', () => {
  const DATA = 64 * 1024;
  const LIMIT = DATA + 8 * 1024;
  let proxy: TestProxy;
  let clusterId: string;
  const record = (size: number) => `{ "value" : { "type" : "JSON", "data" : "${'x'.repeat(size)}" }}`;

  before(async () => {
    proxy = await startTestProxy({ 'api.v3.produce.request.size.limit.max.bytes': String(LIMIT) });
    clusterId = await localClusterId();
  });
  after(() => proxy.close());

  test('records within the limit are all produced', async () => {
    const topic = await createTopic(uniqueTopic('v3-limit-ok'), 1);
    const reply = await produceStream(`${proxy.url}${recordsPath(clusterId, topic)}`, Array.from({ length: 10 }, () => record(DATA)).join(''));
    assert.deepEqual(
      reply.entries.map((e) => [e.error_code, e.offset]),
      Array.from({ length: 10 }, (_, i) => [200, i]),
    );
  });

  test('the first record over it: one 400 entry and nothing produced', async () => {
    const topic = await createTopic(uniqueTopic('v3-limit-first'), 1);
    const reply = await produceStream(`${proxy.url}${recordsPath(clusterId, topic)}`, [record(DATA + 16 * 1024), record(DATA), record(DATA)].join(''));
    assert.deepEqual(reply.entries, [{ error_code: 400, message: 'Bad Request: Error processing message: Produce request size is larger than allowed threshold' }]);
    assert.equal(await stored(topic), 0);
  });

  test('the second record over it: one receipt, one 400 entry, then the stream ends', async () => {
    const topic = await createTopic(uniqueTopic('v3-limit-second'), 1);
    const reply = await produceStream(`${proxy.url}${recordsPath(clusterId, topic)}`, [record(DATA), record(DATA + 16 * 1024), record(DATA)].join(''));
    assert.equal(reply.entries.length, 2);
    assert.equal(reply.entries[0].error_code, 200);
    assert.equal(reply.entries[0].offset, 0);
    assert.equal(reply.entries[1].error_code, 400);
    assert.match(reply.entries[1].message, /Produce request size is larger than allowed threshold/);
    assert.equal(await stored(topic), 1);
  });

  test('a client that keeps sending after its stream ended gets its answer, then is cut off', async () => {
    const topic = await createTopic(uniqueTopic('v3-limit-flood'), 1);
    const stream = new DuplexStream(`${proxy.url}${recordsPath(clusterId, topic)}`);
    stream.request.write(record(DATA + 16 * 1024));
    const flood = record(DATA);
    for (let i = 0; i < 40 && !stream.request.destroyed; i++) stream.request.write(flood);
    assert.equal((await stream.receipt()).error_code, 400);
    assert.deepEqual(await stream.rest(), []);
    assert.equal(await stored(topic), 0);
  });
});
