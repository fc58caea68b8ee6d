/**
 * A topic deleted under a running proxy must not poison the Kafka clients that touched it: kafkajs
 * keeps every topic a client has used in its metadata requests, and one deleted topic used to make
 * every later produce answer 50003 and every assignment 404 until a restart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, readUntil } from '../helpers/consumer.ts';
import { call, produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

let proxy: TestProxy;
before(async () => {
  proxy = await startTestProxy({ 'producer.pool.size': '4' });
});
after(() => proxy.close());

/** Produces through every slot (requests go round robin), checking each record's outcome. */
async function produceEverywhere(topic: string): Promise<void> {
  for (let i = 0; i < 8; i++) {
    const reply = await produce(proxy, `/topics/${topic}`, { records: [{ value: b64(`v${i}`) }] });
    assert.equal(reply.status, 200);
    for (const o of reply.body.offsets) assert.equal(o.error_code, null, `${topic}: ${JSON.stringify(o)}`);
  }
}

test('deleting a topic leaves every client able to reach other topics, and the topic itself once recreated', async () => {
  const doomed = await createTopic(uniqueTopic('doomed'), 1);
  await produceEverywhere(doomed);
  const reader = await createConsumer(proxy.url, uniqueTopic('g'), { 'auto.offset.reset': 'earliest', 'fetch.min.bytes': 1 });
  await post(`${reader}/assignments`, { partitions: [{ topic: doomed, partition: 0 }] });
  assert.equal((await readUntil(reader, 8)).length, 8);
  assert.equal((await call(`${proxy.url}/topics/${doomed}/partitions/0/messages?offset=0&count=1`)).status, 200);

  const admin = nativeKafka().admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [doomed] });
    while ((await admin.listTopics()).includes(doomed)) await sleep(100);

    const next = await createTopic(uniqueTopic('after'), 1);
    await produceEverywhere(next);
    const assigned = await createConsumer(proxy.url, uniqueTopic('g'), { 'auto.offset.reset': 'earliest', 'fetch.min.bytes': 1 });
    assert.equal((await post(`${assigned}/assignments`, { partitions: [{ topic: next, partition: 0 }] })).status, 204);
    assert.equal((await readUntil(assigned, 8)).length, 8);
    assert.equal((await call(`${proxy.url}/topics/${next}/partitions/0/messages?offset=0&count=1`)).status, 200);
    assert.equal((await call(`${proxy.url}/topics/${next}`)).status, 200);

    await createTopic(doomed, 1);
    await produceEverywhere(doomed);
  } finally {
    await admin.disconnect();
  }
});
