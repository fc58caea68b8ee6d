/**
 * Produce batches stay within `max.request.size`: records from one request (or many) that add up
 * to more than the broker takes in one batch are sent as several requests, and a record too large
 * on its own fails alone with the Java producer's message (issue 9, item 2 in part).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createTopic, readRecords, uniqueTopic } from '../helpers/cluster.ts';
import { produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

let proxy: TestProxy;
before(async () => {
  proxy = await startTestProxy();
});
after(() => proxy.close());

test('a 2 MiB request of 100 KiB records is split, and every record lands in order', async () => {
  const topic = await createTopic(uniqueTopic('big-request'), 1);
  const values = Array.from({ length: 20 }, () => randomBytes(100 * 1024));
  const reply = await produce(proxy, `/topics/${topic}`, { records: values.map((v) => ({ value: v.toString('base64') })) });
  assert.equal(reply.status, 200);
  assert.deepEqual(
    reply.body.offsets.map((o: { offset: number; error_code: unknown }) => [o.offset, o.error_code]),
    values.map((_, i) => [i, null]),
  );
  const stored = await readRecords(topic, 20);
  assert.ok(stored.every((r, i) => r.value!.equals(values[i]!)), 'the values, in order');
});

test('a record larger than max.request.size fails alone with 50002; the rest of its request is written', async () => {
  const topic = await createTopic(uniqueTopic('too-large'), 1);
  const records = [randomBytes(10), randomBytes(1_100_000), randomBytes(10)].map((v) => ({ value: v.toString('base64') }));
  const reply = await produce(proxy, `/topics/${topic}`, { records });
  const [first, large, last] = reply.body.offsets;
  assert.equal(first.error_code, null);
  assert.equal(last.error_code, null);
  assert.equal(large.error_code, 50002);
  assert.match(large.error, /^The message is 1100082 bytes when serialized which is larger than 1048576, which is the value of the max\.request\.size configuration\.$/);
  assert.deepEqual([first.offset, last.offset], [0, 1]);
});
