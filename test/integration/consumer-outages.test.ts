/**
 * Consumer sessions across outages, on a broker and journal of their own: a proxy that restarts
 * while the broker is down resumes its sessions once the broker is back, and so does a live
 * member whose broker goes away (no zombie reading [] forever) or is killed (no wait for its old
 * session), a subscription never creates topics even where the broker would, and a session that
 * expired while the proxy was down ends without committing its stale positions.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalBroker } from '../../src/broker/local-broker.ts';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, readUntil, records, text } from '../helpers/consumer.ts';
import { startLoggedProxy } from '../helpers/logged-proxy.ts';
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

test('live members resume after a broker is killed and restarted, without waiting out their old sessions', async () => {
  const topic = await createTopic(uniqueTopic('killed'), 2, broker.bootstrapServers);
  const group = uniqueTopic('killed-group');
  // Sessions and rebalances this long make a rejoin that waits for a stale member take minutes.
  const proxy = await proxyOn('killed.db', { 'consumer.session.timeout.ms': '300000', 'consumer.max.poll.interval.ms': '300000' });
  const admin = nativeKafka(broker.bootstrapServers).admin();
  try {
    const bases: string[] = [];
    for (const name of ['k0', 'k1']) {
      const base = await createConsumer(proxy.url, group, { name, 'auto.offset.reset': 'earliest' });
      assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
      bases.push(base);
    }
    const readAll = async (count: number, timeoutMs: number) => {
      const got: string[] = [];
      const deadline = Date.now() + timeoutMs;
      while (got.length < count && Date.now() < deadline) {
        const replies = await Promise.all(bases.map((base) => records(base, 'timeout=500')));
        for (const reply of replies) {
          assert.equal(reply.status, 200, JSON.stringify(reply.body));
          got.push(...reply.body.map((r: { value: string }) => text(r.value)));
        }
      }
      return got.sort();
    };
    await produceNatively(topic, ['before-0', 'before-1']);
    assert.deepEqual(await readAll(2, 60_000), ['before-0', 'before-1']);
    // Committed: partitions may change hands in the rejoin, and the new owner starts from the commit.
    for (const base of bases) assert.equal((await post(`${base}/offsets`)).status, 200);

    process.kill(broker.pid!, 'SIGKILL');
    await sleep(10_000); // long enough for both members to crash and their rejoins to fail
    await broker.resume();
    await produceNatively(topic, ['after-0', 'after-1']);
    // Well short of the 300 s a stale member would hold the rebalance up for.
    assert.deepEqual(await readAll(2, 120_000), ['after-0', 'after-1']);
    await admin.connect();
    const { groups } = await admin.describeGroups([group]);
    assert.equal(groups[0]!.members.length, 2, 'only the two live members are left in the group');
  } finally {
    await admin.disconnect();
    await proxy.close();
  }
});

async function produceNatively(topic: string, values: string[]): Promise<void> {
  const producer = nativeKafka(broker.bootstrapServers).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: values.map((value, i) => ({ value, partition: i % 2 })) });
  } finally {
    await producer.disconnect();
  }
}

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
    const second = await startLoggedProxy({ 'bootstrap.servers': broker.bootstrapServers, 'journal.path': join(dir, 'expired.db'), ...settings });
    try {
      assert.equal(second.consumers.list().length, 0, 'the instance expired while the proxy was down');
      const told = second.lines.find((l) => l.msg.startsWith('consumer instances from the journal:'));
      assert.equal(told?.msg, 'consumer instances from the journal: 0 resumed, 1 expired while the proxy was down');
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
