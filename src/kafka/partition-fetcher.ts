/**
 * Reading partitions at explicit offsets and committing offsets for a group, without joining the
 * group: the Java consumer's `assign()` mode, which kafkajs lacks. Used by consumer instances
 * with manual assignments and by the simple consumer (GET .../partitions/{p}/messages).
 */
import type { Admin, InternalCluster, Kafka } from './client.ts';
import { createInternalCluster } from './client.ts';
import { rootCause } from './kafka-error.ts';
import { LazyConnection } from './lazy-connection.ts';
import type { FetchedRecord, TopicPartition, TopicPartitionOffset } from './topic-partition.ts';

export interface FetchOptions {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  maxBytesPerPartition: number;
}

export interface OffsetOutOfRange {
  topic: string;
  partition: number;
}

export class PartitionFetcher {
  private readonly cluster: InternalCluster;
  private readonly admin: Admin;
  private readonly connection: LazyConnection;

  constructor(kafka: Kafka) {
    this.cluster = createInternalCluster(kafka);
    this.admin = kafka.admin();
    this.connection = new LazyConnection(
      () => Promise.all([this.cluster.connect(), this.admin.connect()]),
      () => Promise.all([this.cluster.disconnect(), this.admin.disconnect()]),
    );
  }

  /**
   * One fetch per partition leader, in parallel. Records below the requested offset (kafkajs
   * returns whole record batches) and control records are dropped. A partition whose offset is out
   * of range is reported instead of failing the fetch, so the caller can apply its reset policy.
   */
  async fetch(
    positions: TopicPartitionOffset[],
    options: FetchOptions,
  ): Promise<{ records: FetchedRecord[]; outOfRange: OffsetOutOfRange[] }> {
    await this.ready();
    const topics = [...new Set(positions.map((p) => p.topic))];
    await this.cluster.addMultipleTargetTopics(topics);
    const byLeader = new Map<string, TopicPartitionOffset[]>();
    for (const topic of topics) {
      const ofTopic = positions.filter((p) => p.topic === topic);
      const leaders = this.cluster.findLeaderForPartitions(
        topic,
        ofTopic.map((p) => p.partition),
      );
      for (const [leader, partitions] of Object.entries(leaders)) {
        const list = byLeader.get(leader) ?? [];
        list.push(...ofTopic.filter((p) => partitions.includes(p.partition)));
        byLeader.set(leader, list);
      }
    }
    const records: FetchedRecord[] = [];
    const outOfRange: OffsetOutOfRange[] = [];
    await Promise.all(
      [...byLeader].map(async ([leader, wanted]) => {
        const broker = await this.cluster.findBroker({ nodeId: leader });
        let pending = wanted;
        // An out-of-range partition makes kafkajs fail the whole response: set it aside and ask again.
        for (let attempt = 0; pending.length > 0 && attempt <= wanted.length; attempt++) {
          try {
            const { responses } = await broker.fetch({
              maxWaitTime: options.maxWaitMs,
              minBytes: options.minBytes,
              maxBytes: options.maxBytes,
              topics: groupByTopic(pending).map(([topic, partitions]) => ({
                topic,
                partitions: partitions.map((p) => ({
                  partition: p.partition,
                  fetchOffset: String(p.offset),
                  maxBytes: options.maxBytesPerPartition,
                })),
              })),
            });
            for (const { topicName, partitions } of responses) {
              for (const fetched of partitions) {
                const from = pending.find((p) => p.topic === topicName && p.partition === fetched.partition)?.offset ?? 0;
                for (const m of fetched.messages) {
                  const offset = Number(m.offset);
                  if (offset < from || m.isControlRecord) continue;
                  records.push({ topic: topicName, partition: fetched.partition, offset, key: m.key, value: m.value, timestamp: Number(m.timestamp) });
                }
              }
            }
            return;
          } catch (error) {
            const e = error as { name?: string; topic?: string; partition?: number };
            if (e.name !== 'KafkaJSOffsetOutOfRange') throw error;
            outOfRange.push({ topic: e.topic!, partition: e.partition! });
            pending = pending.filter((p) => !(p.topic === e.topic && p.partition === e.partition));
          }
        }
      }),
    );
    return { records, outOfRange };
  }

