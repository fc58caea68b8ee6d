/**
 * Each consumer instance fetches over connections of its own, as each of Java's consumers does. A
 * broker answers one connection's requests in order, long polls included: on one shared connection,
 * eight instances waiting for records on idle partitions held a busy instance's fetch behind theirs,
 * so its reads answered `[]` with records waiting (measured: 3 of 6 reads empty, one 6.9 s long).
 * The simple consumer takes a fetcher of its own per read, from a bounded pool.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { bootstrapServers, createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, records, text, type RestRecord } from '../helpers/consumer.ts';
import { call, produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { until } from '../helpers/workers.ts';

const IDLE = 8;
let proxy: TestProxy;

before(async () => {
  proxy = await startTestProxy({ 'consumer.request.timeout.ms': '1000' });
});
after(() => proxy.close());

/** An instance of its own group reading partition 0 of `topic` from the beginning. */
async function assigned(topic: string): Promise<string> {
  const base = await createConsumer(proxy.url, uniqueTopic('conn-group'), { 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
  assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);
  return base;
}

/** This process's established TCP connections to the broker (the proxy runs in it). */
function brokerConnections(): number {
  const port = Number(bootstrapServers().split(',')[0]!.split(':').pop());
  const ours = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) ours.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  let count = 0;
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const remotePort = parseInt(fields[2]!.split(':')[1]!, 16);
      if (remotePort === port && fields[3] === '01' && ours.has(fields[9]!)) count++;
    }
  }
  return count;
}

test('a read answers the records waiting for it while other instances long-poll idle partitions', async () => {
  const idle = await Promise.all(Array.from({ length: IDLE }, async () => assigned(await createTopic(uniqueTopic('conn-idle'), 1))));
  let stop = false;
  // Each idle read waits its full second at the broker for records that never come, again and again.
  const loops = idle.map(async (base) => {
    while (!stop) assert.equal((await records(base, 'timeout=1000')).status, 200);
  });
  try {
    const topic = await createTopic(uniqueTopic('conn-busy'), 1);
    const busy = await assigned(topic);
    for (let i = 0; i < 6; i++) {
      assert.equal((await produce(proxy, `/topics/${topic}`, { records: [{ value: b64(`v${i}`) }] })).status, 200);
      const reply = await records(busy, 'timeout=1000');
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual((reply.body as RestRecord[]).map((r) => [r.offset, text(r.value)]), [[i, `v${i}`]], `read ${i}`);
    }
  } finally {
    stop = true;
    await Promise.all(loops);
  }
});

test('an instance opens its fetch connections at its first read and closes them when deleted', async () => {
  const topic = await createTopic(uniqueTopic('conn-count'), 1);
  assert.equal((await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('r0') }] })).status, 200);
  // The proxy's shared connections (lookups, the producer) are all open after one instance's life.
  const warm = await assigned(topic);
  assert.equal((await records(warm, 'timeout=200')).status, 200);
  assert.equal((await call(warm, { method: 'DELETE' })).status, 204);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const baseline = brokerConnections();

  const bases = await Promise.all(Array.from({ length: 4 }, () => assigned(topic)));
  assert.equal(brokerConnections(), baseline, 'nothing is opened before a read');
  for (const base of bases) {
    const reply = await records(base, 'timeout=200');
    assert.deepEqual((reply.body as RestRecord[]).map((r) => text(r.value)), ['r0']);
  }
  const reading = brokerConnections();
  assert.ok(reading >= baseline + bases.length, `each instance reads over its own connection: ${baseline} before, ${reading} with ${bases.length} instances`);

  for (const base of bases) assert.equal((await call(base, { method: 'DELETE' })).status, 204);
  await until(() => brokerConnections() <= baseline, `the deleted instances' connections to close (${baseline} open before them)`, 15_000);
});

test('simple consumer reads take a fetcher each: beyond simpleconsumer.pool.size.max one waits simpleconsumer.pool.timeout.ms, then 500/50301', async () => {
  const topic = await createTopic(uniqueTopic('conn-simple'), 1);
  assert.equal((await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('r0') }] })).status, 200);
  const small = await startTestProxy({ 'simpleconsumer.pool.size.max': '2', 'simpleconsumer.pool.timeout.ms': '300', 'consumer.request.timeout.ms': '3000' });
  try {
    // count=2 of a partition holding one record: each read waits its 3 s for a second one.
    const read = () => call(`${small.url}/topics/${topic}/partitions/0/messages?offset=0&count=2`);
    const replies = await Promise.all([read(), read(), read()]);
    const refused = replies.filter((r) => r.status === 500);
    assert.equal(refused.length, 1, JSON.stringify(replies.map((r) => [r.status, r.body])));
    assert.equal(refused[0]!.body.error_code, 50301);
    assert.match(refused[0]!.body.message, /^No SimpleConsumer is available at the time in the pool\. The request can be retried\. .*simpleconsumer\.pool\.size\.max=2/);
    for (const reply of replies.filter((r) => r.status !== 500)) {
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.deepEqual((reply.body as RestRecord[]).map((r) => text(r.value)), ['r0']);
    }
    // The two fetchers are back in the pool.
    const again = await call(`${small.url}/topics/${topic}/partitions/0/messages?offset=0`);
    assert.deepEqual((again.body as RestRecord[]).map((r) => text(r.value)), ['r0']);
  } finally {
    await small.close();
  }
});
