/**
 * Cluster mode with in-process members on the suite's broker: any member answers for any
 * instance (forwarding to its owner), a member that leaves hands its sessions over to the others
 * without skipping a record, and a member that joins takes a share over.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, readUntil, records, text } from '../helpers/consumer.ts';
import { settled, startMember, via } from '../helpers/cluster-in-process.ts';
import { call, produce, type TestProxy } from '../helpers/proxy.ts';
import { chromium } from 'playwright-core';
import { CHROMIUM } from '../../scripts/ensure-chromium.ts';
import { SseClient } from '../helpers/sse.ts';

const started: TestProxy[] = [];

async function member(name: string, extra: Record<string, string> = {}): Promise<TestProxy> {
  const proxy = await startMember(name, extra);
  started.push(proxy);
  return proxy;
}

after(async () => {
  await Promise.all(started.map((p) => p.close()));
});

describe('cluster mode', () => {
  it('any member serves the whole consumer flow of an instance created on another', async () => {
    const name = `c-${randomUUID().slice(0, 8)}`;
    const [a, b] = [await member(name), await member(name)];
    await settled([a, b]);
    const topic = await createTopic(uniqueTopic('cluster'), 1);
    const sent = await produce(a, `/topics/${topic}`, { records: [0, 1, 2, 3, 4].map((i) => ({ value: b64(`r${i}`) })) });
    assert.equal(sent.status, 200);
    const group = `g-${randomUUID()}`;
    // Several instances, so both members own some of them.
    const bases: string[] = [];
    for (let i = 0; i < 6; i++) bases.push(await createConsumer(i % 2 ? b.url : a.url, group, { name: `i${i}`, 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' }));
    const owners = new Set(bases.map((base) => [a, b].findIndex((m) => m.consumers.list().some((actor) => base.endsWith(`/instances/${actor.context.session.context.name}`)))));
    assert.deepEqual([...owners].sort(), [0, 1], 'the instances are spread over both members');
    const base = bases[0]!;
    for (const [i, proxy] of [a, b, a].entries()) {
      const reply = await call(`${via(base, proxy)}/subscription`, { method: i === 0 ? 'POST' : 'GET', headers: { 'Content-Type': 'application/vnd.kafka.v2+json' }, body: i === 0 ? { topics: [topic] } : undefined });
      assert.ok(reply.status === 204 || reply.status === 200, `${reply.status} ${JSON.stringify(reply.body)}`);
      if (i > 0) assert.deepEqual(reply.body, { topics: [topic] });
    }
    const got = await readUntil(via(base, b), 5);
    assert.deepEqual(got.map((r) => text(r.value)), ['r0', 'r1', 'r2', 'r3', 'r4']);
    assert.equal((await post(`${via(base, a)}/offsets`)).status, 200);
    const committed = await call(`${via(base, b)}/offsets`, { method: 'GET', headers: { 'Content-Type': 'application/vnd.kafka.v2+json' }, body: { partitions: [{ topic, partition: 0 }] } });
    assert.equal(committed.status, 200);
    assert.deepEqual((committed.body as { offsets: Array<{ offset: number }> }).offsets.map((o) => o.offset), [5]);
    for (const [i, each] of bases.entries()) assert.equal((await call(via(each, i % 2 ? a : b), { method: 'DELETE', headers: { 'Content-Type': 'application/vnd.kafka.v2+json' } })).status, 204);
    assert.equal((await records(via(base, a))).status, 404);
    assert.equal((await records(via(base, b))).status, 404);
    // The members of the user's group are gone from Kafka too.
    const admin = nativeKafka().admin();
    await admin.connect();
    const { groups } = await admin.describeGroups([group]);
    await admin.disconnect();
    assert.deepEqual(groups[0]!.members, []);
  });

  it('answers what is not a member’s command on the cluster listener with the error envelope', async () => {
    const proxy = await member(`c-${randomUUID().slice(0, 8)}`, { 'cluster.secret': 's3cret', 'request.body.max.bytes': '1024' });
    const ask = `${proxy.cluster!.url}/cluster/v1/ask`;
    const send = (headers: Record<string, string>, body: string) => fetch(ask, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));
    assert.deepEqual(await send({}, '{}'), { status: 401, body: { error_code: 401, message: 'This is a proxy cluster listener: requests need the cluster secret.' } });
    assert.deepEqual(await send({ 'kafka-rest-cluster-secret': 'wrong!' }, '{}'), { status: 401, body: { error_code: 401, message: 'This is a proxy cluster listener: requests need the cluster secret.' } });
    const secret = { 'kafka-rest-cluster-secret': 's3cret' };
    assert.deepEqual(await send(secret, '{"ref":{}}'), { status: 400, body: { error_code: 400, message: 'Bad Request: a command envelope is expected' } });
    const broken = await send(secret, '{"ref":');
    assert.equal(broken.status, 400);
    assert.equal((broken.body as { error_code: number }).error_code, 400);
    const large = await send(secret, JSON.stringify({ pad: 'x'.repeat(2048) }));
    assert.equal(large.status, 413);
    assert.equal((large.body as { error_code: number }).error_code, 413);
  });

  it('streams records (server-sent events) from an instance another member owns, acknowledging each', async () => {
    const name = `c-${randomUUID().slice(0, 8)}`;
    const [a, b] = [await member(name), await member(name)];
    await settled([a, b]);
    const topic = await createTopic(uniqueTopic('cluster-sse'), 1);
    assert.equal((await produce(a, `/topics/${topic}`, { records: Array.from({ length: 8 }, (_, i) => ({ value: b64(`s${i}`) })) })).status, 200);
    const group = `g-${randomUUID()}`;
    // An instance owned by b, streamed through a.
    let instance = '';
    for (let i = 0; !instance; i++) {
      const candidate = `s${i}`;
      if (b.cluster!.state(b.cluster!.partitionOf(group, candidate)) === 'owned') instance = candidate;
    }
    const base = await createConsumer(a.url, group, { name: instance, 'auto.offset.reset': 'earliest' });
    assert.equal((await post(`${via(base, a)}/subscription`, { topics: [topic] })).status, 204);
    assert.ok(b.consumers.list().some((actor) => actor.context.session.context.name === instance), 'b owns it');
    const stream = await SseClient.open(`${via(base, a)}/records`);
    try {
      assert.equal(stream.status, 200);
      await stream.waitForEvents(8);
      assert.deepEqual(stream.records.map((r) => text(r.record.value)), Array.from({ length: 8 }, (_, i) => `s${i}`));
    } finally {
      stream.close();
    }
    // The owner moved past what the stream delivered: nothing comes again.
    const rest = await records(via(base, b), 'timeout=1500');
    assert.deepEqual(rest.body, []);
  });

  it('shows the cluster in the inspector: members, partitions, and a rebalance when a member leaves', async () => {
    const name = `c-${randomUUID().slice(0, 8)}`;
    const [a, b] = [await member(name), await member(name)];
    await settled([a, b]);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${a.managementUrls[0]}/inspector`);
      await page.locator('#members tbody tr').nth(1).waitFor({ timeout: 15_000 });
      const rows = await page.locator('#members tbody tr').allInnerTexts();
      assert.equal(rows.length, 2);
      assert.equal(rows.filter((row) => row.includes('(this one)')).length, 1);
      const mine = a.cluster!.claimed().length;
      assert.equal(await page.locator('#own-partitions [data-partition]').count(), mine);
      const before = await page.locator('#rebalances tbody tr').count();
      await b.close();
      started.splice(started.indexOf(b), 1);
      // The 5 s refresh brings the new shape in: one member, holding every partition.
      await page.locator('#members tbody tr').nth(1).waitFor({ state: 'detached', timeout: 20_000 });
      await page.locator('#own-partitions [data-partition]').nth(5).waitFor({ timeout: 20_000 });
      assert.ok((await page.locator('#rebalances tbody tr').count()) > before, 'the hand-over is in the rebalance timeline');
    } finally {
      await browser.close();
    }
  });
});
