/**
 * The Kafka side of a proxy cluster's journal: the compacted topic that holds every consumer
 * session's events. Created at the first start (compacted, the configured partitions and
 * replication factor), written by an idempotent producer with acks=all (a session event is
 * durable once every in-sync replica has it), and read back one partition at a time, from its
 * first offset to the end it had when the read began, when a member takes the partition over.
 */
import type { Logger } from 'pino';
import type { Admin, Kafka, Producer } from './client.ts';
import { within } from '../within.ts';
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
  private producer: Producer;
  private readonly fetcher: PartitionFetcher;
  private connected: Promise<void> | null = null;
  /** The topic's real partition count (an existing topic keeps its own). */
  partitionCount: number;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: SessionTopicOptions,
    private readonly logger: Logger,
  ) {
    this.admin = kafka.admin();
    this.producer = this.newProducer();
    this.fetcher = new PartitionFetcher(kafka);
    this.partitionCount = options.partitions;
  }

  get name(): string {
    return this.options.topic;
  }

  /** Connects, creates the topic when it is missing, and learns its partition count. */
  async open(): Promise<void> {
    await (this.connected ??= Promise.all([this.admin.connect(), this.producer.connect()]).then(() => undefined));
    const { topic, partitions } = this.options;
    const count = await this.createAndCount(partitions);
    if (count === 0) throw new Error(`the sessions topic ${topic} has no partitions`);
    if (count !== partitions) this.logger.warn({ topic, partitions: count, configured: partitions }, 'the sessions topic exists with another partition count; its own count is used');
    this.partitionCount = count;
  }

  /** Creates the topic unless it exists (every member but the first finds it there), and counts its partitions. */
  private async createAndCount(partitions: number): Promise<number> {
    const { topic, replicationFactor } = this.options;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: partitions, replicationFactor, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length ?? 0;
  }

  /** Whether the topic exists; null when the cluster does not answer within `timeoutMs`. */
  exists(timeoutMs: number): Promise<boolean | null> {
    return within(timeoutMs, this.admin.listTopics().then((names) => names.includes(this.options.topic), () => null));
  }

  /**
   * A new producer for the writes from now on: after the topic was created again, the old one's
   * sequence numbers belong to partitions that are gone, and the brokers would refuse them.
   */
  async renewProducer(): Promise<void> {
    // Connected before it takes writes: a kafkajs client that opens its first connections
    // concurrently (a connect and a send) can leave one of them open for good.
    const next = this.newProducer();
    await next.connect();
    const old = this.producer;
    this.producer = next;
    await Promise.allSettled([old.disconnect()]);
  }

  /**
   * Creates the topic again after it was deleted, with the partition count the sessions hash by
   * (another count would put them on other partitions).
   */
  async recreate(timeoutMs: number): Promise<void> {
    const { topic } = this.options;
    const started = Date.now();
    for (;;) {
      // A deletion still in progress refuses the create for a moment: 0 partitions, try again.
      const count = await this.createAndCount(this.partitionCount).catch(() => 0);
      if (count === this.partitionCount) return;
      if (count > 0) throw new Error(`the sessions topic ${topic} exists again with ${count} partitions, not ${this.partitionCount}: its sessions cannot be placed`);
      if (Date.now() - started > timeoutMs) throw new Error(`could not create the sessions topic ${topic} again within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * Appends records, each to its partition, in order; resolves once every in-sync replica has
   * them, with the offset each partition's first record got.
   */
  async write(records: Array<TopicRecord & { partition: number }>): Promise<ReadonlyMap<number, number>> {
    const offsets = new Map<number, number>();
    if (records.length === 0) return offsets;
    const sent = await this.producer.send({ topic: this.options.topic, acks: -1, messages: records.map(({ key, value, partition }) => ({ key, value, partition })) });
    for (const { partition, baseOffset, offset } of sent) {
      const first = Number(baseOffset ?? offset);
      if (Number.isSafeInteger(first)) offsets.set(partition, first);
    }
    return offsets;
  }

  /**
   * Each partition's end offset; null when the cluster has no answer within `timeoutMs` (a topic
   * created a moment ago has no leaders yet: asked again until then).
   */
  async endOffsets(timeoutMs: number): Promise<ReadonlyMap<number, number> | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const offsets = await within(Math.max(1, deadline - Date.now()), this.admin.fetchTopicOffsets(this.options.topic).catch(() => null));
      if (offsets) return new Map(offsets.map(({ partition, high }) => [partition, Number(high)]));
      if (Date.now() >= deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
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

  private newProducer(): Producer {
    return this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect(), this.fetcher.close()]);
  }
}
