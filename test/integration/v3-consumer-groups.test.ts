/**
 * API v3 consumer groups, consumers, assignments, lags and lag summaries against the suite's
 * broker: exact shapes for a live native kafkajs group with known lags, the proxy's own v2
 * consumer instance as a member like any other, a group that never committed, and every 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import { bootstrapServers, createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { createConsumer, post, readUntil } from '../helpers/consumer.ts';
import { nativeMember } from '../helpers/native-member.ts';
import { call, startTestProxy, type Reply, type TestProxy } from '../helpers/proxy.ts';

const { Kafka, logLevel } = kafkajs;
type Admin = ReturnType<InstanceType<typeof Kafka>['admin']>;

const PROXY_CLIENT_ID = 'rest-proxy-groups';
const NATIVE_CLIENT_ID = 'native-lag-client';

const get = (url: string): Promise<Reply> => call(url, { headers: { Accept: 'application/json' } });

function assertNotFound(reply: Reply, message: string): void {
  assert.equal(reply.status, 404, JSON.stringify(reply.body));
  assert.deepEqual(reply.body, { error_code: 404, message });
}

async function untilGroup(admin: Admin, groupId: string, done: (g: Awaited<ReturnType<Admin['describeGroups']>>['groups'][number]) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done((await admin.describeGroups([groupId])).groups[0]!)) {
    assert.ok(Date.now() < deadline, `group ${groupId} never reached the expected state`);
    await sleep(50);
  }
}

describe('v3 consumer groups', () => {
  let proxy: TestProxy;
  let admin: Admin;
  let cluster: string;
  let broker: number;
  let v3: string; // <proxy>/v3/clusters/<cluster>

  before(async () => {
    proxy = await startTestProxy({ 'client.client.id': PROXY_CLIENT_ID });
    admin = new Kafka({ brokers: [bootstrapServers()], clientId: 'test-admin', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const described = await admin.describeCluster();
    cluster = described.clusterId;
    broker = described.brokers[0]!.nodeId;
    v3 = `${proxy.url}/v3/clusters/${cluster}`;
  });
  after(async () => {
    await admin.disconnect();
    await proxy.close();
  });

  test('a live native group: group, consumer, assignments, lags and summary, exactly', async () => {
    const topic = await createTopic(uniqueTopic('v3-lag'), 2);
    const groupId = uniqueTopic('v3-lag-group');
    const producer = new Kafka({ brokers: [bootstrapServers()], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 3 }, (_, i) => ({ value: `a${i}`, partition: 0 })) });
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `b${i}`, partition: 1 })) });
    await producer.disconnect();

    const { consumer, memberId } = await nativeMember(groupId, topic, 13, NATIVE_CLIENT_ID);
    let stopped = false;
    try {
      // All 3 of partition 0's records committed (lag 0), 4 of partition 1's 10 (lag 6): the
      // most lagging partition comes first in the list, before partition order.
      await consumer.commitOffsets([
        { topic, partition: 0, offset: '3' },
        { topic, partition: 1, offset: '4' },
      ]);
      const group = `${v3}/consumer-groups/${groupId}`;
      const member = `${group}/consumers/${memberId}`;
      const expectedGroup = (state: string) => ({
        kind: 'KafkaConsumerGroup',
        metadata: { self: group, resource_name: `crn:///kafka=${cluster}/consumer-group=${groupId}` },
        cluster_id: cluster,
        consumer_group_id: groupId,
        is_simple: false,
        partition_assignor: state === 'STABLE' ? 'RoundRobinAssigner' : '',
        state,
        type: 'CLASSIC',
        is_mixed_consumer_group: false,
        coordinator: { related: `${v3}/brokers/${broker}` },
        consumers: { related: `${group}/consumers` },
        lag_summary: { related: `${group}/lag-summary` },
      });
      const expectedConsumer = {
        kind: 'KafkaConsumer',
        metadata: { self: member, resource_name: `crn:///kafka=${cluster}/consumer-group=${groupId}/consumer=${memberId}` },
        cluster_id: cluster,
        consumer_group_id: groupId,
        consumer_id: memberId,
        instance_id: null,
        client_id: NATIVE_CLIENT_ID,
        assignments: { related: `${member}/assignments` },
      };
      const expectedAssignment = (partition: number) => ({
        kind: 'KafkaConsumerAssignment',
        metadata: {
          self: `${member}/assignments/${topic}/partitions/${partition}`,
          resource_name: `crn:///kafka=${cluster}/consumer-group=${groupId}/consumer=${memberId}/assignment=${topic}/partition=${partition}`,
        },
        cluster_id: cluster,
        consumer_group_id: groupId,
        consumer_id: memberId,
        topic_name: topic,
        partition_id: partition,
        partition: { related: `${v3}/topics/${topic}/partitions/${partition}` },
        lag: { related: `${group}/lags/${topic}/partitions/${partition}` },
      });
      const expectedLag = (partition: number, current: number, end: number, owner: { id: string; client: string }) => ({
        kind: 'KafkaConsumerLag',
        metadata: {
          self: `${group}/lags/${topic}/partitions/${partition}`,
          resource_name: `crn:///kafka=${cluster}/consumer-group=${groupId}/lag=${topic}/partition=${partition}`,
        },
        cluster_id: cluster,
        consumer_group_id: groupId,
        topic_name: topic,
        partition_id: partition,
        consumer_id: owner.id,
        instance_id: null,
        client_id: owner.client,
        current_offset: current,
        log_end_offset: end,
        lag: end - current,
      });
      const owner = { id: memberId, client: NATIVE_CLIENT_ID };

      const one = await get(group);
      assert.equal(one.status, 200);
      assert.match(one.type ?? '', /^application\/json/);
      assert.deepEqual(one.body, expectedGroup('STABLE'));

      const list = await get(`${v3}/consumer-groups`);
      assert.equal(list.status, 200);
      assert.equal(list.body.kind, 'KafkaConsumerGroupList');
      assert.deepEqual(list.body.metadata, { self: `${v3}/consumer-groups`, next: null });
      assert.deepEqual(
        list.body.data.find((g: { consumer_group_id: string }) => g.consumer_group_id === groupId),
        expectedGroup('STABLE'),
      );
      const ids = list.body.data.map((g: { consumer_group_id: string }) => g.consumer_group_id);
      assert.deepEqual(ids, [...ids].sort(), 'groups are listed by id');

      assert.deepEqual((await get(`${group}/consumers`)).body, {
        kind: 'KafkaConsumerList',
        metadata: { self: `${group}/consumers`, next: null },
        data: [expectedConsumer],
      });
      assert.deepEqual((await get(member)).body, expectedConsumer);
      assert.deepEqual((await get(`${member}/assignments`)).body, {
        kind: 'KafkaConsumerAssignmentList',
        metadata: { self: `${member}/assignments`, next: null },
        data: [expectedAssignment(0), expectedAssignment(1)],
      });
      assert.deepEqual((await get(`${member}/assignments/${topic}/partitions/1`)).body, expectedAssignment(1));

      assert.deepEqual((await get(`${group}/lags`)).body, {
        kind: 'KafkaConsumerLagList',
        metadata: { self: `${group}/lags`, next: null },
        data: [expectedLag(1, 4, 10, owner), expectedLag(0, 3, 3, owner)],
      });
      assert.deepEqual((await get(`${group}/lags/${topic}/partitions/1`)).body, expectedLag(1, 4, 10, owner));
      const expectedSummary = (consumerId: string, clientId: string) => ({
        kind: 'KafkaConsumerGroupLagSummary',
        metadata: { self: `${group}/lag-summary`, resource_name: `crn:///kafka=${cluster}/consumer-group=${groupId}/lag-summary` },
        cluster_id: cluster,
        consumer_group_id: groupId,
        max_lag_consumer_id: consumerId,
        max_lag_instance_id: null,
        max_lag_client_id: clientId,
        max_lag_topic_name: topic,
        max_lag_partition_id: 1,
        max_lag: 6,
        total_lag: 6,
        max_lag_consumer: { related: `${group}/consumers/${consumerId}` },
        max_lag_partition: { related: `${v3}/topics/${topic}/partitions/1` },
      });
      assert.deepEqual((await get(`${group}/lag-summary`)).body, expectedSummary(memberId, NATIVE_CLIENT_ID));

      // Once the member has left, the committed offsets remain, owned by no one: Confluent's blanks.
      await consumer.disconnect();
      stopped = true;
      await untilGroup(admin, groupId, (g) => g.state === 'Empty');
      assert.deepEqual((await get(group)).body, expectedGroup('EMPTY'));
      assert.deepEqual((await get(`${group}/consumers`)).body.data, []);
      const nobody = { id: '', client: '' };
      assert.deepEqual((await get(`${group}/lags`)).body.data, [expectedLag(1, 4, 10, nobody), expectedLag(0, 3, 3, nobody)]);
      assert.deepEqual((await get(`${group}/lag-summary`)).body, expectedSummary('', ''));
    } finally {
      if (!stopped) await consumer.disconnect();
    }
  });

  test("the proxy's own v2 consumer instance is a member like any other", async () => {
    const topic = await createTopic(uniqueTopic('v3-v2-member'), 1);
    const groupId = uniqueTopic('v3-v2-group');
    const producer = new Kafka({ brokers: [bootstrapServers()], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}` })) });

    const base = await createConsumer(proxy.url, groupId, { name: 'v3-member', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    try {
      assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
      assert.equal((await readUntil(base, 5)).length, 5);
      assert.equal((await post(`${base}/offsets`)).status, 200);
      // Three more records the instance has not handed out: lag 3.
      await producer.send({ topic, messages: Array.from({ length: 3 }, (_, i) => ({ value: `w${i}` })) });
      await untilGroup(admin, groupId, (g) => g.state === 'Stable' && g.members.length === 1);
      const described = (await admin.describeGroups([groupId])).groups[0]!;
      const memberId = described.members[0]!.memberId;
      const group = `${v3}/consumer-groups/${groupId}`;

      const one = await get(group);
      assert.equal(one.status, 200);
      assert.equal(one.body.state, 'STABLE');
      assert.equal(one.body.is_simple, false);
      assert.equal(one.body.partition_assignor, described.protocol);

      const consumers = await get(`${group}/consumers`);
      assert.deepEqual(
        consumers.body.data.map((c: Record<string, unknown>) => [c.consumer_id, c.client_id, c.instance_id]),
        [[memberId, PROXY_CLIENT_ID, null]],
      );
      const assignments = await get(`${group}/consumers/${memberId}/assignments`);
      assert.deepEqual(
        assignments.body.data.map((a: Record<string, unknown>) => [a.topic_name, a.partition_id]),
        [[topic, 0]],
      );
      const lags = await get(`${group}/lags`);
      assert.equal(lags.status, 200);
      assert.deepEqual(
        lags.body.data.map((l: Record<string, unknown>) => [l.topic_name, l.partition_id, l.consumer_id, l.client_id, l.current_offset, l.log_end_offset, l.lag]),
        [[topic, 0, memberId, PROXY_CLIENT_ID, 5, 8, 3]],
      );
      const summary = await get(`${group}/lag-summary`);
      assert.equal(summary.body.max_lag_consumer_id, memberId);
      assert.equal(summary.body.max_lag_client_id, PROXY_CLIENT_ID);
      assert.equal(summary.body.max_lag, 3);
      assert.equal(summary.body.total_lag, 3);
    } finally {
      await producer.disconnect();
      await call(base, { method: 'DELETE', headers: { 'Content-Type': 'application/vnd.kafka.v2+json' } });
    }
  });

  test('a group that only commits (a v2 instance with manual assignments) is simple, with no members', async () => {
    const topic = await createTopic(uniqueTopic('v3-simple'), 1);
    const groupId = uniqueTopic('v3-simple-group');
    const producer = new Kafka({ brokers: [bootstrapServers()], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 4 }, (_, i) => ({ value: `s${i}` })) });
    await producer.disconnect();
    const base = await createConsumer(proxy.url, groupId, { name: 'v3-simple', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    try {
      assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);
      assert.equal((await readUntil(base, 4)).length, 4);
      assert.equal((await post(`${base}/offsets`, { offsets: [{ topic, partition: 0, offset: 0 }] })).status, 200);
      const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions[0]!.offset;
      const group = `${v3}/consumer-groups/${groupId}`;
      const one = await get(group);
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.deepEqual(
        [one.body.is_simple, one.body.state, one.body.partition_assignor],
        [true, 'EMPTY', ''],
      );
      assert.deepEqual((await get(`${group}/consumers`)).body.data, []);
      assert.deepEqual(
        (await get(`${group}/lags`)).body.data.map((l: Record<string, unknown>) => [l.consumer_id, l.client_id, l.instance_id, l.current_offset, l.log_end_offset]),
        [['', '', null, Number(committed), 4]],
      );
      const summary = (await get(`${group}/lag-summary`)).body;
      assert.deepEqual([summary.max_lag_consumer_id, summary.max_lag, summary.max_lag_consumer], ['', 4 - Number(committed), { related: `${group}/consumers/` }]);
    } finally {
      await call(base, { method: 'DELETE', headers: { 'Content-Type': 'application/vnd.kafka.v2+json' } });
    }
  });

  test('a group that never committed: 200 for the group, 404 for its lags and lag summary', async () => {
    const topic = await createTopic(uniqueTopic('v3-no-commit'), 1);
    const groupId = uniqueTopic('v3-no-commit-group');
    const { consumer, memberId } = await nativeMember(groupId, topic, 0, NATIVE_CLIENT_ID);
    try {
      await untilGroup(admin, groupId, (g) => g.state === 'Stable');
      const group = `${v3}/consumer-groups/${groupId}`;
      const one = await get(group);
      assert.equal(one.status, 200);
      assert.equal(one.body.state, 'STABLE');
      assert.deepEqual(
        (await get(`${group}/consumers`)).body.data.map((c: { consumer_id: string }) => c.consumer_id),
        [memberId],
      );
      assertNotFound(await get(`${group}/lags`), 'Consumer group offsets could not be found.');
      assertNotFound(await get(`${group}/lags/${topic}/partitions/0`), 'Consumer group offsets could not be found.');
      assertNotFound(await get(`${group}/lag-summary`), 'Consumer group offsets could not be found.');
    } finally {
      await consumer.disconnect();
    }
  });

  test('unknown cluster, group, consumer, assignment and lag: 404 with Confluent messages', async () => {
    const topic = await createTopic(uniqueTopic('v3-unknown'), 1);
    const groupId = uniqueTopic('v3-unknown-group');
    const producer = new Kafka({ brokers: [bootstrapServers()], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'x' }] });
    await producer.disconnect();
    const { consumer, memberId } = await nativeMember(groupId, topic, 1, NATIVE_CLIENT_ID);
    try {
      await consumer.commitOffsets([{ topic, partition: 0, offset: '1' }]);
      const group = `${v3}/consumer-groups/${groupId}`;
      const member = `${group}/consumers/${memberId}`;

      const elsewhere = `${proxy.url}/v3/clusters/foobar/consumer-groups`;
      for (const path of [
        '',
        `/${groupId}`,
        `/${groupId}/consumers`,
        `/${groupId}/consumers/${memberId}`,
        `/${groupId}/consumers/${memberId}/assignments`,
        `/${groupId}/consumers/${memberId}/assignments/${topic}/partitions/0`,
        `/${groupId}/lags`,
        `/${groupId}/lags/${topic}/partitions/0`,
        `/${groupId}/lag-summary`,
      ]) {
        assertNotFound(await get(`${elsewhere}${path}`), 'Cluster foobar cannot be found.');
      }

      const missing = `${v3}/consumer-groups/no-such-group`;
      assertNotFound(await get(missing), 'HTTP 404 Not Found');
      assertNotFound(await get(`${missing}/consumers`), 'Consumer Group no-such-group does not exist.');
      assertNotFound(await get(`${missing}/consumers/${memberId}`), 'Consumer Group no-such-group does not exist.');
      assertNotFound(await get(`${missing}/consumers/${memberId}/assignments`), 'Consumer Group no-such-group does not exist.');
      assertNotFound(await get(`${missing}/lags`), 'Consumer Group no-such-group could not be found.');
      assertNotFound(await get(`${missing}/lags/${topic}/partitions/0`), 'Consumer Group no-such-group could not be found.');
      assertNotFound(await get(`${missing}/lag-summary`), 'Consumer Group no-such-group could not be found.');

      assertNotFound(await get(`${group}/consumers/no-such-member`), 'HTTP 404 Not Found');
      assertNotFound(await get(`${group}/consumers/no-such-member/assignments`), 'Consumer no-such-member does not exist.');
      assertNotFound(await get(`${group}/consumers/no-such-member/assignments/${topic}/partitions/0`), 'Consumer no-such-member does not exist.');
      assertNotFound(await get(`${member}/assignments/${topic}/partitions/1`), 'HTTP 404 Not Found');
      assertNotFound(await get(`${member}/assignments/other-topic/partitions/0`), 'HTTP 404 Not Found');
      assertNotFound(await get(`${member}/assignments/${topic}/partitions/zero`), 'HTTP 404 Not Found');
      assertNotFound(await get(`${group}/lags/${topic}/partitions/1`), 'HTTP 404 Not Found');
      assertNotFound(await get(`${group}/lags/other-topic/partitions/0`), 'HTTP 404 Not Found');
      assertNotFound(await get(`${group}/lags/${topic}/partitions/-1`), 'HTTP 404 Not Found');
      // The group itself is there all along.
      assert.equal((await get(group)).status, 200);
      assert.equal((await get(`${group}/lags/${topic}/partitions/0`)).body.lag, 0);
    } finally {
      await consumer.disconnect();
    }
  });
});
