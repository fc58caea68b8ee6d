/**
 * API v3 topics against the real broker (one node, `num.partitions=3`): list, get, create (also
 * validate-only, with replica assignments and configs), PATCH to add partitions, delete — with
 * Confluent's exact bodies and every refusal its TopicsResourceIntegrationTest and
 * JsonParsingErrorTest check.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigResourceTypes } from '../../src/kafka/client.ts';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { call, startTestProxy, type Reply, type TestProxy } from '../helpers/proxy.ts';

const JSON_TYPE = { 'Content-Type': 'application/json' };

describe('v3 topics', () => {
  let proxy: TestProxy;
  let clusterId: string;
  let base: string; // <url>/v3/clusters/<cid>
  let two: string; // 2 partitions
  let one: string; // 1 partition

  const topicBody = (name: string, partitions: number, replicationFactor = 1) => ({
    kind: 'KafkaTopic',
    metadata: { self: `${base}/topics/${name}`, resource_name: `crn:///kafka=${clusterId}/topic=${name}` },
    cluster_id: clusterId,
    topic_name: name,
    is_internal: false,
    replication_factor: replicationFactor,
    partitions_count: partitions,
    partitions: { related: `${base}/topics/${name}/partitions` },
    configs: { related: `${base}/topics/${name}/configs` },
    partition_reassignments: { related: `${base}/topics/${name}/partitions/-/reassignment` },
    authorized_operations: [],
  });
  const post = (body: unknown, path = '/topics'): Promise<Reply> => call(`${base}${path}`, { method: 'POST', headers: JSON_TYPE, body });
  const patch = (name: string, body: unknown): Promise<Reply> => call(`${base}/topics/${name}`, { method: 'PATCH', headers: JSON_TYPE, body });
  const get = (name: string): Promise<Reply> => call(`${base}/topics/${name}`);

  async function brokerTopics(): Promise<string[]> {
    const admin = nativeKafka().admin();
    await admin.connect();
    try {
      return await admin.listTopics();
    } finally {
      await admin.disconnect();
    }
  }

  async function nativeClusterId(): Promise<string> {
    const admin = nativeKafka().admin();
    await admin.connect();
    try {
      return (await admin.describeCluster()).clusterId;
    } finally {
      await admin.disconnect();
    }
  }

  before(async () => {
    proxy = await startTestProxy();
    clusterId = await nativeClusterId();
    base = `${proxy.url}/v3/clusters/${clusterId}`;
    two = await createTopic(uniqueTopic('v3t-two'), 2);
    one = await createTopic(uniqueTopic('v3t-one'), 1);
  });
  after(() => proxy.close());

  test('the list holds every topic as a KafkaTopic, sorted by name, without internal topics', async () => {
    const reply = await call(`${base}/topics`);
    assert.equal(reply.status, 200);
    assert.match(reply.type ?? '', /^application\/json/);
    assert.equal(reply.body.kind, 'KafkaTopicList');
    assert.deepEqual(reply.body.metadata, { self: `${base}/topics`, next: null });
    const names = reply.body.data.map((t: { topic_name: string }) => t.topic_name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(!names.some((n: string) => n.startsWith('__')), 'no internal topics');
    assert.deepEqual(reply.body.data.find((t: { topic_name: string }) => t.topic_name === two), topicBody(two, 2));
    assert.deepEqual(reply.body.data.find((t: { topic_name: string }) => t.topic_name === one), topicBody(one, 1));
  });

  test('one topic is its KafkaTopic; an unknown one is 404/40403 in Kafka words', async () => {
    const reply = await get(two);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, topicBody(two, 2));
    const missing = await get(uniqueTopic('v3t-missing'));
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error_code: 40403, message: 'This server does not host this topic-partition.' });
  });

  test("Kafka's internal topics: left out of the list, is_internal when asked for by name", async () => {
    // A group's first committed offset makes the broker create __consumer_offsets.
    const admin = nativeKafka().admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId: uniqueTopic('v3t-group'), topic: one, partitions: [{ partition: 0, offset: '0' }] });
    } finally {
      await admin.disconnect();
    }
    const internal = await get('__consumer_offsets');
    assert.equal(internal.status, 200);
    assert.equal(internal.body.is_internal, true);
    assert.equal(internal.body.topic_name, '__consumer_offsets');
    const list = await call(`${base}/topics`);
    assert.ok(!list.body.data.some((t: { topic_name: string }) => t.topic_name === '__consumer_offsets'));
  });

  test('an unknown cluster is 404 on every topic route, without an Accept header too', async () => {
    const other = `${proxy.url}/v3/clusters/foobar`;
    const expected = { error_code: 404, message: 'Cluster foobar cannot be found.' };
    const replies = [
      await call(`${other}/topics`),
      await call(`${other}/topics/${two}`),
      await call(`${other}/topics`, { method: 'POST', headers: JSON_TYPE, body: { topic_name: uniqueTopic('v3t'), partitions_count: 1 } }),
      await call(`${other}/topics/${two}`, { method: 'PATCH', headers: JSON_TYPE, body: { partitions_count: 5 } }),
      await call(`${other}/topics/${two}`, { method: 'DELETE' }),
    ];
    for (const reply of replies) {
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.body, expected);
    }
    assert.equal((await get(two)).body.partitions_count, 2, 'nothing changed');
  });

  test('create answers 201 with the new topic and its Location, and the topic exists', async () => {
    const name = uniqueTopic('v3t-new');
    const reply = await post({ topic_name: name, partitions_count: 2, replication_factor: 1 });
    assert.equal(reply.status, 201);
    assert.deepEqual(reply.body, topicBody(name, 2));
    assert.equal(reply.headers.get('location'), `${base}/topics/${name}`);
    assert.ok((await brokerTopics()).includes(name));
    assert.deepEqual((await get(name)).body, topicBody(name, 2));
  });

  test('counts left out are the broker defaults (num.partitions=3, replication factor 1)', async () => {
    const bare = uniqueTopic('v3t-bare');
    const reply = await post({ topic_name: bare });
    assert.equal(reply.status, 201);
    assert.deepEqual(reply.body, topicBody(bare, 3));
    assert.equal((await get(bare)).body.partitions_count, 3);
    const dry = uniqueTopic('v3t-bare-dry');
    const validated = await post({ topic_name: dry, validate_only: true });
    assert.equal(validated.status, 200);
    assert.deepEqual(validated.body, topicBody(dry, 3));
  });

  test('validate_only answers 200 with the topic it would create, and creates nothing', async () => {
    const name = uniqueTopic('v3t-dry');
    const reply = await post({ topic_name: name, partitions_count: 4, replication_factor: 1, validate_only: true });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, topicBody(name, 4));
    assert.equal(reply.headers.get('location'), `${base}/topics/${name}`);
    assert.ok(!(await brokerTopics()).includes(name));
    assert.equal((await get(name)).status, 404);
  });

  test('replicas_assignments decide the counts; configs are applied', async () => {
    const assigned = uniqueTopic('v3t-assigned');
    const reply = await post({ topic_name: assigned, partitions_count: 7, replicas_assignments: { '0': [1], '1': [1] } });
    assert.equal(reply.status, 201);
    assert.deepEqual(reply.body, topicBody(assigned, 2));
    assert.equal((await get(assigned)).body.partitions_count, 2);

    const compacted = uniqueTopic('v3t-compact');
    const created = await post({ topic_name: compacted, partitions_count: 1, configs: [{ name: 'cleanup.policy', value: 'compact' }] });
    assert.equal(created.status, 201);
    const admin = nativeKafka().admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: compacted, configNames: ['cleanup.policy'] }],
      });
      assert.equal(resources[0]?.configEntries[0]?.configValue, 'compact');
    } finally {
      await admin.disconnect();
    }
  });

  test('an existing topic is 400/40002 "already exists", also when only validating', async () => {
    for (const validate_only of [false, true]) {
      const reply = await post({ topic_name: two, partitions_count: 2, replication_factor: 1, validate_only });
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.body, { error_code: 40002, message: `Topic '${two}' already exists.` });
    }
  });

  test('what Kafka refuses is 400/40002, and nothing is created', async () => {
    const refused = [
      { partitions_count: 1, replication_factor: 2 }, // more replicas than brokers
      { partitions_count: 0 },
      { partitions_count: 1, configs: [{ name: 'cleanup.policy', value: 'sometimes' }] },
      { replicas_assignments: { '0': [7] } }, // no broker 7
    ];
    for (const fields of refused) {
      const name = uniqueTopic('v3t-refused');
      const reply = await post({ topic_name: name, ...fields });
      assert.equal(reply.status, 400, JSON.stringify(fields));
      assert.equal(reply.body.error_code, 40002, JSON.stringify(reply.body));
      assert.equal((await get(name)).status, 404);
    }
  });

  test('an empty body and an illegal topic name are 422/42206', async () => {
    const empty = await call(`${base}/topics`, { method: 'POST', headers: JSON_TYPE });
    assert.equal(empty.status, 422);
    assert.deepEqual(empty.body, { error_code: 42206, message: 'Payload error. Request body is empty. Data is required.' });
    for (const name of ['a b', '', '.', '..', 'x'.repeat(250), 'é']) {
      const reply = await post({ topic_name: name, partitions_count: 1 });
      assert.equal(reply.status, 422, name);
      assert.deepEqual(reply.body, { error_code: 42206, message: 'Payload error. Invalid topic name.' });
    }
  });

  test('a body that does not bind is 400 with Jackson words (foobar, {}, unknown field, wrong type)', async () => {
    const foobar = await post('foobar');
    assert.equal(foobar.status, 400);
    assert.equal(foobar.body.error_code, 400);
    const bare = await post({});
    assert.equal(bare.status, 400);
    assert.deepEqual(bare.body, {
      error_code: 400,
      message: 'Cannot construct instance of `io.confluent.kafkarest.entities.v3.CreateTopicRequest`, problem: Null topicName',
    });
    const unknown = await post({ topic_name: uniqueTopic('v3t'), partition_count: 1 });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.message, /^Unrecognized field "partition_count" \(class io\.confluent\.kafkarest\.entities\.v3\.CreateTopicRequest\)/);
    const wrongType = await post({ topic_name: uniqueTopic('v3t'), partitions_count: 'many' });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.body.message, /^Cannot deserialize value of type `java\.lang\.Integer` from String "many"/);
    const badKey = await post({ topic_name: uniqueTopic('v3t'), replicas_assignments: { zero: [1] } });
    assert.equal(badKey.status, 400);
    assert.match(badKey.body.message, /Map key of type `java\.lang\.Integer`/);
    const nameless = await post({ topic_name: uniqueTopic('v3t'), configs: [{ value: 'compact' }] });
    assert.equal(nameless.status, 400);
    assert.match(nameless.body.message, /CreateTopicRequest\$ConfigEntry`, problem: Null name/);
    const notJson = await call(`${base}/topics`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    assert.equal(notJson.status, 415);
  });

  test('PATCH partitions_count grows the topic and answers it; fewer or as many are 400/40002', async () => {
    const name = await createTopic(uniqueTopic('v3t-grow'), 2);
    const grown = await patch(name, { partitions_count: 3 });
    assert.equal(grown.status, 200);
    assert.deepEqual(grown.body, topicBody(name, 3));
    assert.equal((await get(name)).body.partitions_count, 3);
    for (const partitions_count of [3, 1]) {
      const refused = await patch(name, { partitions_count });
      assert.equal(refused.status, 400, String(partitions_count));
      assert.equal(refused.body.error_code, 40002);
    }
    assert.equal((await get(name)).body.partitions_count, 3);
  });

  test('PATCH: an unknown topic is 404/40403, an empty body 422/42206, {} 400', async () => {
    const missing = await patch(uniqueTopic('v3t-missing'), { partitions_count: 1 });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error_code: 40403, message: 'This server does not host this topic-partition.' });
    const empty = await call(`${base}/topics/${one}`, { method: 'PATCH', headers: JSON_TYPE });
    assert.equal(empty.status, 422);
    assert.deepEqual(empty.body, { error_code: 42206, message: 'Payload error. Request body is empty. Partitions_count is required.' });
    const bare = await patch(one, {});
    assert.equal(bare.status, 400);
    assert.deepEqual(bare.body, {
      error_code: 400,
      message: 'Cannot construct instance of `io.confluent.kafkarest.entities.v3.PartitionsCountRequest`, problem: Null partitionsCount',
    });
    assert.equal((await get(one)).body.partitions_count, 1);
  });

  test('DELETE answers 204 without a body; the topic is then 404, and so is a second DELETE', async () => {
    const name = await createTopic(uniqueTopic('v3t-doomed'), 1);
    const deleted = await call(`${base}/topics/${name}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body, undefined);
    assert.ok(!(await brokerTopics()).includes(name));
    const gone = await get(name);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error_code, 40403);
    const again = await call(`${base}/topics/${name}`, { method: 'DELETE', headers: { Accept: 'application/json' } });
    assert.equal(again.status, 404);
    assert.deepEqual(again.body, { error_code: 40403, message: 'This server does not host this topic-partition.' });
  });

  test('create, delete and create again under the same name', async () => {
    const name = uniqueTopic('v3t-again');
    assert.equal((await get(name)).status, 404);
    assert.equal((await post({ topic_name: name, partitions_count: 1 })).status, 201);
    assert.equal((await call(`${base}/topics/${name}`, { method: 'DELETE' })).status, 204);
    assert.equal((await get(name)).status, 404);
    const recreated = await post({ topic_name: name, partitions_count: 2 });
    assert.equal(recreated.status, 201);
    assert.deepEqual((await get(name)).body, topicBody(name, 2));
  });
});
