/**
 * Reading partitions at explicit offsets and committing offsets for a group, without joining the
 * group: the Java consumer's `assign()` mode, which kafkajs lacks. Used by consumer instances
 * with manual assignments and by the simple consumer (GET .../partitions/{p}/messages).
 */
import { ISOLATION_LEVEL_CODES, visibleRecords, type IsolationLevel } from './aborted-transactions.ts';
import type { InternalBroker, InternalCluster, InternalFetchedPartition, Kafka } from './client.ts';
import { createInternalCluster, protocolError } from './client.ts';
import { rootCause } from './kafka-error.ts';
import { LazyConnection } from './lazy-connection.ts';
import { needsFreshMetadata, refreshWithin, retryBudget, retryDelay, sleep, withFreshMetadata } from './metadata-retry.ts';
import { fetchedHeaders } from './record-headers.ts';
import type { FetchedRecord, TopicPartition, TopicPartitionOffset } from './topic-partition.ts';

export type { IsolationLevel } from './aborted-transactions.ts';

export interface PartitionFetcherOptions {
  /** Java's isolation.level; read_uncommitted by default, as in Java's consumer. */
  isolationLevel?: IsolationLevel;
}

export interface FetchOptions {
  /** How long the broker may hold the fetch; retries after stale metadata fit in it too. */
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  maxBytesPerPartition: number;
}

export interface OffsetOutOfRange {
  topic: string;
  partition: number;
}

export interface FetchResult {
  records: FetchedRecord[];
  outOfRange: OffsetOutOfRange[];
  /**
   * Where each partition that returned data should be fetched next: past aborted and control
   * batches too, which the records' own offsets cannot tell (a fetch may yield only dropped ones).
   */
  nextOffsets: TopicPartitionOffset[];
}

const FETCH_ATTEMPTS = 4;
/** Commits and offset lookups have no caller-given wait: a few seconds cover a leader election. */
const LOOKUP_BUDGET = { attempts: 5, ms: 5_000 };
const OFFSET_OUT_OF_RANGE = 1;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const LEADER_NOT_AVAILABLE = 5;

export class PartitionFetcher {
  private readonly cluster: InternalCluster;
  private readonly connection: LazyConnection;
  private readonly isolationLevel: IsolationLevel;
  private closed = false;

  /** `kafka`, or (in tests) a cluster to talk to instead of kafkajs's. */
  constructor(kafka: Kafka | InternalCluster, options: PartitionFetcherOptions = {}) {
    this.isolationLevel = options.isolationLevel ?? 'read_uncommitted';
    // The cluster's isolation level is the one its ListOffsets use: end offsets are LSOs when read_committed.
    this.cluster = isCluster(kafka) ? kafka : createInternalCluster(kafka, { isolationLevel: ISOLATION_LEVEL_CODES[this.isolationLevel] });
    this.connection = new LazyConnection(
      () => this.cluster.connect(),
      () => this.cluster.disconnect(),
    );
  }

  /**
   * One fetch per partition leader, in parallel. Records below the requested offset (kafkajs
   * returns whole record batches), control records and (read_committed) aborted ones are dropped.
   * A partition whose offset is out of range is reported, for the caller's reset policy. Partitions
   * whose leader moved or whose broker went away are retried on fresh metadata within the wait;
   * if some still fail, the others' records come back alone (those partitions are simply fetched
   * again next time, as Java's poll does), and only if none answered is the error thrown.
   */
  async fetch(positions: TopicPartitionOffset[], options: FetchOptions): Promise<FetchResult> {
    await this.ready();
    const budget = retryBudget(FETCH_ATTEMPTS, options.maxWaitMs);
    // The broker may hold a fetch for the caller's wait, not for the retries' longer window.
    const deadline = Date.now() + options.maxWaitMs;
    const result: FetchResult = { records: [], outOfRange: [], nextOffsets: [] };
    let pending = positions;
    let answered = false;
    for (let retry = 1; pending.length > 0; retry++) {
      const round = await this.fetchRound(pending, options, deadline, result);
      answered ||= round.answered;
      pending = round.failed;
      if (pending.length === 0) break;
      const delay = retryDelay(retry, budget);
      if (delay !== null) {
        await sleep(delay);
        if (await refreshWithin(() => this.cluster.refreshMetadata(), budget.deadline)) continue;
      }
      if (!answered) throw round.error;
      break;
    }
    return result;
  }

  /** Commits as a consumer outside any generation (Java's commitSync after assign()). */
  async commit(groupId: string, offsets: Array<TopicPartitionOffset & { metadata?: string | null }>): Promise<void> {
    await this.ready();
    await this.retrying(async () => {
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
    });
  }

