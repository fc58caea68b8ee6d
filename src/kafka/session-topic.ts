/**
 * The Kafka side of a proxy cluster's journal: the compacted topic that holds every consumer
 * session's events. Created at the first start (compacted, the configured partitions and
 * replication factor), written by an idempotent producer with acks=all (a session event is
 * durable once every in-sync replica has it), and read back one partition at a time, from its
 * first offset to the end it had when the read began, when a member takes the partition over.
 */
import type { Logger } from 'pino';
import type { Admin, Kafka, Producer } from './client.ts';
import { PartitionFetcher } from './partition-fetcher.ts';

export interface SessionTopicOptions {
  topic: string;
  partitions: number;
  /** -1: the brokers' default.replication.factor. */
  replicationFactor: number;
}

export interface TopicRecord {
  key: string;
  value: string | null;
}

const READ_BYTES = 4 * 1024 * 1024;

export class SessionTopic {
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly fetcher: PartitionFetcher;
  private connected: Promise<void> | null = null;
  /** The topic's real partition count (an existing topic keeps its own). */
  partitionCount: number;

  constructor(
    kafka: Kafka,
    private readonly options: SessionTopicOptions,
    private readonly logger: Logger,
  ) {
    this.admin = kafka.admin();
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.fetcher = new PartitionFetcher(kafka);
    this.partitionCount = options.partitions;
  }

  get name(): string {
    return this.options.topic;
  }

  /** Connects, creates the topic when it is missing, and learns its partition count. */
  async open(): Promise<void> {
    await (this.connected ??= Promise.all([this.admin.connect(), this.producer.connect()]).then(() => undefined));
    const { topic, partitions, replicationFactor } = this.options;
    // Resolves false when the topic exists: every member but the first finds it there.
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const count = topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new Error(`the sessions topic ${topic} has no partitions`);
    if (count !== partitions) this.logger.warn({ topic, partitions: count, configured: partitions }, 'the sessions topic exists with another partition count; its own count is used');
    this.partitionCount = count;
  }

  /** Appends records, each to its partition, in order; resolves once every in-sync replica has them. */
  async write(records: Array<TopicRecord & { partition: number }>): Promise<void> {
    if (records.length === 0) return;
    await this.producer.send({ topic: this.options.topic, acks: -1, messages: records.map(({ key, value, partition }) => ({ key, value, partition })) });
  }

  /** Every record of a partition up to its current end, oldest first. */
  async read(partition: number, signal?: AbortSignal): Promise<TopicRecord[]> {
    const { topic } = this.options;
    const offsets = await this.admin.fetchTopicOffsets(topic);
    const found = offsets.find((o) => o.partition === partition);
    const end = Number(found?.high ?? 0);
    let offset = Number(found?.low ?? 0);
    const records: TopicRecord[] = [];
    while (offset < end) {
      if (signal?.aborted) throw signal.reason;
      const fetched = await this.fetcher.fetch([{ topic, partition, offset }], { maxWaitMs: 500, minBytes: 1, maxBytes: READ_BYTES, maxBytesPerPartition: READ_BYTES });
      if (fetched.outOfRange.length > 0) {
        // Compaction or retention moved the start: begin again from the new first offset.
        offset = Number((await this.admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition)?.low ?? end);
        continue;
      }
      for (const record of fetched.records) {
        if (record.offset >= end) break;
        if (record.key) records.push({ key: record.key.toString('utf8'), value: record.value ? record.value.toString('utf8') : null });
      }
      const next = fetched.nextOffsets.find((n) => n.partition === partition)?.offset;
      if (next !== undefined && next > offset) offset = next;
      else if (fetched.records.length > 0) offset = fetched.records[fetched.records.length - 1]!.offset + 1;
    }
    return records;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect(), this.fetcher.close()]);
  }
}
