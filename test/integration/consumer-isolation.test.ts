/**
 * `consumer.isolation.level` through consumer instances, both paths: assigned instances (the
 * groupless fetch) and subscribed ones (group members). A native transactional producer writes a
 * committed transaction, an aborted one and a committed one; read_committed instances never see
 * the aborted records, read_uncommitted ones (Java's default) do, and neither sees a control record.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { createConsumer, post, readUntil, records, text } from '../helpers/consumer.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

let topic: string;

before(async () => {
  topic = await createTopic(uniqueTopic('isolation'));
  const producer = nativeKafka().producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: `iso-${randomUUID()}` });
  await producer.connect();
  try {
    for (const [values, outcome] of [
      [['c1', 'c2'], 'commit'],
      [['a1', 'a2'], 'abort'],
      [['c3'], 'commit'],
    ] as const) {
      const transaction = await producer.transaction();
      await transaction.send({ topic, messages: values.map((value) => ({ value, partition: 0 })) });
      await transaction[outcome]();
    }
  } finally {
    await producer.disconnect();
  }
});

/** Everything an instance reads: until `count` records, then one more read to show nothing follows. */
async function readAll(base: string, count: number): Promise<string[]> {
  const got = await readUntil(base, count);
  const more = await records(base, 'timeout=1000');
  return [...got, ...more.body].map((r) => `${r.offset}:${text(r.value)}`);
}

for (const level of ['read_committed', 'read_uncommitted'] as const) {
  describe(`consumer.isolation.level=${level}`, () => {
    let proxy: TestProxy;
    before(async () => {
      proxy = await startTestProxy({ 'consumer.isolation.level': level });
    });
    after(() => proxy.close());
    // Offsets: c1 0, c2 1, marker 2 | a1 3, a2 4, marker 5 | c3 6, marker 7.
    const expected = level === 'read_committed' ? ['0:c1', '1:c2', '6:c3'] : ['0:c1', '1:c2', '3:a1', '4:a2', '6:c3'];

    test('an assigned instance', async () => {
      const base = await createConsumer(proxy.url, uniqueTopic('g'), { 'auto.offset.reset': 'earliest', 'fetch.min.bytes': 1 });
      await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] });
      assert.deepEqual(await readAll(base, expected.length), expected);
    });

    test('a subscribed instance', async () => {
      const base = await createConsumer(proxy.url, uniqueTopic('g'), { 'auto.offset.reset': 'earliest', 'fetch.min.bytes': 1 });
      await post(`${base}/subscription`, { topics: [topic] });
      assert.deepEqual(await readAll(base, expected.length), expected);
    });
  });
}
