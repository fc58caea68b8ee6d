/**
 * Consumer sessions outlive the proxy process. The real proxy runs as a child process, is killed
 * with SIGKILL mid-stream, and is started again on the same journal and port; clients carry on
 * through the base_uri they already had.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../src/broker/free-port.ts';
import { bootstrapServers, createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { createConsumer, post, records, text, type RestRecord } from '../helpers/consumer.ts';
import { spawnProxy, type ProxyProcess } from '../helpers/process.ts';
import { call, V2 } from '../helpers/proxy.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-rest-crash-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function proxyOn(listeners: string, journal: string, extra: Record<string, string> = {}): Promise<ProxyProcess> {
  return spawnProxy(dir, {
    listeners,
    'bootstrap.servers': bootstrapServers(),
    'journal.path': journal,
    'log.level': 'warn',
    'consumer.request.timeout.ms': '500',
    ...extra,
  });
}

async function kill(proxy: ProxyProcess): Promise<void> {
  proxy.child.kill('SIGKILL');
  const { signal } = await proxy.exited;
  assert.equal(signal, 'SIGKILL');
}

test('SIGKILL mid-stream: after a restart reading continues through the old base_uri with no gap', async () => {
  const partitions = 3;
  const topic = await createTopic(uniqueTopic('crash'), partitions);
  const producer = nativeKafka().producer();
  await producer.connect();
  let produced = 0;
  const produceSome = async (n: number) => {
    const messages = Array.from({ length: n }, (_, i) => ({ value: `r${produced + i}`, partition: (produced + i) % partitions }));
    produced += n;
    await producer.send({ topic, messages });
  };
  await produceSome(600);

  const listeners = `http://127.0.0.1:${await freePort()}`;
  const journal = join(dir, 'crash.db');
  let proxy = await proxyOn(listeners, journal);
  const base = await createConsumer(proxy.url, 'crash-group', { name: 'reader', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
  assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);

  const beforeKill: RestRecord[] = [];
  // Small responses so the stream is many reads long; more records keep arriving meanwhile.
  while (beforeKill.length < 400) {
    const reply = await records(base, 'timeout=1000&max_bytes=200');
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    beforeKill.push(...reply.body);
    if (beforeKill.length % 100 < 20) await produceSome(20);
  }
  // Kill while a read is in flight: its records may come again, nothing else may.
  const inFlight = records(base, 'timeout=1000&max_bytes=200').catch(() => null);
  await new Promise((r) => setTimeout(r, 20));
  await kill(proxy);
  // If that response made it out before the kill, the client has its records.
  const last = await inFlight;
  const mayRepeat: RestRecord[] = last?.status === 200 ? last.body : [];
  await produceSome(90);

  proxy = await proxyOn(listeners, journal);
  try {
    const afterRestart: RestRecord[] = [];
    const deadline = Date.now() + 60_000;
    const distinct = () => new Set([...beforeKill, ...mayRepeat, ...afterRestart].map((r) => `${r.partition}:${r.offset}`)).size;
    while (distinct() < produced && Date.now() < deadline) {
      const reply = await records(base, 'timeout=1000&max_bytes=4000');
      assert.equal(reply.status, 200, `the old base_uri still works: ${JSON.stringify(reply.body)}`);
      afterRestart.push(...reply.body);
    }
    const key = (r: RestRecord) => `${r.partition}:${r.offset}`;
    const seenBefore = new Set(beforeKill.map(key));
    const seen = new Set([...beforeKill, ...mayRepeat, ...afterRestart].map(key));
    const ends = await nativeKafka().admin();
    await ends.connect();
    const offsets = await ends.fetchTopicOffsets(topic);
    await ends.disconnect();
    for (const { partition, high } of offsets) {
      for (let offset = 0; offset < Number(high); offset++) {
        assert.ok(seen.has(`${partition}:${offset}`), `record ${partition}:${offset} was read`);
      }
    }
    assert.equal(seen.size, produced, 'every produced record was read');
    // Only the response in flight at the kill may come again; everything delivered before it may not.
    const repeated = afterRestart.filter((r) => seenBefore.has(key(r)));
    assert.deepEqual(repeated, [], 'records delivered before the crash do not come again');
    assert.equal(new Set(afterRestart.map(key)).size, afterRestart.length, 'no record twice after the restart');
    for (const r of afterRestart) assert.equal(text(r.value), `r${Number(text(r.value)!.slice(1))}`);
  } finally {
    await producer.disconnect();
    proxy.child.kill('SIGTERM');
    await proxy.exited;
  }
});

test('assignments, positions and expiry deadlines survive SIGKILL', async () => {
  const topic = await createTopic(uniqueTopic('survive'), 2);
  const producer = nativeKafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, partition: 1 })) });
  await producer.disconnect();

  const listeners = `http://127.0.0.1:${await freePort()}`;
  const journal = join(dir, 'survive.db');
  let proxy = await proxyOn(listeners, journal, { 'consumer.instance.timeout.ms': '8000' });
  const assigned = await createConsumer(proxy.url, 'survive-group', { name: 'assigned', 'auto.offset.reset': 'earliest' });
  await post(`${assigned}/assignments`, { partitions: [{ topic, partition: 1 }] });
  await post(`${assigned}/positions`, { offsets: [{ topic, partition: 1, offset: 4 }] });
  const first = await records(assigned, 'timeout=1000&max_bytes=7');
  assert.deepEqual(first.body.map((r: RestRecord) => r.offset), [4, 5, 6]);
  const doomed = await createConsumer(proxy.url, 'survive-group', { name: 'doomed' });
  await kill(proxy);

  // Keep `assigned` in use across the gap; let `doomed` run past its 8 s deadline.
  await new Promise((r) => setTimeout(r, 2500));
  proxy = await proxyOn(listeners, journal, { 'consumer.instance.timeout.ms': '8000' });
  try {
    assert.deepEqual((await call(`${assigned}/assignments`)).body, { partitions: [{ topic, partition: 1 }] });
    const next = await records(assigned, 'timeout=1000');
    assert.deepEqual(next.body.map((r: RestRecord) => r.offset), [7, 8, 9], 'continues right after what was delivered');
    await new Promise((r) => setTimeout(r, 6500));
    assert.equal((await call(`${assigned}/assignments`)).status, 200, 'used, so still alive');
    const gone = await call(`${doomed}/subscription`);
    assert.equal(gone.status, 404, 'its deadline passed across the restart');
    assert.equal(gone.body.error_code, 40403);
    const same = await post(`${proxy.url}/consumers/survive-group`, { name: 'assigned' });
    assert.equal(same.status, 409, 'the recovered instance still owns its name');
    assert.equal((await call(`${proxy.url}/consumers/survive-group`, { method: 'POST', headers: { 'Content-Type': V2 }, body: { name: 'doomed' } })).status, 200);
  } finally {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
  }
});