  /** Removes a member from a group on its behalf: used for members of a previous, crashed run. */
  async evictMember(groupId: string, memberId: string): Promise<void> {
    await this.ready();
    await this.retrying(async () => {
      const coordinator = await this.cluster.findGroupCoordinator({ groupId });
      await coordinator.leaveGroup({ groupId, memberId }).catch((error: unknown) => {
        // Already gone (its session expired, or the group was emptied): nothing to do.
        const type = rootCause(error).type;
        if (type !== 'UNKNOWN_MEMBER_ID' && type !== 'GROUP_ID_NOT_FOUND') throw error;
      });
    });
  }

  /** Last committed offsets of a group; partitions without one (or of unknown topics) are left out. */
  async committed(groupId: string, partitions: TopicPartition[]): Promise<Array<TopicPartitionOffset & { metadata: string }>> {
    await this.ready();
    const committed: Array<TopicPartitionOffset & { metadata: string }> = [];
    // One request per topic: kafkajs throws for the first partition error, hiding the rest.
    for (const [topic, wanted] of groupByTopic(partitions)) {
      const { responses } = await this.retrying(async () => {
        const coordinator = await this.cluster.findGroupCoordinator({ groupId });
        return coordinator.offsetFetch({ groupId, topics: [{ topic, partitions: wanted.map((p) => ({ partition: p.partition })) }] });
      }).catch((error: unknown) => {
        if (rootCause(error).type === 'UNKNOWN_TOPIC_OR_PARTITION') return { responses: [] };
        throw error;
      });
      for (const found of responses.flatMap((r) => r.partitions)) {
        if (Number(found.offset) < 0 || !wanted.some((w) => w.partition === found.partition)) continue;
        committed.push({ topic, partition: found.partition, offset: Number(found.offset), metadata: found.metadata ?? '' });
      }
    }
    return committed;
  }

  /** Beginning or end offset of each partition (the end is the last stable offset when read_committed). */
  async edgeOffsets(partitions: TopicPartition[], edge: 'beginning' | 'end'): Promise<TopicPartitionOffset[]> {
    await this.ready();
    const result: TopicPartitionOffset[] = [];
    for (const [topic, wanted] of groupByTopic(partitions)) {
      const offsets = await this.listOffsets(topic, wanted, { fromBeginning: edge === 'beginning' });
      for (const { partition } of wanted) result.push({ topic, partition, offset: offsets.get(partition)! });
    }
    return result;
  }

  /** The earliest offset whose timestamp is at or after `timestamp`, else the end offset. */
  async offsetsForTimes(wanted: Array<TopicPartition & { timestamp: number }>): Promise<TopicPartitionOffset[]> {
    await this.ready();
    const result: TopicPartitionOffset[] = [];
    for (const [topic, ofTopic] of groupByTopic(wanted)) {
      for (const timestamp of new Set(ofTopic.map((w) => w.timestamp))) {
        const atTime = ofTopic.filter((w) => w.timestamp === timestamp);
        const offsets = await this.listOffsets(topic, atTime, { fromTimestamp: timestamp });
        const later = atTime.filter((w) => offsets.get(w.partition)! < 0); // no record that late
        const ends = later.length > 0 ? await this.listOffsets(topic, later, { fromBeginning: false }) : new Map<number, number>();
        for (const w of atTime) result.push({ topic, partition: w.partition, offset: ends.get(w.partition) ?? offsets.get(w.partition)! });
      }
    }
    return result;
  }

  /** For good: a call still running when its owner ended must not connect again (and leak the connection). */
  close(): Promise<void> {
    this.closed = true;
    return this.connection.close();
  }

