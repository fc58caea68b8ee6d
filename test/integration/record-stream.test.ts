/**
 * Push consume (docs/STREAMING.md) against the real broker: GET .../records with
 * `Accept: text/event-stream` streams records as server-sent events, resumes with Last-Event-ID,
 * puts back what never reached the client, and answers errors before the stream as JSON.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, readUntil, text } from '../helpers/consumer.ts';
import { checkResponse } from '../helpers/openapi-check.ts';
import { call, JSON_FORMAT, produce, startTestProxy, V2, type TestProxy } from '../helpers/proxy.ts';
import { SseClient } from '../helpers/sse.ts';

const group = () => uniqueTopic('stream-group');
const idOf = (r: { topic: string; partition: number; offset: number }) => `${r.topic}/${r.partition}/${r.offset}`;

describe('record stream (text/event-stream)', () => {
  let proxy: TestProxy;

  before(async () => {
    proxy = await startTestProxy({ 'consumer.request.timeout.ms': '1000' });
  });
  after(() => proxy.close());

  /** Produces binary values; returns `topic/partition/offset` → value, as the proxy placed them. */
  async function produceValues(topic: string, values: string[], keyed = false): Promise<Map<string, string>> {
    const reply = await produce(proxy, `/topics/${topic}`, { records: values.map((v, i) => ({ key: keyed ? b64(`k${i}`) : undefined, value: b64(v) })) });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const placed = new Map<string, string>();
    reply.body.offsets.forEach((o: { partition: number; offset: number; error_code: unknown }, i: number) => {
      assert.equal(o.error_code, null);
      placed.set(idOf({ topic, ...o }), values[i]!);
    });
    return placed;
  }

  async function subscribed(topic: string, body: Record<string, unknown> = {}): Promise<string> {
    const base = await createConsumer(proxy.url, group(), { name: 'c', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false', ...body });
    assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
    return base;
  }

  test('streams every record once, with topic/partition/offset ids and base64 values', async () => {
    const topic = await createTopic(uniqueTopic('stream'), 3);
    const placed = await produceValues(topic, Array.from({ length: 12 }, (_, i) => `value-${i}`), true);
    const base = await subscribed(topic);
    const stream = await SseClient.open(`${base}/records`);
    try {
      assert.equal(stream.status, 200);
      assert.equal(stream.headers['content-type'], 'text/event-stream');
      assert.equal(stream.headers['cache-control'], 'no-cache');
      assert.equal(stream.headers['x-accel-buffering'], 'no');
      const events = await stream.waitForEvents(12);
      assert.ok(events.every((e) => e.event === 'record'));
      for (const { id, record } of stream.records) {
        assert.equal(id, idOf(record), 'the id names the record');
        assert.deepEqual(Object.keys(record), ['topic', 'key', 'value', 'partition', 'offset'], 'the v2 records shape');
        assert.equal(text(record.value), placed.get(id!));
      }
      assert.deepEqual(stream.records.map((r) => r.id).sort(), [...placed.keys()].sort(), 'all of them, none twice');
      assert.ok(stream.raw.split('\n').every((line) => line === '' || /^(id|event|data): |^:/.test(line)), 'one field a line');
    } finally {
      stream.close();
    }
    // Flushed events were acknowledged: the instance moved past them.
    const rest = await call(`${base}/records?timeout=1500`);
    assert.deepEqual(rest.body, []);
    assert.equal((await call(base, { method: 'DELETE' })).status, 204);
  });

  test('Last-Event-ID resumes right after the last event received: no gap, nothing before', async () => {
    const topic = await createTopic(uniqueTopic('stream-resume'), 1);
    await produceValues(topic, Array.from({ length: 20 }, (_, i) => `r${i}`));
    const base = await subscribed(topic);
    const first = await SseClient.open(`${base}/records`);
    const received = await first.waitForEvents(5);
    first.close(); // the client got 5 events; whatever else was written is lost to it
    const last = received[4]!.id!;
    assert.equal(last, `${topic}/0/4`);

    const resumed = await SseClient.open(`${base}/records`, { 'Last-Event-ID': last });
    try {
      assert.equal(resumed.status, 200);
      await resumed.waitForEvents(15);
      await new Promise((resolve) => setTimeout(resolve, 1500)); // anything more would be a duplicate
      assert.deepEqual(
        resumed.records.map((r) => r.record.offset),
        Array.from({ length: 15 }, (_, i) => i + 5),
      );
      assert.deepEqual(resumed.records.map((r) => text(r.record.value)), Array.from({ length: 15 }, (_, i) => `r${i + 5}`));
    } finally {
      resumed.close();
    }
    await call(base, { method: 'DELETE' });
  });

  test('a client that stops reading and leaves gets nothing acknowledged: the records go back', async (t) => {
    const topic = await createTopic(uniqueTopic('stream-putback'), 1);
    // ~8 MB of events: far more than the socket buffers of a client that does not read.
    const big = 'x'.repeat(300_000);
    for (let i = 0; i < 20; i++) await produceValues(topic, [`${i}:${big}`]);
    const g = group();
    const base = await createConsumer(proxy.url, g, { name: 'c', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);

    const stream = await SseClient.open(`${base}/records`);
    stream.pause();
    assert.equal(stream.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // a full read is written, and stuck
    stream.close();

    // The delivered position, through the API: commit what was delivered, read it back.
    assert.equal((await post(`${base}/offsets`)).status, 200);
    const committed = await call(`${base}/offsets`, { headers: { 'Content-Type': V2 }, body: { partitions: [{ topic, partition: 0 }] } });
    const position = committed.body.offsets[0].offset as number;
    // Put back because the stream said so when the client left, not because the 30 s delivery hold ran out.
    const incidents = proxy.consumers.get(g, 'c').context.incidents;
    assert.ok(incidents.some((i) => i.type === 'DeliveryFailed' && /did not reach its client/.test(i.message)), JSON.stringify(incidents));
    t.diagnostic(`delivered (flushed to the socket before the client left): ${position} of 20`);
    assert.ok(position < 20, `records that did not reach the client were not acknowledged (delivered up to ${position})`);

    const again = await readUntil(base, 20 - position);
    assert.deepEqual(
      again.map((r) => r.offset),
      Array.from({ length: 20 - position }, (_, i) => i + position),
      'a plain read gets them back, in order',
    );
    assert.equal(text(again[0]!.value)!.split(':')[0], String(position));
    await call(base, { method: 'DELETE' });
  });

  test('errors before the stream are JSON envelopes; other Accept values negotiate as Confluent', async () => {
    const topic = await createTopic(uniqueTopic('stream-errors'), 1);
    const g = group();
    const unknown = await SseClient.open(`${proxy.url}/consumers/${g}/instances/nobody/records`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers['content-type'], 'application/json');
    assert.deepEqual(await unknown.json(), { error_code: 40403, message: 'Consumer instance not found.' });

    const base = await createConsumer(proxy.url, g, { name: 'idle', 'auto.offset.reset': 'earliest' });
    const idle = await SseClient.open(`${base}/records`);
    assert.equal(idle.status, 409);
    assert.equal((await idle.json()).error_code, 40903);

    await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] });
    for (const bad of ['nope', `${topic}/0`, `${topic}/-1/3`, `${topic}/0/03`, `${topic}/0/1.5`, `a/b/${topic}/0/1`, `../0/1`]) {
      const malformed = await SseClient.open(`${base}/records`, { 'Last-Event-ID': bad });
      assert.equal(malformed.status, 400, bad);
      const body = await malformed.json();
      assert.equal(body.error_code, 400);
      assert.match(body.message, /^Bad Request: Last-Event-ID must be <topic>\/<partition>\/<offset>/);
    }
    const batch = await call(`${base}/records?timeout=200`, { headers: { Accept: '*/*' } });
    assert.equal(batch.status, 200, 'a wildcard still means a JSON batch');
    assert.deepEqual(batch.body, []);
    const typeRange = await call(`${base}/records`, { headers: { Accept: 'text/*' } });
    assert.equal(typeRange.status, 406, 'text/* does not ask for the stream');
    await call(base, { method: 'DELETE' });
  });

  test('a json instance streams JSON values', async () => {
    const topic = await createTopic(uniqueTopic('stream-json'), 1);
    const values = [{ foo: 'bar' }, ['foo', 'bar'], 53.5, 'line\nbreak'];
    const produced = await produce(proxy, `/topics/${topic}`, { records: values.map((value) => ({ key: 'k', value })) }, JSON_FORMAT);
    assert.equal(produced.status, 200);
    const base = await subscribed(topic, { format: 'json' });
    const stream = await SseClient.open(`${base}/records`);
    try {
      await stream.waitForEvents(4);
      assert.deepEqual(stream.records.map((r) => r.record.value), values);
      assert.deepEqual(stream.records.map((r) => r.record.key), ['k', 'k', 'k', 'k']);
      assert.deepEqual(stream.records.map((r) => r.id), [0, 1, 2, 3].map((o) => `${topic}/0/${o}`));
    } finally {
      stream.close();
    }
    await call(base, { method: 'DELETE' });
  });

  test('deleting the instance ends an open stream with an error event', async () => {
    const topic = await createTopic(uniqueTopic('stream-delete'), 1);
    await produceValues(topic, ['only']);
    const base = await subscribed(topic);
    const stream = await SseClient.open(`${base}/records`);
    await stream.waitForEvents(1);
    assert.equal((await call(base, { method: 'DELETE' })).status, 204);
    await stream.waitForEvents(2, 10_000);
    await stream.ended;
    assert.deepEqual(stream.events[1], { id: undefined, event: 'error', data: '{"error_code":40403,"message":"Consumer instance not found."}' });
    // The whole exchange, as text, is what docs/openapi.json says.
    assert.deepEqual(checkResponse('GET', `${base}/records`, 200, String(stream.headers['content-type']), stream.raw), []);
  });

  test('a graceful shutdown ends open streams between two reads, without an error', async () => {
    const own = await startTestProxy({ 'consumer.request.timeout.ms': '1000' });
    const topic = await createTopic(uniqueTopic('stream-shutdown'), 1);
    const base = await createConsumer(own.url, group(), { name: 'c', 'auto.offset.reset': 'earliest' });
    await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] });
    const stream = await SseClient.open(`${base}/records`);
    assert.equal(stream.status, 200);
    await own.close(); // a stream still open after shutdown.timeout.ms would have its connection cut
    await stream.ended;
    assert.ok(stream.completed, 'the server ended the stream itself, before the shutdown had to cut it');
    assert.deepEqual(stream.events, []);
  });
});
