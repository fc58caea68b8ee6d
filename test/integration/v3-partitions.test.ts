/**
 * API v3 partitions, replicas, partition offsets and reassignments against the real broker (one
 * node), with Confluent's exact bodies and its 404s and 400s. No reassignment can be in progress
 * on a one-node cluster, so the shape of a non-empty one is checked on admin answers given here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Admin } from '../../src/kafka/client.ts';
import { listReassignments } from '../../src/kafka/v3/partitions.ts';
import { reassignmentData } from '../../src/http/v3/reassignments.ts';
import { V3Links } from '../../src/http/v3/resources.ts';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { call, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const NOT_FOUND = { error_code: 404, message: 'HTTP 404 Not Found' };
const NO_CLUSTER = { error_code: 404, message: 'Cluster foobar cannot be found.' };

describe('v3 partitions, replicas, offsets and reassignments', () => {
  let proxy: TestProxy;
  let clusterId: string;
  let brokerId: number;
  let base: string; // <url>/v3/clusters/<cid>
  let topic: string; // 2 partitions; partition 1 holds records 1..4 after its first one was deleted

  const partitionBody = (name: string, p: number) => ({
    kind: 'KafkaPartition',
    metadata: { self: `${base}/topics/${name}/partitions/${p}`, resource_name: `crn:///kafka=${clusterId}/topic=${name}/partition=${p}` },
    cluster_id: clusterId,
    topic_name: name,
    partition_id: p,
    leader: { related: `${base}/topics/${name}/partitions/${p}/replicas/${brokerId}` },
    replicas: { related: `${base}/topics/${name}/partitions/${p}/replicas` },
    reassignment: { related: `${base}/topics/${name}/partitions/${p}/reassignment` },
  });
  const replicaBody = (name: string, p: number) => ({
    kind: 'KafkaReplica',
    metadata: {
      self: `${base}/topics/${name}/partitions/${p}/replicas/${brokerId}`,
      resource_name: `crn:///kafka=${clusterId}/topic=${name}/partition=${p}/replica=${brokerId}`,
    },
    cluster_id: clusterId,
    topic_name: name,
    partition_id: p,
    broker_id: brokerId,
    is_leader: true,
    is_in_sync: true,
    broker: { related: `${base}/brokers/${brokerId}` },
  });
  const offsetsBody = (p: number, earliest: number, latest: number) => ({
    kind: 'KafkaPartitionWithOffsets',
    metadata: {
      self: `${base}/topics/${topic}/partitions/${p}/offset`,
      resource_name: `crn:///kafka=${clusterId}/topic=${topic}/partition=${p}/offset_type=earliest_and_latest`,
    },
    cluster_id: clusterId,
    topic_name: topic,
    partition_id: p,
    earliest_offset: earliest,
    latest_offset: latest,
  });
  const get = (path: string) => call(`${base}${path}`);
  const missingTopic = (name: string, p: number) => ({
    error_code: 40403,
    message: `This server does not host topic-partition ${p} for topic ${name}. Error: This server does not host this topic-partition.`,
  });

  before(async () => {
    const admin = nativeKafka().admin();
    await admin.connect();
    const producer = nativeKafka().producer();
    await producer.connect();
    try {
      const cluster = await admin.describeCluster();
      clusterId = cluster.clusterId;
      brokerId = cluster.brokers[0]!.nodeId;
      topic = await createTopic(uniqueTopic('v3p'), 2);
      await producer.send({ topic, messages: [0, 1, 2, 3, 4].map((i) => ({ partition: 1, value: `r${i}` })) });
      await admin.fetchTopicMetadata({ topics: [topic] }); // deleteTopicRecords needs it loaded
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 1, offset: '1' }] });
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
    proxy = await startTestProxy();
    base = `${proxy.url}/v3/clusters/${clusterId}`;
  });
  after(() => proxy.close());

  test('a topic lists its partitions as KafkaPartitions, leader linked to its replica', async () => {
    const reply = await get(`/topics/${topic}/partitions`);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, {
      kind: 'KafkaPartitionList',
      metadata: { self: `${base}/topics/${topic}/partitions`, next: null },
      data: [partitionBody(topic, 0), partitionBody(topic, 1)],
    });
    const one = await get(`/topics/${topic}/partitions/1`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, partitionBody(topic, 1));
  });

  test('partitions: an unknown partition or id is 404, an unknown topic 404/40403, an unknown cluster 404', async () => {
    for (const p of ['2', '-1', 'abc', '99999999999']) {
      const reply = await get(`/topics/${topic}/partitions/${p}`);
      assert.equal(reply.status, 404, p);
      assert.deepEqual(reply.body, NOT_FOUND, p);
    }
    const name = uniqueTopic('v3p-missing');
    const list = await get(`/topics/${name}/partitions`);
    assert.equal(list.status, 404);
    assert.deepEqual(list.body, { error_code: 40403, message: 'This server does not host this topic-partition.' });
    const one = await get(`/topics/${name}/partitions/0`);
    assert.equal(one.status, 404);
    assert.deepEqual(one.body, missingTopic(name, 0));
    for (const path of [`/topics/${topic}/partitions`, `/topics/${topic}/partitions/0`]) {
      const reply = await call(`${proxy.url}/v3/clusters/foobar${path}`);
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.body, NO_CLUSTER);
    }
  });

  test('offset: earliest and latest offsets of a partition, with or without offset_type', async () => {
    for (const query of ['', '?offset_type=earliest_and_latest']) {
      const reply = await get(`/topics/${topic}/partitions/1/offset${query}`);
      assert.equal(reply.status, 200, query);
      assert.deepEqual(reply.body, offsetsBody(1, 1, 5));
    }
    assert.deepEqual((await get(`/topics/${topic}/partitions/0/offset`)).body, offsetsBody(0, 0, 0));
  });

  test('offset: another offset_type is 400 (before the cluster is looked up); unknown partition 40402, topic 40403', async () => {
    const foobar = await get(`/topics/${topic}/partitions/1/offset?offset_type=foobar`);
    assert.equal(foobar.status, 400);
    assert.deepEqual(foobar.body, { error_code: 400, message: 'offset_type:foobar is invalid' });
    const elsewhere = await call(`${proxy.url}/v3/clusters/foobar/topics/${topic}/partitions/1/offset?offset_type=latest`);
    assert.equal(elsewhere.status, 400);
    assert.deepEqual(elsewhere.body, { error_code: 400, message: 'offset_type:latest is invalid' });
    const partition = await get(`/topics/${topic}/partitions/7/offset`);
    assert.equal(partition.status, 404);
    assert.deepEqual(partition.body, { error_code: 40402, message: 'Partition not found.' });
    const name = uniqueTopic('v3p-missing');
    const missing = await get(`/topics/${name}/partitions/0/offset`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, missingTopic(name, 0));
    const cluster = await call(`${proxy.url}/v3/clusters/foobar/topics/${topic}/partitions/1/offset`);
    assert.equal(cluster.status, 404);
    assert.deepEqual(cluster.body, NO_CLUSTER);
  });

  test('replicas: a partition lists its KafkaReplicas; one replica is its KafkaReplica', async () => {
    const list = await get(`/topics/${topic}/partitions/0/replicas`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, {
      kind: 'KafkaReplicaList',
      metadata: { self: `${base}/topics/${topic}/partitions/0/replicas`, next: null },
      data: [replicaBody(topic, 0)],
    });
    const one = await get(`/topics/${topic}/partitions/1/replicas/${brokerId}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, replicaBody(topic, 1));
  });

  test('replicas: unknown replica 404, unknown partition and topic in Confluent words, unknown cluster 404', async () => {
    assert.deepEqual((await get(`/topics/${topic}/partitions/0/replicas/99`)).body, NOT_FOUND);
    assert.deepEqual((await get(`/topics/${topic}/partitions/0/replicas/one`)).body, NOT_FOUND);
    for (const path of [`/topics/${topic}/partitions/9/replicas`, `/topics/${topic}/partitions/9/replicas/${brokerId}`]) {
      const reply = await get(path);
      assert.equal(reply.status, 404, path);
      assert.deepEqual(reply.body, { error_code: 404, message: `Partition 9 of topic ${topic} could not be found on cluster ${clusterId}.` });
    }
    const name = uniqueTopic('v3p-missing');
    const missing = await get(`/topics/${name}/partitions/0/replicas`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, missingTopic(name, 0));
    const cluster = await call(`${proxy.url}/v3/clusters/foobar/topics/${topic}/partitions/0/replicas/${brokerId}`);
    assert.deepEqual(cluster.body, NO_CLUSTER);
  });

  test("a broker's partition-replicas: every replica it hosts, by topic then partition", async () => {
    const reply = await get(`/brokers/${brokerId}/partition-replicas`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.kind, 'KafkaReplicaList');
    assert.deepEqual(reply.body.metadata, { self: `${base}/brokers/${brokerId}/partition-replicas`, next: null });
    const data = reply.body.data as Array<{ topic_name: string; partition_id: number }>;
    assert.deepEqual(
      data.filter((r) => r.topic_name === topic),
      [replicaBody(topic, 0), replicaBody(topic, 1)],
    );
    const order = data.map((r) => [r.topic_name, r.partition_id] as const);
    const sorted = [...order].sort(([t1, p1], [t2, p2]) => (t1 < t2 ? -1 : t1 > t2 ? 1 : p1 - p2));
    assert.deepEqual(order, sorted);
  });

  test("a broker's partition-replicas: unknown broker, id and cluster are 404", async () => {
    const unknown = await get('/brokers/99/partition-replicas');
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.body, { error_code: 404, message: 'Broker 99 cannot be found.' });
    assert.deepEqual((await get('/brokers/first/partition-replicas')).body, NOT_FOUND);
    assert.deepEqual((await call(`${proxy.url}/v3/clusters/foobar/brokers/${brokerId}/partition-replicas`)).body, NO_CLUSTER);
  });

  test('reassignments: none in progress, listed empty for the cluster, a topic and a missing topic', async () => {
    const all = await get('/topics/-/partitions/-/reassignment');
    assert.equal(all.status, 200);
    assert.deepEqual(all.body, {
      kind: 'KafkaReassignmentList',
      metadata: { self: `${base}/topics/-/partitions/-/reassignments`, next: null },
      data: [],
    });
    for (const name of [topic, uniqueTopic('v3p-missing')]) {
      const reply = await get(`/topics/${name}/partitions/-/reassignment`);
      assert.equal(reply.status, 200, name);
      assert.deepEqual(reply.body, {
        kind: 'KafkaReassignmentList',
        metadata: { self: `${base}/topics/${name}/partitions/-/reassignments`, next: null },
        data: [],
      });
    }
  });

  test('reassignments: a partition without one is 404; unknown cluster 404 on all three routes', async () => {
    const reply = await get(`/topics/${topic}/partitions/0/reassignment`);
    assert.equal(reply.status, 404);
    assert.deepEqual(reply.body, NOT_FOUND);
    assert.deepEqual((await get(`/topics/${topic}/partitions/x/reassignment`)).body, NOT_FOUND);
    for (const path of ['/topics/-/partitions/-/reassignment', `/topics/${topic}/partitions/-/reassignment`, `/topics/${topic}/partitions/0/reassignment`]) {
      const other = await call(`${proxy.url}/v3/clusters/foobar${path}`);
      assert.equal(other.status, 404, path);
      assert.deepEqual(other.body, NO_CLUSTER);
    }
  });

  test('reassignments in progress: sorted by topic then partition, filtered by topic, as KafkaReassignments', async () => {
    const answer = {
      topics: [
        { topic: 'b', partitions: [{ partitionIndex: 1, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] }] },
        {
          topic: 'a',
          partitions: [
            { partitionIndex: 2, replicas: [2, 4] },
            { partitionIndex: 0, replicas: [1, 2], addingReplicas: [2], removingReplicas: [] },
          ],
        },
      ],
    };
    const admin = { listPartitionReassignments: async () => answer } as unknown as Admin;
    const all = await listReassignments(admin);
    assert.deepEqual(
      all.map((r) => [r.topic, r.partitionId]),
      [['a', 0], ['a', 2], ['b', 1]],
    );
    assert.deepEqual(all[1], { topic: 'a', partitionId: 2, addingReplicas: [], removingReplicas: [] });
    assert.deepEqual(await listReassignments(admin, 'b'), [{ topic: 'b', partitionId: 1, addingReplicas: [3], removingReplicas: [1] }]);

    const links = new V3Links('http://h:8082', 'C');
    const entry = { kind: 'KafkaReassignment', cluster_id: 'C', topic_name: 'b', partition_id: 1, adding_replicas: [3], removing_replicas: [1] };
    const replicas = { related: 'http://h:8082/v3/clusters/C/topics/b/partitions/1/replicas' };
    assert.deepEqual(reassignmentData(links, all[2]!, 'reassignment'), {
      ...entry,
      metadata: { self: 'http://h:8082/v3/clusters/C/topics/b/partitions/1/reassignment', resource_name: 'crn:///kafka=C/topic=b/partition=1/reassignment' },
      replicas,
    });
    assert.deepEqual(reassignmentData(links, all[2]!, 'reassignments'), {
      ...entry,
      metadata: { self: 'http://h:8082/v3/clusters/C/topics/b/partitions/1/reassignments', resource_name: 'crn:///kafka=C/topic=b/partition=1/reassignments' },
      replicas,
    });
  });
});
