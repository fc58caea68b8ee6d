/**
 * Partition counts of the topics being produced to, as a Java producer learns them. kafkajs's
 * admin never asks the broker to auto-create a topic, so creation is done here, explicitly, when
 * the broker's own `auto.create.topics.enable` allows it (and `producer.allow.auto.create.topics`
 * is not false) and the name is legal and not one of Kafka's own, with the broker's default
 * partition count and replication factor. A topic that still does not show up within `producer.max.block.ms` fails like the Java producer's metadata
 * timeout. Counts are cached for `metadata.max.age.ms`, so a partition increase is seen in time.
 */
import type { Admin, Kafka } from './client.ts';
import { ConfigResourceTypes } from './client.ts';
import { describeKafkaError } from './kafka-error.ts';
import { LazyConnection } from './lazy-connection.ts';
import { INTERNAL_TOPICS, isLegalTopicName } from './topic-pattern.ts';

export class TopicNotPresentError extends Error {
  constructor(topic: string, waitedMs: number) {
    super(`Topic ${topic} not present in metadata after ${waitedMs} ms.`);
    this.name = 'TopicNotPresentError';
  }
}

export interface TopicPartitionsOptions {
  metadataMaxAgeMs: number;
  maxBlockMs: number;
  /** false: never create topics, whatever the broker allows. */
  allowAutoTopicCreation: boolean;
}

const RETRY_INTERVAL_MS = 200;
/** Kafka's own topics (KRaft's metadata log among them) are never created by a produce. */
const RESERVED_TOPICS = new Set([...INTERNAL_TOPICS, '__cluster_metadata']);

const creatable = (topic: string) => isLegalTopicName(topic) && !RESERVED_TOPICS.has(topic);

export class TopicPartitions {
  private readonly admin: Admin;
  private readonly connection: LazyConnection;
  private readonly cache = new Map<string, { count: number; expires: number }>();
  private readonly pending = new Map<string, Promise<number>>();
  private brokerAutoCreate: { allowed: boolean; expires: number } | null = null;

  constructor(
    kafka: Kafka,
    private readonly options: TopicPartitionsOptions,
  ) {
    this.admin = kafka.admin({ retry: { retries: 0 } });
    this.connection = new LazyConnection(() => this.admin.connect(), () => this.admin.disconnect());
  }

  /** Resolves the topic's partition count, or rejects with TopicNotPresentError / a Kafka error. */
  count(topic: string): Promise<number> {
    const cached = this.cache.get(topic);
    if (cached && cached.expires > Date.now()) return Promise.resolve(cached.count);
    let lookup = this.pending.get(topic);
    if (!lookup) {
      lookup = this.lookup(topic).finally(() => this.pending.delete(topic));
      this.pending.set(topic, lookup);
    }
    return lookup;
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private async lookup(topic: string): Promise<number> {
    const started = Date.now();
    let createTried = false;
    for (;;) {
      try {
        await this.connection.ready();
        const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
        const partitions = topics[0]?.partitions ?? [];
        if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) {
          this.cache.set(topic, { count: partitions.length, expires: Date.now() + this.options.metadataMaxAgeMs });
          return partitions.length;
        }
      } catch (error) {
        const failure = describeKafkaError(error);
        if (!failure.retriable) throw error;
        if (failure.errorCode === 40403 && !createTried) {
          createTried = true;
          await this.createIfAllowed(topic);
          continue;
        }
      }
      if (Date.now() - started + RETRY_INTERVAL_MS > this.options.maxBlockMs) {
        throw new TopicNotPresentError(topic, this.options.maxBlockMs);
      }
      await new Promise((done) => setTimeout(done, RETRY_INTERVAL_MS));
    }
  }

  private async createIfAllowed(topic: string): Promise<void> {
    if (!creatable(topic) || !this.options.allowAutoTopicCreation || !(await this.brokerAllowsAutoCreate())) return;
    try {
      await this.admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    } catch (error) {
      // Someone else created it meanwhile: that is what we wanted.
      if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') {
        const failure = describeKafkaError(error);
        if (!failure.retriable) throw error;
      }
    }
  }

  private async brokerAllowsAutoCreate(): Promise<boolean> {
    if (this.brokerAutoCreate && this.brokerAutoCreate.expires > Date.now()) return this.brokerAutoCreate.allowed;
    const { brokers } = await this.admin.describeCluster();
    const { resources } = await this.admin.describeConfigs({
      resources: [
        { type: ConfigResourceTypes.BROKER, name: String(brokers[0]?.nodeId ?? 0), configNames: ['auto.create.topics.enable'] },
      ],
      includeSynonyms: false,
    });
    const allowed = resources[0]?.configEntries.find((e) => e.configName === 'auto.create.topics.enable')?.configValue === 'true';
    this.brokerAutoCreate = { allowed, expires: Date.now() + this.options.metadataMaxAgeMs };
    return allowed;
  }

}
