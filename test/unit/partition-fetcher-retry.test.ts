/**
 * The partition fetcher's retries on fresh metadata, against a fake cluster (a real single-node
 * broker cannot move a leader): a partition whose leader moved is fetched again from the new one
 * after a refresh, the other partitions are neither failed nor fetched twice, and every retry
 * loop stays within its attempts and wait.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InternalBroker, InternalCluster, InternalFetchedPartition } from '../../src/kafka/client.ts';
import { PartitionFetcher } from '../../src/kafka/partition-fetcher.ts';

const NOT_LEADER = 6;
const TOPIC_AUTHORIZATION_FAILED = 29;
const OFFSET_OUT_OF_RANGE = 1;
const FETCH = { maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, maxBytesPerPartition: 1 << 20 };

type FetchRequest = Parameters<InternalBroker['fetch']>[0];
type Answer = (partition: number, fetchOffset: number) => InternalFetchedPartition | Error;

const record = (partition: number, offset: number): InternalFetchedPartition => ({
  partition,
  errorCode: 0,
  highWatermark: String(offset + 1),
  messages: [
    {
      offset: String(offset),
      key: null,
      value: Buffer.from(`p${partition}@${offset}`),
      timestamp: '0',
      batchContext: { firstOffset: String(offset), lastOffsetDelta: 0, producerId: '-1', inTransaction: false, isControlBatch: false },
    },
  ],
});
const failure = (partition: number, errorCode: number): InternalFetchedPartition => ({ partition, errorCode, highWatermark: '-1', messages: [] });
const connectionClosed = () => Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' });

/** Brokers by node id, each answering per partition; `leaders` is what the metadata says. */
class FakeCluster implements InternalCluster {
  refreshes = 0;
  coordinatorLookups = 0;
  readonly requests: Array<{ node: number; request: FetchRequest }> = [];
  commitAnswers: Array<Error | null> = [];

  constructor(
    public leaders: Record<number, number>,
    private readonly answers: Record<number, Answer>,
    private readonly onRefresh: (cluster: FakeCluster) => void = () => undefined,
  ) {}

  async connect() {}
  async disconnect() {}
  async addMultipleTargetTopics() {}
  async refreshMetadata() {
    this.refreshes++;
    this.onRefresh(this);
  }
  findLeaderForPartitions(_topic: string, partitions: number[]) {
    const result: Record<string, number[]> = {};
    for (const p of partitions) (result[this.leaders[p]!] ??= []).push(p);
    return result;
  }
  findTopicPartitionMetadata() {
    return Object.entries(this.leaders).map(([p, leader]) => ({ partitionId: Number(p), leader }));
  }
  async findBroker({ nodeId }: { nodeId: string | number }): Promise<InternalBroker> {
    const node = Number(nodeId);
    const answer = this.answers[node]!;
    return this.broker(async (request) => {
      this.requests.push({ node, request });
      const partitions = request.topics[0]!.partitions.map((p) => answer(p.partition, Number(p.fetchOffset)));
      const thrown = partitions.find((p): p is Error => p instanceof Error);
      if (thrown) throw thrown;
      return { responses: [{ topicName: request.topics[0]!.topic, partitions: partitions as InternalFetchedPartition[] }] };
    });
  }
  async findGroupCoordinator(): Promise<InternalBroker> {
    this.coordinatorLookups++;
    return this.broker(async () => ({ responses: [] }));
  }
  async fetchTopicsOffset() {
    return [];
  }
  private broker(fetch: InternalBroker['fetch']): InternalBroker {
    return {
      fetch,
      offsetCommit: async () => {
        const error = this.commitAnswers.shift();
        if (error) throw error;
      },
      offsetFetch: async () => ({ responses: [] }),
      leaveGroup: async () => undefined,
    };
  }
  asked(node: number, partition: number): number {
    return this.requests.filter((r) => r.node === node && r.request.topics[0]!.partitions.some((p) => p.partition === partition)).length;
  }
}

const positions = [
  { topic: 't', partition: 0, offset: 5 },
  { topic: 't', partition: 1, offset: 7 },
];
const seen = (records: Array<{ partition: number; offset: number }>) => records.map((r) => `${r.partition}@${r.offset}`).sort();