  /** Commits as a consumer outside any generation (Java's commitSync after assign()). */
  async commit(groupId: string, offsets: Array<TopicPartitionOffset & { metadata?: string | null }>): Promise<void> {
    await this.ready();
    const coordinator = await this.cluster.findGroupCoordinator({ groupId });
    await coordinator.offsetCommit({
      groupId,
      groupGenerationId: -1,
      memberId: '',
      topics: groupByTopic(offsets).map(([topic, partitions]) => ({
        topic,
        partitions: partitions.map((p) => ({ partition: p.partition, offset: String(p.offset), metadata: p.metadata ?? null })),
      })),
    });
  }

  /** Removes a member from a group on its behalf: used for members of a previous, crashed run. */
  async evictMember(groupId: string, memberId: string): Promise<void> {
    await this.ready();
    const coordinator = await this.cluster.findGroupCoordinator({ groupId });
    await coordinator.leaveGroup({ groupId, memberId }).catch((error: unknown) => {
      // Already gone (its session expired, or the group was emptied): nothing to do.
      const type = (rootCause(error) as { type?: string }).type;
      if (type !== 'UNKNOWN_MEMBER_ID' && type !== 'GROUP_ID_NOT_FOUND') throw error;
    });
  }

  /** Last committed offsets of a group; partitions without one (or of unknown topics) are left out. */
  async committed(groupId: string, partitions: TopicPartition[]): Promise<Array<TopicPartitionOffset & { metadata: string }>> {
    await this.ready();
    const committed: Array<TopicPartitionOffset & { metadata: string }> = [];
    for (const topic of new Set(partitions.map((p) => p.topic))) {
      const result = await this.admin.fetchOffsets({ groupId, topics: [topic] }).catch((error: unknown) => {
        if ((rootCause(error) as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') return [];
        throw error;
      });
      for (const { partitions: found } of result) {
        for (const p of found) {
          if (Number(p.offset) < 0) continue;
          if (!partitions.some((w) => w.topic === topic && w.partition === p.partition)) continue;
          committed.push({ topic, partition: p.partition, offset: Number(p.offset), metadata: p.metadata ?? '' });
        }
      }
    }
    return committed;
  }

  /** Beginning or end offset of each partition. */
  async edgeOffsets(partitions: TopicPartition[], edge: 'beginning' | 'end'): Promise<TopicPartitionOffset[]> {
    await this.ready();
    const result: TopicPartitionOffset[] = [];
    for (const [topic, wanted] of groupByTopic(partitions)) {
      const offsets = await this.admin.fetchTopicOffsets(topic);
      for (const { partition } of wanted) {
        const found = offsets.find((o) => o.partition === partition);
        if (!found) throw Object.assign(new Error(`No partition ${partition} in topic ${topic}`), { partitionMissing: true });
        result.push({ topic, partition, offset: Number(edge === 'beginning' ? found.low : found.high) });
      }
    }
    return result;
  }

  /** The earliest offset whose timestamp is at or after `timestamp`, else the end offset. */
  async offsetsForTimes(wanted: Array<TopicPartition & { timestamp: number }>): Promise<TopicPartitionOffset[]> {
    await this.ready();
    const result: TopicPartitionOffset[] = [];
    for (const [topic, ofTopic] of groupByTopic(wanted)) {
      for (const timestamp of new Set(ofTopic.map((w) => w.timestamp))) {
        const offsets = await this.admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
        for (const w of ofTopic.filter((x) => x.timestamp === timestamp)) {
          const found = offsets.find((o) => o.partition === w.partition);
          if (!found) throw Object.assign(new Error(`No partition ${w.partition} in topic ${topic}`), { partitionMissing: true });
          result.push({ topic, partition: w.partition, offset: Number(found.offset) });
        }
      }
    }
    return result;
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private ready(): Promise<void> {
    return this.connection.ready();
  }
}

function groupByTopic<T extends TopicPartition>(items: T[]): Array<[string, T[]]> {
  const byTopic = new Map<string, T[]>();
  for (const item of items) {
    const list = byTopic.get(item.topic) ?? [];
    list.push(item);
    byTopic.set(item.topic, list);
  }
  return [...byTopic];
}
