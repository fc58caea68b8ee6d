/**
 * A consumer instance under the faults clients and attackers bring: a client that drops a read,
 * requests that pile up or outlive their caller, deletion of a busy instance, oversized inputs.
 * Each case once lost records, hung or leaked a group member.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, records, text } from '../helpers/consumer.ts';
import { BINARY, call, produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

async function produceValues(proxy: TestProxy, topic: string, values: string[]): Promise<void> {
  const reply = await produce(proxy, `/topics/${topic}`, { records: values.map((v) => ({ value: b64(v), partition: 0 })) });
  assert.ok(reply.body.offsets.every((o: { error_code: unknown }) => o.error_code === null), JSON.stringify(reply.body));
}

/** Starts a records read and drops the connection after `afterMs`, as an impatient client does. */
function abandonedRead(base: string, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(`${base}/records?timeout=3000`, { headers: { Accept: BINARY } });
    req.on('error', () => resolve());
    req.on('response', (res) => res.resume());
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve();
    }, afterMs);
  });
}

/** Polls `probe` until it returns a value that is not undefined (or the budget runs out). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, budgetMs = 20_000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

describe('consumer instances under faults', () => {
  let proxy: TestProxy;
  const admin = nativeKafka().admin();

  before(async () => {
    proxy = await startTestProxy({ 'consumer.instance.max.pending.requests': '2' });
    await admin.connect();
  });
  after(async () => {
    await admin.disconnect();
    await proxy.close();
  });

  const buffered = async (group: string, name: string) => {
    const actorId = proxy.consumers.get(group, name).actorId;
    const detail = await call(`${proxy.managementUrls[0]}/inspector/api/actors/${actorId}`);
    return detail.body.context.pipeline.bufferedRecords as number;
  };

  test('a subscribed read whose client leaves puts its records back; the next read gets them at once', async () => {
    const topic = await createTopic(uniqueTopic('abandon'), 1);
    await produceValues(proxy, topic, ['r0', 'r1', 'r2']);
    const group = uniqueTopic('g');
    const base = await createConsumer(proxy.url, group, { name: 'c', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'true' });
    await post(`${base}/subscription`, { topics: [topic] });
    // The member has joined and fetched: the read below really takes the three records.
    await eventually(async () => ((await buffered(group, 'c')) === 3 ? true : undefined), 'records buffered');
    await abandonedRead(base, 600);
    const next = await records(base, 'timeout=3000');
    assert.equal(next.status, 200);
    assert.deepEqual(next.body.map((r: { offset: number; value: string }) => [r.offset, text(r.value)]), [
      [0, 'r0'],
      [1, 'r1'],
      [2, 'r2'],
    ]);
  });

  test('an assigned read whose client leaves puts its records back too', async () => {
    const topic = await createTopic(uniqueTopic('abandon-assigned'), 1);
    await produceValues(proxy, topic, ['a0', 'a1', 'a2']);
    const base = await createConsumer(proxy.url, uniqueTopic('g'), { 'auto.offset.reset': 'earliest' });
    assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);
    await abandonedRead(base, 600);
    const next = await records(base, 'timeout=3000');
    assert.deepEqual(next.body.map((r: { offset: number }) => r.offset), [0, 1, 2]);
  });

  test('the request queue is bounded (429), and a request whose caller gave up is never run', async () => {
    const topic = await createTopic(uniqueTopic('queue'), 1);
    await produceValues(proxy, topic, ['q0', 'q1', 'q2', 'q3']);
    const group = uniqueTopic('g');
    const base = await createConsumer(proxy.url, group, { name: 'q', 'auto.commit.enable': 'false' });
    await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] });
    const busy = records(base, 'timeout=2000');
    await sleep(200);
    const waiting = await Promise.all([1, 2, 3].map(() => call(`${base}/assignments`)));
    assert.deepEqual(waiting.map((r) => r.status).sort(), [200, 200, 429]);
    const refused = waiting.find((r) => r.status === 429)!;
    assert.equal(refused.body.error_code, 429);
    await busy;

    const busyAgain = records(base, 'timeout=2000');
    await sleep(200);
    const late = proxy.consumers.ask({
      ref: { group, instance: 'q' },
      requestId: randomUUID(),
      deadline: Date.now() + 300,
      command: { type: 'Commit', offsets: [{ topic, partition: 0, offset: 2 }] },
    });
    await assert.rejects(late, (e: { errorCode?: number }) => e.errorCode === 50003);
    await busyAgain;
    await sleep(300);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    assert.equal(committed!.partitions[0]!.offset, '-1', 'the late commit never ran');
  });

  test('deleting a busy instance wins: the read ends, the member leaves the group, the name is free', async () => {
    const topic = await createTopic(uniqueTopic('busy'), 1);
    const group = uniqueTopic('g');
    const base = await createConsumer(proxy.url, group, { name: 'busy', 'consumer.request.timeout.ms': 300_000, 'fetch.min.bytes': -1 });
    await post(`${base}/subscription`, { topics: [topic] });
    await eventually(async () => ((await call(`${base}/assignments`)).body.partitions.length > 0 ? true : undefined), 'the join');
    const members = async () => (await admin.describeGroups([group])).groups[0]!.members.length;
    assert.equal(await members(), 1);
    const actorId = proxy.consumers.get(group, 'busy').actorId;

    const read = records(base, 'timeout=300000');
    await sleep(300);
    const deleted = await call(base, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    const ended = await read;
    assert.equal(ended.status, 404);
    assert.equal(ended.body.error_code, 40403);
    await eventually(async () => ((await members()) === 0 ? true : undefined), 'the member to leave', 10_000);
    assert.equal((await call(`${base}/subscription`)).status, 404);
    assert.ok(!proxy.journal.actorIds('consumer').includes(actorId), 'the ended instance is gone from the journal');
    await createConsumer(proxy.url, group, { name: 'busy' });
  });

  test('subscribing again while the first join is still out leaves one member, reading the new topic only', async () => {
    const first = await createTopic(uniqueTopic('first'), 1);
    const second = await createTopic(uniqueTopic('second'), 1);
    await produceValues(proxy, first, ['f0']);
    await produceValues(proxy, second, ['s0', 's1']);
    const group = uniqueTopic('g');
    const base = await createConsumer(proxy.url, group, { name: 'r', 'auto.offset.reset': 'earliest', 'fetch.min.bytes': 1 });
    await post(`${base}/subscription`, { topics: [first] });
    await post(`${base}/subscription`, { topics: [second] });
    const got: Array<{ topic: string; offset: number }> = [];
    await eventually(async () => {
      got.push(...(await records(base, 'timeout=500')).body);
      return got.length >= 2 ? true : undefined;
    }, 'the second topic');
    assert.deepEqual(got.map((r) => [r.topic, r.offset]), [
      [second, 0],
      [second, 1],
    ]);
    const members = (await admin.describeGroups([group])).groups[0]!.members;
    assert.equal(members.length, 1, 'the first join left no member behind');
  });

  test('limits: per-instance timeouts, subscription size, read timeouts and commit metadata', async () => {
    const group = uniqueTopic('g');
    const huge = await post(`${proxy.url}/consumers/${group}`, { 'consumer.request.timeout.ms': 2_147_483_647 });
    assert.equal(huge.status, 422);
    assert.equal(huge.body.error_code, 42204);

    const base = await createConsumer(proxy.url, group, { 'consumer.request.timeout.ms': 500 });
    const many = await post(`${base}/subscription`, { topics: Array.from({ length: 5000 }, (_, i) => `t-${i}`) });
    assert.equal(many.status, 422);
    assert.match(many.body.message, /consumer\.subscription\.max\.topics/);

    const topic = await createTopic(uniqueTopic('limits'), 1);
    await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] });
    const longTimeout = await records(base, 'timeout=99999999999');
    assert.equal(longTimeout.status, 200, JSON.stringify(longTimeout.body));
    assert.deepEqual(longTimeout.body, []);

    const metadata = await post(`${base}/offsets`, { offsets: [{ topic, partition: 0, offset: 0, metadata: 'm'.repeat(40_000) }] });
    assert.equal(metadata.status, 422);
  });
});