describe('PartitionFetcher retries on fresh metadata', () => {
  test('a leader move: refresh, fetch the moved partition from its new leader, keep the rest', async () => {
    const cluster = new FakeCluster(
      { 0: 1, 1: 1 },
      { 1: (p, at) => (p === 0 ? failure(p, NOT_LEADER) : record(p, at)), 2: (p, at) => record(p, at) },
      (c) => (c.leaders = { 0: 2, 1: 1 }),
    );
    const result = await new PartitionFetcher(cluster).fetch(positions, FETCH);
    assert.deepEqual(seen(result.records), ['0@5', '1@7']);
    assert.equal(cluster.refreshes, 1);
    assert.equal(cluster.asked(2, 0), 1, 'the moved partition is fetched from its new leader');
    assert.equal(cluster.asked(1, 1), 1, 'the healthy partition is not fetched twice');
    assert.deepEqual(result.nextOffsets.map((n) => `${n.partition}@${n.offset}`).sort(), ['0@6', '1@8']);
  });

  test('a dead connection: refresh and reconnect, then the same fetch succeeds', async () => {
    let calls = 0;
    const cluster = new FakeCluster({ 0: 1, 1: 1 }, { 1: (p, at) => (calls++ < 2 ? connectionClosed() : record(p, at)) });
    const result = await new PartitionFetcher(cluster).fetch(positions, FETCH);
    assert.deepEqual(seen(result.records), ['0@5', '1@7']);
    assert.equal(cluster.refreshes, 1);
  });

  test('one partition that keeps failing: the others come back, within the attempts', async () => {
    const cluster = new FakeCluster({ 0: 1, 1: 1 }, { 1: (p, at) => (p === 0 ? failure(p, NOT_LEADER) : record(p, at)) });
    const result = await new PartitionFetcher(cluster).fetch(positions, FETCH);
    assert.deepEqual(seen(result.records), ['1@7']);
    assert.ok(cluster.asked(1, 0) >= 2 && cluster.asked(1, 0) <= 4, `asked ${cluster.asked(1, 0)} times`);
  });

  test('every partition failing: the error is thrown after bounded retries', async () => {
    const cluster = new FakeCluster({ 0: 1, 1: 1 }, { 1: (p) => failure(p, NOT_LEADER) });
    await assert.rejects(new PartitionFetcher(cluster).fetch(positions, FETCH), (e: { type?: string }) => e.type === 'NOT_LEADER_FOR_PARTITION');
    assert.ok(cluster.refreshes >= 1 && cluster.refreshes <= 3, `${cluster.refreshes} refreshes`);
  });

  test('errors fresh metadata cannot cure are thrown at once; out-of-range partitions are reported', async () => {
    const denied = new FakeCluster({ 0: 1, 1: 1 }, { 1: (p, at) => (p === 0 ? failure(p, TOPIC_AUTHORIZATION_FAILED) : record(p, at)) });
    await assert.rejects(new PartitionFetcher(denied).fetch(positions, FETCH), (e: { type?: string }) => e.type === 'TOPIC_AUTHORIZATION_FAILED');
    assert.equal(denied.refreshes, 0);

    const gone = new FakeCluster({ 0: 1, 1: 1 }, { 1: (p, at) => (p === 0 ? failure(p, OFFSET_OUT_OF_RANGE) : record(p, at)) });
    const result = await new PartitionFetcher(gone).fetch(positions, FETCH);
    assert.deepEqual(result.outOfRange, [{ topic: 't', partition: 0 }]);
    assert.deepEqual(seen(result.records), ['1@7']);
    assert.equal(gone.refreshes, 0);
  });

  test('the isolation level goes on the wire: 0 by default, 1 for read_committed', async () => {
    const cluster = new FakeCluster({ 0: 1, 1: 1 }, { 1: (p, at) => record(p, at) });
    await new PartitionFetcher(cluster).fetch(positions, FETCH);
    await new PartitionFetcher(cluster, { isolationLevel: 'read_committed' }).fetch(positions, FETCH);
    assert.deepEqual(cluster.requests.map((r) => r.request.isolationLevel), [0, 1]);
  });

  test('a commit that reached a former coordinator finds the new one and commits there', async () => {
    const cluster = new FakeCluster({ 0: 1 }, {});
    const notCoordinator = Object.assign(new Error('not coordinator'), { name: 'KafkaJSProtocolError', type: 'NOT_COORDINATOR_FOR_GROUP' });
    cluster.commitAnswers = [notCoordinator, null];
    await new PartitionFetcher(cluster).commit('g', [{ topic: 't', partition: 0, offset: 3 }]);
    assert.equal(cluster.coordinatorLookups, 2);
    assert.equal(cluster.refreshes, 1);
  });
});
