/** API v2 consumer instances against the real broker: every endpoint, happy and unhappy paths. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, readUntil, records, text, type RestRecord } from '../helpers/consumer.ts';
import { BINARY, call, JSON_FORMAT, produce, startTestProxy, V2, type TestProxy } from '../helpers/proxy.ts';

const group = () => uniqueTopic('group');

async function produceValues(proxy: TestProxy, topic: string, values: string[], partition?: number): Promise<void> {
  const reply = await produce(proxy, `/topics/${topic}`, { records: values.map((v) => ({ value: b64(v), partition })) });
  assert.ok(reply.body.offsets.every((o: { error_code: unknown }) => o.error_code === null), JSON.stringify(reply.body));
}

describe('v2 consumers', () => {
  let proxy: TestProxy;

  before(async () => {
    proxy = await startTestProxy({ id: 'proxy7', 'consumer.request.timeout.ms': '1000' });
  });
  after(() => proxy.close());

  test('create: generated names, base_uri from the Host header, duplicates 409/40902', async () => {
    const g = group();
    const reply = await post(`${proxy.url}/consumers/${g}`, {});
    assert.equal(reply.status, 200);
    assert.equal(reply.type, V2);
    assert.match(reply.body.instance_id, /^rest-consumer-proxy7-[0-9a-f-]{36}$/);
    assert.equal(reply.body.base_uri, `${proxy.url}/consumers/${g}/instances/${reply.body.instance_id}`);

    const named = await post(`${proxy.url}/consumers/${g}`, { name: 'my_consumer', format: 'BINARY', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    assert.equal(named.body.instance_id, 'my_consumer');
    const again = await post(`${proxy.url}/consumers/${g}`, { name: 'my_consumer' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error_code, 40902);
    const legacy = await post(`${proxy.url}/consumers/${g}`, { id: 'legacy', name: 'ignored' });
    assert.equal(legacy.body.instance_id, 'legacy', 'the legacy id wins over name');

    const noBody = await call(`${proxy.url}/consumers/${g}`, { method: 'POST', headers: { 'Content-Type': V2 } });
    assert.equal(noBody.status, 200, 'a null body creates a binary consumer');
  });

  test('create: invalid settings are 422 with Confluent codes', async () => {
    const g = group();
    const bad = async (body: unknown, code: number, message?: RegExp) => {
      const reply = await post(`${proxy.url}/consumers/${g}`, body);
      assert.equal(reply.status, 422, JSON.stringify(body));
      assert.equal(reply.body.error_code, code, JSON.stringify(reply.body));
      if (message) assert.match(reply.body.message, message);
    };
    await bad({ 'auto.offset.reset': 'bad-config' }, 42204, /^Invalid consumer configuration: /);
    await bad({ 'auto.commit.enable': 'maybe' }, 42204);
    await bad({ 'fetch.min.bytes': 20_000_000 }, 40001);
    await bad({ 'max.poll.records': 5 }, 42204, /cannot be set per consumer instance/);
    await bad({ format: 'xml' }, 422, /Invalid format type/);
    const malformed = await call(`${proxy.url}/consumers/${g}`, { method: 'POST', headers: { 'Content-Type': V2 }, body: '{"name":' });
    assert.equal(malformed.status, 400);
    const wrongType = await call(`${proxy.url}/consumers/${g}`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    assert.equal(wrongType.status, 415);
  });

  test('subscribe, read, commit explicitly (+1), read committed offsets back', async () => {
    const topic = await createTopic(uniqueTopic('sub'), 1);
    await produceValues(proxy, topic, ['a', 'b', 'c']);
    const g = group();
    const base = await createConsumer(proxy.url, g, { name: 'c', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
    const subscription = await call(`${base}/subscription`);
    assert.deepEqual(subscription.body, { topics: [topic] });

    const got = await readUntil(base, 3);
    assert.deepEqual(
      got.map((r) => [r.topic, r.partition, r.offset, text(r.value), r.key]),
      [
        [topic, 0, 0, 'a', null],
        [topic, 0, 1, 'b', null],
        [topic, 0, 2, 'c', null],
      ],
    );
    const commit = await post(`${base}/offsets`, { offsets: [{ topic, partition: 0, offset: 1 }] });
    assert.equal(commit.status, 200);
    assert.deepEqual(commit.body, []);
    const committed = await call(`${base}/offsets`, { headers: { 'Content-Type': V2 }, body: { partitions: [{ topic, partition: 0 }] } });
    assert.equal(committed.status, 200);
    assert.deepEqual(committed.body, { offsets: [{ topic, partition: 0, offset: 2, metadata: '' }] }, 'Kafka stores the next offset: 1 + 1');

    const everything = await post(`${base}/offsets`);
    assert.equal(everything.status, 200);
    const all = await call(`${base}/offsets`, { headers: { 'Content-Type': V2 }, body: { partitions: [{ topic, partition: 0 }] } });
    assert.equal(all.body.offsets[0].offset, 3, 'an empty commit commits everything delivered');

    const noBody = await call(`${base}/offsets`);
    assert.equal(noBody.status, 404);
    assert.equal(noBody.body.error_code, 40402);

    const types = proxy.journal.read({ actorType: 'consumer' }).filter((e) => e.actorId === proxy.consumers.get(g, 'c').actorId).map((e) => e.type);
    for (const type of ['Created', 'Subscribed', 'Joined', 'Delivered', 'Committed']) assert.ok(types.includes(type), `journal has ${type}: ${types}`);
  });

  test('an empty topic reads [] after about the request timeout; timeout shortens it', async () => {
    const topic = await createTopic(uniqueTopic('empty'), 1);
    const base = await createConsumer(proxy.url, group(), { 'auto.offset.reset': 'earliest' });
    await post(`${base}/subscription`, { topics: [topic] });
    await records(base, 'timeout=3000'); // first read: joins the group
    let started = Date.now();
    const slow = await records(base, '');
    const slowMs = Date.now() - started;
    assert.equal(slow.status, 200);
    assert.deepEqual(slow.body, []);
    assert.ok(slowMs >= 900, `waited the request timeout (${slowMs} ms)`);
    started = Date.now();
    await records(base, 'timeout=200');
    const fastMs = Date.now() - started;
    assert.ok(fastMs >= 150 && fastMs < slowMs, `timeout shortens the wait (${fastMs} ms)`);
  });

  test('max_bytes caps a response; the rest comes next', async () => {
    const topic = await createTopic(uniqueTopic('maxbytes'), 1);
    await produceValues(proxy, topic, Array.from({ length: 10 }, (_, i) => `${i}`.padStart(100, 'x')));
    const base = await createConsumer(proxy.url, group(), { 'auto.offset.reset': 'earliest', 'fetch.min.bytes': 1 });
    await post(`${base}/subscription`, { topics: [topic] });
    const seen: RestRecord[] = [];
    const deadline = Date.now() + 20_000;
    let biggest = 0;
    while (seen.length < 10 && Date.now() < deadline) {
      const reply = await records(base, 'timeout=1000&max_bytes=350');
      const bytes = reply.body.reduce((n: number, r: RestRecord) => n + Buffer.from(r.value, 'base64').length, 0);
      biggest = Math.max(biggest, reply.body.length);
      assert.ok(bytes < 350, `a response stays below max_bytes (${bytes})`);
      seen.push(...reply.body);
    }
    assert.equal(biggest, 3, 'three 100-byte records fit below 350 bytes');
    assert.deepEqual(
      seen.map((r) => r.offset),
      Array.from({ length: 10 }, (_, i) => i),
    );
  });

  test('json consumers return JSON; Accept decides the reader and mismatches are 406/40601', async () => {
    const topic = await createTopic(uniqueTopic('json'), 1);
    await produce(proxy, `/topics/${topic}`, { records: [{ key: 'k', value: { foo: 'bar' } }, { value: [1, 2] }] }, JSON_FORMAT);
    const jsonBase = await createConsumer(proxy.url, group(), { format: 'json', 'auto.offset.reset': 'earliest' });
    await post(`${jsonBase}/subscription`, { topics: [topic] });
    const mismatch = await records(jsonBase, 'timeout=100', BINARY);
    assert.equal(mismatch.status, 406);
    assert.equal(mismatch.body.error_code, 40601);
    const viaV2 = await records(jsonBase, 'timeout=100', V2);
    assert.equal(viaV2.body.error_code, 40601, 'the plain v2 type means binary');
    const got = await readUntil(jsonBase, 2, 20_000, JSON_FORMAT);
    assert.deepEqual(
      got.map((r) => [r.key, r.value]),
      [
        ['k', { foo: 'bar' }],
        [null, [1, 2]],
      ],
    );

    const binaryBase = await createConsumer(proxy.url, group(), { 'auto.offset.reset': 'earliest' });
    await post(`${binaryBase}/subscription`, { topics: [topic] });
    const any = await records(binaryBase, 'timeout=3000', '*/*');
    assert.equal(any.status, 200);
    assert.equal(any.type, BINARY, 'Accept */* reads binary');
    const wrong = await records(binaryBase, 'timeout=100', JSON_FORMAT);
    assert.equal(wrong.status, 406);
    assert.equal(wrong.body.error_code, 40601);
    const unacceptable = await records(binaryBase, 'timeout=100', 'text/plain');
    assert.equal(unacceptable.status, 406);
  });

  test('a json consumer meeting non-JSON bytes answers 40801 and keeps the record first in line', async () => {
    const topic = await createTopic(uniqueTopic('poison'), 1);
    await produceValues(proxy, topic, ['not json']);
    const base = await createConsumer(proxy.url, group(), { format: 'json', 'auto.offset.reset': 'earliest' });
    await post(`${base}/subscription`, { topics: [topic] });
    let reply = await records(base, 'timeout=3000', JSON_FORMAT);
    for (let i = 0; i < 5 && reply.status === 200; i++) reply = await records(base, 'timeout=1000', JSON_FORMAT);
    assert.equal(reply.status, 408);
    assert.equal(reply.body.error_code, 40801);
    const again = await records(base, 'timeout=100', JSON_FORMAT);
    assert.equal(again.body.error_code, 40801, 'still there');
  });

  test('topic_pattern subscriptions; unsubscribe; reading unsubscribed is 409/40903', async () => {
    const prefix = uniqueTopic('pat');
    const a = await createTopic(`${prefix}-a`, 1);
    await createTopic(`${prefix}-b`, 1);
    await produceValues(proxy, a, ['x']);
    const base = await createConsumer(proxy.url, group(), { 'auto.offset.reset': 'earliest' });
    assert.equal((await post(`${base}/subscription`, { topic_pattern: `${prefix}-.*` })).status, 204);
    const got = await readUntil(base, 1);
    assert.equal(got[0]!.topic, a);
    const subscription = await call(`${base}/subscription`);
    assert.deepEqual(subscription.body.topics, [`${prefix}-a`, `${prefix}-b`]);
    assert.equal((await call(`${base}/subscription`, { method: 'DELETE' })).status, 204);
    assert.deepEqual((await call(`${base}/subscription`)).body, { topics: [] });
    const unsubscribed = await records(base, 'timeout=100');
    assert.equal(unsubscribed.status, 409);
    assert.equal(unsubscribed.body.error_code, 40903);
  });

  test('subscribing to a topic that does not exist yet waits for it, as Kafka consumers do', async () => {
    const topic = uniqueTopic('later');
    const base = await createConsumer(proxy.url, group(), { 'auto.offset.reset': 'earliest' });
    assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
    assert.deepEqual((await records(base, 'timeout=300')).body, []);
    await createTopic(topic, 1);
    await produceValues(proxy, topic, ['finally']);
    assert.deepEqual((await readUntil(base, 1, 20_000)).map((r) => text(r.value)), ['finally']);
  });

  test('a pattern matches whole topic names and never internal topics', async () => {
    const prefix = uniqueTopic('whole');
    await createTopic(`${prefix}`, 1);
    await createTopic(`x${prefix}`, 1);
    const base = await createConsumer(proxy.url, group(), { 'auto.offset.reset': 'earliest' });
    await post(`${base}/subscription`, { topic_pattern: `${prefix}|__.*` });
    await records(base, 'timeout=3000');
    assert.deepEqual((await call(`${base}/subscription`)).body, { topics: [prefix] });
  });

  test('assigning a partition or topic that does not exist is 404; committed offsets of unknown topics are left out', async () => {
    const topic = await createTopic(uniqueTopic('nopart'), 2);
    const base = await createConsumer(proxy.url, group(), {});
    const partition = await post(`${base}/assignments`, { partitions: [{ topic, partition: 7 }] });
    assert.equal(partition.status, 404);
    assert.equal(partition.body.error_code, 40402);
    const missing = await post(`${base}/assignments`, { partitions: [{ topic: uniqueTopic('none'), partition: 0 }] });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 40403);
    const committed = await call(`${base}/offsets`, { headers: { 'Content-Type': V2 }, body: { partitions: [{ topic: uniqueTopic('none'), partition: 0 }] } });
    assert.equal(committed.status, 200);
    assert.deepEqual(committed.body, { offsets: [] });
  });

  test('manual assignment reads without joining the group; subscribe/assign conflicts are 409/40903', async () => {
    const topic = await createTopic(uniqueTopic('assign'), 3);
    await produceValues(proxy, topic, ['p1-a', 'p1-b'], 1);
    await produceValues(proxy, topic, ['p2-a'], 2);
    const base = await createConsumer(proxy.url, group(), { 'auto.offset.reset': 'earliest' });
    assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 1 }] })).status, 204);
    assert.deepEqual((await call(`${base}/assignments`)).body, { partitions: [{ topic, partition: 1 }] });
    const got = await readUntil(base, 2);
    assert.deepEqual(
      got.map((r) => [r.partition, text(r.value)]),
      [
        [1, 'p1-a'],
        [1, 'p1-b'],
      ],
    );
    const conflict = await post(`${base}/subscription`, { topics: [topic] });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error_code, 40903);

    const subscribed = await createConsumer(proxy.url, group(), {});
    await post(`${subscribed}/subscription`, { topics: [topic] });
    const reverse = await post(`${subscribed}/assignments`, { partitions: [{ topic, partition: 0 }] });
    assert.equal(reverse.status, 409);
    assert.equal(reverse.body.error_code, 40903);

    const commit = await post(`${base}/offsets`, { offsets: [{ topic, partition: 1, offset: 1 }] });
    assert.equal(commit.status, 200, 'a manual assignment commits outside any generation');
    const committed = await call(`${base}/offsets`, { headers: { 'Content-Type': V2 }, body: { partitions: [{ topic, partition: 1 }, { topic, partition: 2 }] } });
    assert.deepEqual(committed.body.offsets, [{ topic, partition: 1, offset: 2, metadata: '' }], 'only partitions with a commit are listed');
  });

  test('positions: explicit offsets, beginning, end; unassigned partitions are 409/40903', async () => {
    const topic = await createTopic(uniqueTopic('seek'), 1);
    await produceValues(proxy, topic, ['0', '1', '2', '3', '4']);
    const base = await createConsumer(proxy.url, group(), { 'auto.offset.reset': 'latest' });
    await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] });
    assert.deepEqual((await records(base, 'timeout=300')).body, [], 'latest: nothing old');
    assert.equal((await post(`${base}/positions`, { offsets: [{ topic, partition: 0, offset: 3 }] })).status, 204);
    assert.deepEqual((await readUntil(base, 2)).map((r) => r.offset), [3, 4]);
    assert.equal((await post(`${base}/positions/beginning`, { partitions: [{ topic, partition: 0 }] })).status, 204);
    assert.deepEqual((await readUntil(base, 5)).map((r) => r.offset), [0, 1, 2, 3, 4]);
    assert.equal((await post(`${base}/positions/end`, { partitions: [{ topic, partition: 0 }] })).status, 204);
    await produceValues(proxy, topic, ['5']);
    assert.deepEqual((await readUntil(base, 1)).map((r) => r.offset), [5]);
    const unassigned = await post(`${base}/positions`, { offsets: [{ topic, partition: 7, offset: 0 }] });
    assert.equal(unassigned.status, 409);
    assert.equal(unassigned.body.error_code, 40903);
    const empty = await post(`${base}/positions`, {});
    assert.equal(empty.status, 422);
  });

  test('seek by timestamp returns only records produced after it', async () => {
    const topic = await createTopic(uniqueTopic('time'), 1);
    const base = await createConsumer(proxy.url, group(), { 'auto.offset.reset': 'latest' });
    await post(`${base}/subscription`, { topics: [topic] });
    await records(base, 'timeout=3000'); // joined, at the end
    await produceValues(proxy, topic, ['old-1', 'old-2', 'old-3']);
    await new Promise((r) => setTimeout(r, 50));
    const when = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    await produceValues(proxy, topic, ['new-1', 'new-2', 'new-3']);
    await readUntil(base, 6);
    const seek = await post(`${base}/positions`, { timestamps: [{ topic, partition: 0, timestamp: when }] });
    assert.equal(seek.status, 204);
    assert.deepEqual(
      (await readUntil(base, 3)).map((r) => text(r.value)),
      ['new-1', 'new-2', 'new-3'],
    );
    assert.deepEqual((await records(base, 'timeout=300')).body, []);
  });

  test('two instances of one group share the partitions after a rebalance', async () => {
    const topic = await createTopic(uniqueTopic('share'), 4);
    const g = group();
    const first = await createConsumer(proxy.url, g, { 'auto.offset.reset': 'earliest' });
    await post(`${first}/subscription`, { topics: [topic] });
    await records(first, 'timeout=3000');
    assert.equal((await call(`${first}/assignments`)).body.partitions.length, 4);
    const second = await createConsumer(proxy.url, g, { 'auto.offset.reset': 'earliest' });
    await post(`${second}/subscription`, { topics: [topic] });
    let a: Array<{ partition: number }> = [];
    let b: Array<{ partition: number }> = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      await Promise.all([records(first, 'timeout=300'), records(second, 'timeout=300')]);
      a = (await call(`${first}/assignments`)).body.partitions;
      b = (await call(`${second}/assignments`)).body.partitions;
      if (a.length === 2 && b.length === 2) break;
    }
    assert.equal(a.length, 2);
    assert.equal(b.length, 2);
    assert.deepEqual(
      [...a, ...b].map((p) => p.partition).sort(),
      [0, 1, 2, 3],
    );
    for (let p = 0; p < 4; p++) await produceValues(proxy, topic, [`v${p}`], p);
    const [fromA, fromB] = await Promise.all([readUntil(first, 2, 15_000), readUntil(second, 2, 15_000)]);
    assert.deepEqual(
      [...fromA, ...fromB].map((r) => text(r.value)).sort(),
      ['v0', 'v1', 'v2', 'v3'],
    );
  });

  test('unknown instances are 404/40403 everywhere; delete, then re-create with the same name', async () => {
    const g = group();
    const unknown = `${proxy.url}/consumers/${g}/instances/nobody`;
    const checks = [
      call(unknown, { method: 'DELETE' }),
      post(`${unknown}/subscription`, { topics: ['x'] }),
      call(`${unknown}/subscription`),
      call(`${unknown}/subscription`, { method: 'DELETE' }),
      post(`${unknown}/assignments`, { partitions: [] }),
      call(`${unknown}/assignments`),
      post(`${unknown}/positions`, { offsets: [{ topic: 'x', partition: 0, offset: 0 }] }),
      post(`${unknown}/positions/beginning`, { partitions: [{ topic: 'x', partition: 0 }] }),
      post(`${unknown}/positions/end`, { partitions: [{ topic: 'x', partition: 0 }] }),
      post(`${unknown}/offsets`),
      call(`${unknown}/offsets`, { headers: { 'Content-Type': V2 }, body: { partitions: [] } }),
      records(unknown),
    ];
    for (const reply of await Promise.all(checks)) {
      assert.equal(reply.status, 404);
      assert.equal(reply.body.error_code, 40403);
      assert.equal(reply.body.message, 'Consumer instance not found.');
    }
    const base = await createConsumer(proxy.url, g, { name: 'again' });
    assert.equal((await call(base, { method: 'DELETE' })).status, 204);
    assert.equal((await call(base, { method: 'DELETE' })).status, 404);
    assert.equal((await records(base)).body.error_code, 40403);
    const recreated = await createConsumer(proxy.url, g, { name: 'again' });
    assert.equal(recreated, base);
    assert.equal((await call(`${recreated}/subscription`)).status, 200);
    assert.equal((await call(`${base}/`, { method: 'DELETE' })).status, 204, 'trailing slash');
  });

  test('an idle instance expires after consumer.instance.timeout.ms', async () => {
    const short = await startTestProxy({ 'consumer.instance.timeout.ms': '3000', 'consumer.request.timeout.ms': '300' });
    try {
      const base = await createConsumer(short.url, group(), {});
      const alive = () => short.consumers.list().length === 1; // looks without touching the instance
      assert.equal((await records(base, 'timeout=300')).status, 409, 'alive (not subscribed yet)');
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await call(`${base}/subscription`)).status, 200, 'use refreshes the deadline');
      await new Promise((r) => setTimeout(r, 2000));
      assert.ok(alive(), 'past 3 s since creation but not since the last use');
      const deadline = Date.now() + 10_000;
      while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(!alive(), 'expired');
      const gone = await records(base);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error_code, 40403);
      assert.equal(gone.type, BINARY);
      assert.equal(short.journal.read({ actorType: 'consumer' }).length, 0, 'the expired session was compacted away');
    } finally {
      await short.close();
    }
  });

  test('the simple consumer reads exactly count records from offset', async () => {
    const topic = await createTopic(uniqueTopic('simple'), 2);
    await produceValues(proxy, topic, ['a', 'b', 'c', 'd', 'e'], 1);
    const reply = await call(`${proxy.url}/topics/${topic}/partitions/1/messages?offset=1&count=3`);
    assert.equal(reply.status, 200);
    assert.equal(reply.type, BINARY);
    assert.deepEqual(reply.body, [
      { key: null, value: b64('b'), partition: 1, offset: 1 },
      { key: null, value: b64('c'), partition: 1, offset: 2 },
      { key: null, value: b64('d'), partition: 1, offset: 3 },
    ]);
    const one = await call(`${proxy.url}/topics/${topic}/partitions/1/messages?offset=4`);
    assert.deepEqual(one.body.map((r: { offset: number }) => r.offset), [4], 'count defaults to 1');
    const tail = await call(`${proxy.url}/topics/${topic}/partitions/1/messages?offset=3&count=10`);
    assert.deepEqual(tail.body.map((r: { offset: number }) => r.offset), [3, 4], 'only what exists, after the wait');
    const json = await produce(proxy, `/topics/${topic}/partitions/0`, { records: [{ value: { n: 1 } }] }, JSON_FORMAT);
    assert.equal(json.status, 200);
    const asJson = await call(`${proxy.url}/topics/${topic}/partitions/0/messages?offset=0`, { headers: { Accept: JSON_FORMAT } });
    assert.deepEqual(asJson.body, [{ key: null, value: { n: 1 }, partition: 0, offset: 0 }]);

    assert.equal((await call(`${proxy.url}/topics/${topic}/partitions/1/messages?offset=99`)).body.error_code, 40402);
    assert.equal((await call(`${proxy.url}/topics/${topic}/partitions/1/messages`)).status, 400, 'offset is required');
    assert.equal((await call(`${proxy.url}/topics/${topic}/partitions/1/messages?offset=x`)).status, 400);
    assert.equal((await call(`${proxy.url}/topics/${topic}/partitions/9/messages?offset=0`)).body.error_code, 40402);
    assert.equal((await call(`${proxy.url}/topics/${uniqueTopic('none')}/partitions/0/messages?offset=0`)).body.error_code, 40403);
  });
});
