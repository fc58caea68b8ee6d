/**
 * docs/openapi.json against the real proxy and broker for API v3's topics, partitions and consumer
 * groups: every operation of those tags is called, with a success and at least one error where it
 * has one, and every reply must be what the document says (status, Content-Type, body schema).
 * Ends by asserting every operation of the three tags was exercised.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { documentedApi, type Expect } from '../helpers/documented-api.ts';
import { nativeMember } from '../helpers/native-member.ts';
import { coverage } from '../helpers/openapi-check.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const BODY_LIMIT = 4096;
const JSON_TYPE = { 'Content-Type': 'application/json' };

describe('docs/openapi.json describes v3 topics, partitions and consumer groups', () => {
  let proxy: TestProxy;
  let base: string; // <url>/v3/clusters/<cid>
  let other: string; // <url>/v3/clusters/foobar
  let broker: number;
  let topic: string; // 2 partitions, 3 records in partition 1

  const api = documentedApi(() => base);

  const json = (body: unknown, status: number, code?: number): Expect => ({ headers: JSON_TYPE, body, status, code });
  const missing = () => uniqueTopic('openapi-v3-missing');

  before(async () => {
    proxy = await startTestProxy({ 'request.body.max.bytes': String(BODY_LIMIT) });
    const admin = nativeKafka().admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      base = `${proxy.url}/v3/clusters/${cluster.clusterId}`;
      broker = cluster.brokers[0]!.nodeId;
    } finally {
      await admin.disconnect();
    }
    other = `${proxy.url}/v3/clusters/foobar`;
    topic = await createTopic(uniqueTopic('openapi-v3'), 2);
    const producer = nativeKafka().producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages: [0, 1, 2].map((i) => ({ partition: 1, value: `r${i}` })) });
    } finally {
      await producer.disconnect();
    }
  });
  after(() => proxy.close());

  test('topics: list, create, get, add partitions, delete', async () => {
    const list = await api('GET', '/topics', { status: 200 });
    assert.ok(list.body.data.some((t: { topic_name: string }) => t.topic_name === topic));
    await api('GET', '/topics', { headers: { Accept: 'text/plain' }, status: 406, code: 406 });
    await api('GET', `${other}/topics`, { status: 404, code: 404 });

    const name = uniqueTopic('openapi-v3-new');
    const created = await api('POST', '/topics', json({ topic_name: name, partitions_count: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] }, 201));
    assert.equal(created.headers.get('location'), `${base}/topics/${name}`);
    await api('POST', '/topics', json({ topic_name: uniqueTopic('openapi-v3-dry'), partitions_count: 2, validate_only: true }, 200));
    await api('POST', '/topics', json({ topic_name: name, partitions_count: 1 }, 400, 40002));
    await api('POST', '/topics', json({ topic_name: missing(), partitions_count: 0 }, 400, 40002));
    await api('POST', '/topics', json({}, 400, 400));
    await api('POST', '/topics', json({ topic_name: missing(), partition_count: 1 }, 400, 400));
    await api('POST', '/topics', { headers: JSON_TYPE, body: '{"topic_name":', status: 400, code: 400 });
    await api('POST', '/topics', { headers: JSON_TYPE, status: 422, code: 42206 });
    await api('POST', '/topics', json({ topic_name: 'a b' }, 422, 42206));
    await api('POST', '/topics', { headers: { 'Content-Type': 'text/plain' }, body: '{}', status: 415, code: 415 });
    await api('POST', '/topics', json({ topic_name: 'x'.repeat(BODY_LIMIT) }, 413, 413));
    await api('POST', `${other}/topics`, json({ topic_name: missing() }, 404, 404));

    await api('GET', `/topics/${name}`, { status: 200 });
    await api('GET', `/topics/${missing()}`, { status: 404, code: 40403 });
    await api('GET', '/topics/bad$name', { status: 400, code: 40002 });
    await api('GET', `/topics/${name}`, { headers: { Accept: 'text/html' }, status: 406, code: 406 });

    const grown = await api('PATCH', `/topics/${name}`, json({ partitions_count: 2 }, 200));
    assert.equal(grown.body.partitions_count, 2);
    await api('PATCH', `/topics/${name}`, json({ partitions_count: 1 }, 400, 40002));
    await api('PATCH', `/topics/${name}`, json({}, 400, 400));
    await api('PATCH', `/topics/${name}`, { headers: JSON_TYPE, status: 422, code: 42206 });
    await api('PATCH', `/topics/${missing()}`, json({ partitions_count: 3 }, 404, 40403));
    await api('PATCH', `/topics/${name}`, { headers: { 'Content-Type': 'text/plain' }, body: '{}', status: 415, code: 415 });

    await api('DELETE', `/topics/${name}`, { status: 204 });
    await api('DELETE', `/topics/${name}`, { status: 404, code: 40403 });
    await api('DELETE', '/topics/bad$name', { status: 400, code: 40002 });
    await api('DELETE', `/topics/${topic}`, { headers: { Accept: 'text/plain' }, status: 406, code: 406 });
  });

  test('partitions, their offsets and replicas', async () => {
    const partitions = await api('GET', `/topics/${topic}/partitions`, { status: 200 });
    assert.equal(partitions.body.data.length, 2);
    await api('GET', `/topics/${missing()}/partitions`, { status: 404, code: 40403 });
    await api('GET', '/topics/bad$name/partitions', { status: 400, code: 40002 });

    await api('GET', `/topics/${topic}/partitions/1`, { status: 200 });
    await api('GET', `/topics/${topic}/partitions/9`, { status: 404, code: 404 });
    await api('GET', `/topics/${topic}/partitions/x`, { status: 404, code: 404 });
    await api('GET', `/topics/${missing()}/partitions/0`, { status: 404, code: 40403 });

    const offsets = await api('GET', `/topics/${topic}/partitions/1/offset?offset_type=earliest_and_latest`, { status: 200 });
    assert.deepEqual([offsets.body.earliest_offset, offsets.body.latest_offset], [0, 3]);
    await api('GET', `/topics/${topic}/partitions/1/offset?offset_type=latest`, { status: 400, code: 400 });
    await api('GET', `/topics/${topic}/partitions/9/offset`, { status: 404, code: 40402 });
    await api('GET', `/topics/${missing()}/partitions/0/offset`, { status: 404, code: 40403 });

    await api('GET', `/topics/${topic}/partitions/0/replicas`, { status: 200 });
    await api('GET', `/topics/${topic}/partitions/9/replicas`, { status: 404, code: 404 });
    await api('GET', `/topics/${topic}/partitions/0/replicas/${broker}`, { status: 200 });
    await api('GET', `/topics/${topic}/partitions/0/replicas/99`, { status: 404, code: 404 });
    await api('GET', `/topics/${missing()}/partitions/0/replicas/${broker}`, { status: 404, code: 40403 });

    const hosted = await api('GET', `/brokers/${broker}/partition-replicas`, { status: 200 });
    assert.ok(hosted.body.data.some((r: { topic_name: string }) => r.topic_name === topic));
    await api('GET', '/brokers/99/partition-replicas', { status: 404, code: 404 });
    await api('GET', '/brokers/first/partition-replicas', { status: 404, code: 404 });
  });

  test('reassignments (none can be in progress on a one-node cluster)', async () => {
    await api('GET', '/topics/-/partitions/-/reassignment', { status: 200 });
    await api('GET', `${other}/topics/-/partitions/-/reassignment`, { status: 404, code: 404 });
    await api('GET', `/topics/${topic}/partitions/-/reassignment`, { status: 200 });
    await api('GET', `/topics/${missing()}/partitions/-/reassignment`, { status: 200 });
    await api('GET', `${other}/topics/${topic}/partitions/-/reassignment`, { status: 404, code: 404 });
    await api('GET', `/topics/${topic}/partitions/0/reassignment`, { status: 404, code: 404 });
    await api('GET', `${other}/topics/${topic}/partitions/0/reassignment`, { status: 404, code: 404 });
  });

  test('consumer groups: groups, members, assignments, lags and the lag summary', async () => {
    const groupId = uniqueTopic('openapi-v3-group');
    const { consumer, memberId } = await nativeMember(groupId, topic, 3, 'openapi-v3-member');
    try {
      await consumer.commitOffsets([
        { topic, partition: 0, offset: '0' },
        { topic, partition: 1, offset: '1' },
      ]);
      const group = `/consumer-groups/${groupId}`;
      const member = `${group}/consumers/${memberId}`;
      const unknown = '/consumer-groups/openapi-v3-no-such-group';

      const groups = await api('GET', '/consumer-groups', { status: 200 });
      assert.ok(groups.body.data.some((g: { consumer_group_id: string }) => g.consumer_group_id === groupId));
      await api('GET', `${other}/consumer-groups`, { status: 404, code: 404 });
      const one = await api('GET', group, { status: 200 });
      assert.equal(one.body.state, 'STABLE');
      await api('GET', unknown, { status: 404, code: 404 });

      const members = await api('GET', `${group}/consumers`, { status: 200 });
      assert.deepEqual(members.body.data.map((c: { consumer_id: string }) => c.consumer_id), [memberId]);
      await api('GET', `${unknown}/consumers`, { status: 404, code: 404 });
      await api('GET', member, { status: 200 });
      await api('GET', `${group}/consumers/no-such-member`, { status: 404, code: 404 });

      const assignments = await api('GET', `${member}/assignments`, { status: 200 });
      assert.equal(assignments.body.data.length, 2);
      await api('GET', `${group}/consumers/no-such-member/assignments`, { status: 404, code: 404 });
      await api('GET', `${member}/assignments/${topic}/partitions/1`, { status: 200 });
      await api('GET', `${member}/assignments/${topic}/partitions/7`, { status: 404, code: 404 });

      const lags = await api('GET', `${group}/lags`, { status: 200 });
      assert.deepEqual(lags.body.data.map((l: { partition_id: number; lag: number }) => [l.partition_id, l.lag]), [[1, 2], [0, 0]]);
      await api('GET', `${unknown}/lags`, { status: 404, code: 404 });
      await api('GET', `${group}/lags/${topic}/partitions/1`, { status: 200 });
      await api('GET', `${group}/lags/${topic}/partitions/7`, { status: 404, code: 404 });
      const summary = await api('GET', `${group}/lag-summary`, { status: 200 });
      assert.deepEqual([summary.body.max_lag, summary.body.total_lag], [2, 2]);
      await api('GET', `${unknown}/lag-summary`, { status: 404, code: 404 });
      await api('GET', `${group}/lag-summary`, { headers: { Accept: 'text/plain' }, status: 406, code: 406 });
    } finally {
      await consumer.disconnect();
    }
  });

  test('every operation of the three tags was exercised', () => {
    assert.deepEqual(coverage(['v3 topics', 'v3 partitions', 'v3 consumer groups']), { missing: [] });
  });
});
