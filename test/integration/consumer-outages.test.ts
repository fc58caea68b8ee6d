/**
 * Consumer sessions across outages, on a broker and journal of their own: a proxy that restarts
 * while the broker is down resumes its sessions once the broker is back, and so does a live
 * member whose broker goes away (no zombie reading [] forever), a subscription never creates topics even where the broker would, and a session that
 * expired while the proxy was down ends without committing its stale positions.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalBroker } from '../../src/broker/local-broker.ts';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, readUntil, text } from '../helpers/consumer.ts';
import { startOwnBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

let own: OwnBroker;
let broker: LocalBroker;
let dir: string;

before(async () => {
  own = await startOwnBroker('outage', { autoCreateTopics: true });
  ({ broker, dir } = own);
});
after(() => own?.remove());

const proxyOn = (journal: string, extra: Record<string, string> = {}): Promise<TestProxy> =>
  startTestProxy({
    'bootstrap.servers': broker.bootstrapServers,
    'journal.path': join(dir, journal),
    'client.socket.connection.setup.timeout.ms': '1000',
    ...extra,
  });

async function produceValues(proxy: TestProxy, topic: string, values: string[]): Promise<void> {
  const reply = await produce(proxy, `/topics/${topic}`, { records: values.map((v) => ({ value: b64(v), partition: 0 })) });
  assert.ok(reply.body.offsets.every((o: { error_code: unknown }) => o.error_code === null), JSON.stringify(reply.body));
}

test('a proxy restarted while the broker is down resumes its sessions once the broker is back', async () => {
  const topic = await createTopic(uniqueTopic('outage'), 1, broker.bootstrapServers);
  const missing = uniqueTopic('never-created');
  const first = await proxyOn('outage.db');
  let base: string;
  try {
    await produceValues(first, topic, ['o0', 'o1', 'o2']);
    base = await createConsumer(first.url, 'outage-group', { name: 'c', 'auto.offset.reset': 'earliest' });
    assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
    const waiting = await createConsumer(first.url, 'outage-group-2', { name: 'w' });
    assert.equal((await post(`${waiting}/subscription`, { topics: [missing] })).status, 204);
  } finally {
    await first.close();
  }
  await broker.stop();
  const second = await proxyOn('outage.db', { listeners: new URL(base).origin });
  try {
    await sleep(2_000); // joins fail meanwhile, and are retried
    await broker.resume();
    const got = await readUntil(base, 3, 60_000);
    assert.deepEqual(got.map((r) => [r.offset, text(r.value)]), [
      [0, 'o0'],
      [1, 'o1'],
      [2, 'o2'],
    ]);
    const admin = nativeKafka(broker.bootstrapServers).admin();
    await admin.connect();
    try {
      assert.ok(!(await admin.listTopics()).includes(missing), 'a subscription never creates the topics it names');
    } finally {
      await admin.disconnect();
    }

    // A broker that goes away under a live member: the member fails, the instance rejoins by itself.
    await broker.stop();
    await sleep(1_000);
    await broker.resume();
    const producer = nativeKafka(broker.bootstrapServers).producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: ['o3', 'o4'].map((value) => ({ value, partition: 0 })) });
    } finally {
      await producer.disconnect();
    }
    const more = await readUntil(base, 2, 90_000);
    assert.deepEqual(more.map((r) => [r.offset, text(r.value)]), [
      [3, 'o3'],
      [4, 'o4'],
    ]);
  } finally {
    await second.close();
  }
});

test('a session that expired while the proxy was down does not rewind its group', async () => {
  const topic = await createTopic(uniqueTopic('expired'), 1, broker.bootstrapServers);
  const group = uniqueTopic('expired-group');
  const settings = { 'consumer.instance.timeout.ms': '4000' };
  const first = await proxyOn('expired.db', settings);
  try {
    await produceValues(first, topic, ['e0', 'e1', 'e2']);
    const base = await createConsumer(first.url, group, { name: 'c', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'true' });
    await post(`${base}/subscription`, { topics: [topic] });
    assert.equal((await readUntil(base, 3)).length, 3);
  } finally {
    await first.close(); // commits offset 3 on the way out
  }
  // Another client of the group moves on while this proxy is down.
  const admin = nativeKafka(broker.bootstrapServers).admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '10' }] });
    await sleep(4_500);
    const second = await proxyOn('expired.db', settings);
    try {
      assert.equal(second.consumers.list().length, 0, 'the instance expired while the proxy was down');
      await sleep(1_000);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      assert.equal(committed!.partitions[0]!.offset, '10', 'the stale position 3 was not committed');
    } finally {
      await second.close();
    }
  } finally {
    await admin.disconnect();
  }
});
