/** API v2 metadata endpoints against the real broker: shapes, codes and media types. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { call, startTestProxy, V2, type TestProxy } from '../helpers/proxy.ts';

describe('v2 metadata', () => {
  let proxy: TestProxy;
  let topic: string;

  before(async () => {
    proxy = await startTestProxy();
    topic = await createTopic(uniqueTopic('meta'), 3);
  });
  after(() => proxy.close());

  test('GET / answers {} in the v2 media type; POST / takes a JSON object', async () => {
    const root = await call(`${proxy.url}/`);
    assert.equal(root.status, 200);
    assert.equal(root.type, V2);
    assert.deepEqual(root.body, {});
    const post = await call(`${proxy.url}/`, { method: 'POST', headers: { 'Content-Type': V2 }, body: { a: 'b' } });
    assert.equal(post.status, 200);
    assert.deepEqual(post.body, {});
  });

  test('GET /brokers lists the broker ids', async () => {
    const reply = await call(`${proxy.url}/brokers`, { headers: { Accept: V2 } });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, { brokers: [1] });
  });

  test('GET /topics lists topics by name, without internal ones', async () => {
    const reply = await call(`${proxy.url}/topics`);
    assert.equal(reply.status, 200);
    assert.ok(reply.body.includes(topic));
    assert.ok(!reply.body.some((name: string) => name.startsWith('__')), 'no internal topics');
    assert.deepEqual(reply.body, [...reply.body].sort());
  });

  test('GET /topics/{t} gives configs (defaults included) and partitions with replicas', async () => {
    const reply = await call(`${proxy.url}/topics/${topic}`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.name, topic);
    assert.equal(reply.body.configs['cleanup.policy'], 'delete');
    assert.ok(Object.keys(reply.body.configs).length > 20, 'all configs, not only overrides');
    assert.deepEqual(
      reply.body.partitions.map((p: { partition: number }) => p.partition),
      [0, 1, 2],
    );
    assert.deepEqual(reply.body.partitions[0], {
      partition: 0,
      leader: 1,
      replicas: [{ broker: 1, leader: true, in_sync: true }],
    });
  });

  test('an unknown topic is 404 / 40403 in the v2 media type', async () => {
    for (const path of ['', '/partitions', '/partitions/0', '/partitions/0/offsets']) {
      const reply = await call(`${proxy.url}/topics/no-such-topic-${Date.now()}${path}`);
      assert.equal(reply.status, 404, path);
      assert.equal(reply.body.error_code, 40403, path);
      assert.equal(reply.type, V2);
      assert.match(reply.body.message, /does not host this topic-partition/);
    }
  });

  test('partitions: list, one, unknown (404/40402) and non-numeric (404)', async () => {
    const list = await call(`${proxy.url}/topics/${topic}/partitions`);
    assert.equal(list.status, 200);
    assert.equal(list.body.length, 3);
    const one = await call(`${proxy.url}/topics/${topic}/partitions/2`);
    assert.equal(one.status, 200);
    assert.equal(one.body.partition, 2);
    assert.equal(one.body.leader, 1);
    const unknown = await call(`${proxy.url}/topics/${topic}/partitions/1000`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { error_code: 40402, message: 'Partition not found.' });
    const bad = await call(`${proxy.url}/topics/${topic}/partitions/abc`);
    assert.equal(bad.status, 404);
    assert.equal(bad.body.error_code, 404);
  });

  test('partition offsets follow what was produced', async () => {
    const empty = await call(`${proxy.url}/topics/${topic}/partitions/1/offsets`);
    assert.deepEqual(empty.body, { beginning_offset: 0, end_offset: 0 });
    const produced = await call(`${proxy.url}/topics/${topic}/partitions/1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.kafka.json.v2+json' },
      body: { records: [{ value: 1 }, { value: 2 }] },
    });
    assert.equal(produced.status, 200);
    const after = await call(`${proxy.url}/topics/${topic}/partitions/1/offsets`);
    assert.deepEqual(after.body, { beginning_offset: 0, end_offset: 2 });
    const unknown = await call(`${proxy.url}/topics/${topic}/partitions/9/offsets`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error_code, 40402);
  });

  test('trailing slashes are accepted', async () => {
    assert.equal((await call(`${proxy.url}/topics/`)).status, 200);
    assert.equal((await call(`${proxy.url}/topics/${topic}/partitions/`)).status, 200);
    assert.equal((await call(`${proxy.url}/brokers/`)).status, 200);
  });
});