  private ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('this partition fetcher was closed'));
    return this.connection.ready();
  }

  private retrying<T>(work: () => Promise<T>): Promise<T> {
    return withFreshMetadata(work, () => this.cluster.refreshMetadata(), retryBudget(LOOKUP_BUDGET.attempts, LOOKUP_BUDGET.ms));
  }

  /** One try at every pending partition; returns those that failed with stale metadata. */
  private async fetchRound(
    pending: TopicPartitionOffset[],
    options: FetchOptions,
    deadline: number,
    result: FetchResult,
  ): Promise<{ failed: TopicPartitionOffset[]; error: unknown; answered: boolean }> {
    const failed: TopicPartitionOffset[] = [];
    let error: unknown;
    let answered = false;
    const fail = (positions: TopicPartitionOffset[], cause: unknown) => {
      failed.push(...positions);
      error = cause;
    };
    let byLeader: Map<string, TopicPartitionOffset[]>;
    try {
      await this.cluster.addMultipleTargetTopics([...new Set(pending.map((p) => p.topic))]);
      byLeader = this.groupByLeader(pending, fail);
    } catch (e) {
      if (!needsFreshMetadata(e)) throw e;
      return { failed: pending, error: e, answered };
    }
    await Promise.all(
      [...byLeader].map(async ([leader, wanted]) => {
        let response: Awaited<ReturnType<InternalBroker['fetch']>>;
        try {
          const broker = await this.cluster.findBroker({ nodeId: leader });
          response = await broker.fetch({
            isolationLevel: ISOLATION_LEVEL_CODES[this.isolationLevel],
            maxWaitTime: Math.max(0, deadline - Date.now()),
            minBytes: options.minBytes,
            maxBytes: options.maxBytes,
            topics: groupByTopic(wanted).map(([topic, partitions]) => ({
              topic,
              partitions: partitions.map((p) => ({ partition: p.partition, fetchOffset: String(p.offset), maxBytes: options.maxBytesPerPartition })),
            })),
          });
          if (response.errorCode) throw protocolError(response.errorCode);
        } catch (e) {
          if (!needsFreshMetadata(e)) throw e;
          return fail(wanted, e);
        }
        for (const { topicName, partitions } of response.responses) {
          for (const fetched of partitions) {
            const position = wanted.find((p) => p.topic === topicName && p.partition === fetched.partition);
            if (!position) continue;
            if (fetched.errorCode === 0) {
              answered = true;
              this.collect(position, fetched, result);
            } else if (fetched.errorCode === OFFSET_OUT_OF_RANGE) {
              answered = true;
              result.outOfRange.push({ topic: topicName, partition: fetched.partition });
            } else {
              // Java's fetcher refreshes metadata after UNKNOWN_TOPIC_OR_PARTITION too (a stale leader).
              const e = protocolError(fetched.errorCode);
              if (fetched.errorCode !== UNKNOWN_TOPIC_OR_PARTITION && !needsFreshMetadata(e)) throw e;
              fail([position], e);
            }
          }
        }
      }),
    );
    return { failed, error, answered };
  }

  private collect(position: TopicPartitionOffset, fetched: InternalFetchedPartition, result: FetchResult): void {
    const { topic, partition, offset: from } = position;
    const { messages, nextOffset } = visibleRecords(fetched.messages, fetched.abortedTransactions, from, this.isolationLevel);
    for (const m of messages) {
      const record: FetchedRecord = { topic, partition, offset: Number(m.offset), key: m.key, value: m.value, timestamp: Number(m.timestamp) };
      const headers = fetchedHeaders(m);
      if (headers) record.headers = headers;
      result.records.push(record);
    }
    if (nextOffset !== null) result.nextOffsets.push({ topic, partition, offset: nextOffset });
  }

  /** Partitions by leader; those the metadata has no leader for yet fail (retried after a refresh). */
  private groupByLeader(
    positions: TopicPartitionOffset[],
    fail: (positions: TopicPartitionOffset[], cause: unknown) => void,
  ): Map<string, TopicPartitionOffset[]> {
    const byLeader = new Map<string, TopicPartitionOffset[]>();
    for (const [topic, ofTopic] of groupByTopic(positions)) {
      const leaders = this.cluster.findLeaderForPartitions(topic, ofTopic.map((p) => p.partition));
      for (const [leader, partitions] of Object.entries(leaders)) {
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), ...ofTopic.filter((p) => partitions.includes(p.partition))]);
      }
      const led = new Set(Object.values(leaders).flat());
      const leaderless = ofTopic.filter((p) => !led.has(p.partition));
      if (leaderless.length > 0) fail(leaderless, protocolError(LEADER_NOT_AVAILABLE));
    }
    return byLeader;
  }

  /** ListOffsets for some partitions of one topic, retried on fresh metadata. */
  private listOffsets(topic: string, wanted: TopicPartition[], spec: { fromBeginning?: boolean; fromTimestamp?: number }): Promise<Map<number, number>> {
    return this.retrying(async () => {
      await this.cluster.addMultipleTargetTopics([topic]);
      const known = new Set(this.cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId));
      const missing = wanted.find((w) => !known.has(w.partition));
      if (missing) throw Object.assign(new Error(`No partition ${missing.partition} in topic ${topic}`), { partitionMissing: true });
      const [found] = await this.cluster.fetchTopicsOffset([{ topic, partitions: wanted.map((w) => ({ partition: w.partition })), ...spec }]);
      const offsets = new Map((found?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const));
      // A partition without a leader in the metadata is left out of the requests: ask again.
      if (wanted.some((w) => !offsets.has(w.partition))) throw protocolError(LEADER_NOT_AVAILABLE);
      return offsets;
    });
  }
}

function isCluster(source: Kafka | InternalCluster): source is InternalCluster {
  return typeof (source as InternalCluster).findBroker === 'function';
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
