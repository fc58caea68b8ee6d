/**
 * The Kafka clients one identity uses: the producer pool, cluster metadata and admin, partition
 * counts, the groupless fetcher and the factory of group members. The proxy builds one set with
 * its own login (`client.*`); with principal propagation each principal gets a set of its own
 * (principal-clients.ts), built the same way with that principal's SASL login instead.
 */
import type { Logger } from 'pino';
import type { BufferMemory } from '../actors/producer/buffer-memory.ts';
import { ProducerPool } from '../actors/producer/pool.ts';
import type { GroupConsumerFactory } from '../actors/consumer/membership.ts';
import type { Config } from '../config/config.ts';
import { idempotenceOf, toConsumerConfig, toKafkaConfig, toProducerConfig, toSendOptions, type SaslOptions } from '../config/kafka-client-options.ts';
import type { Journal } from '../journal/journal.ts';
import { createKafka } from '../kafka/client.ts';
import { ClusterMetadata } from '../kafka/cluster-metadata.ts';
import { GroupConsumer } from '../kafka/group-consumer.ts';
import { FetcherPool } from '../kafka/fetcher-pool.ts';
import { PartitionFetcher } from '../kafka/partition-fetcher.ts';
import { RecordProducer } from '../kafka/record-producer.ts';
import { TopicPartitions } from '../kafka/topic-partitions.ts';
import type { ProxyMetrics } from '../observability/metrics.ts';
import type { KafkaLogin } from './principal-clients.ts';

const DEFAULT_METADATA_MAX_AGE_MS = 300_000;
/** Kafka's fetch.max.wait.ms default; kafkajs's own is 5 s. */
const DEFAULT_FETCH_MAX_WAIT_MS = 500;

export interface ClientSet {
  readonly metadata: ClusterMetadata;
  readonly partitions: TopicPartitions;
  readonly pool: ProducerPool;
  readonly fetcher: PartitionFetcher;
  /** A fetcher with connections of its own (a consumer instance's; the caller closes it). */
  createFetcher(): PartitionFetcher;
  /** The simple consumer's fetchers, one per read at a time. */
  readonly simpleConsumers: FetcherPool;
  readonly createGroupConsumer: GroupConsumerFactory;
  /** Flushes the pool and closes every connection; group members made earlier close themselves. */
  close(): Promise<void>;
}

export interface ClientSetOptions {
  config: Config;
  brokers: string[];
  /** A propagated principal's login, instead of the proxy's own: a SASL user, or a TLS client certificate. */
  login?: KafkaLogin;
  /** Journal ids of the pool's slots start with this. */
  slotIdPrefix: string;
  /** The buffer.memory every pool shares. */
  buffer: BufferMemory;
  /** Connect the producer slots only at the pool's first use (`pool.start()`), not now. */
  lazyProducers?: boolean;
  /** Drop the slots' journal history on close: a principal's set is made again from nothing, never recovered. */
  forgetOnClose?: boolean;
  journal: Journal;
  logger: Logger;
  metrics: ProxyMetrics;
}

export function createClientSet({ config, brokers, login, slotIdPrefix, buffer, lazyProducers, forgetOnClose, journal, logger, metrics }: ClientSetOptions): ClientSet {
  const base = toKafkaConfig(config.client, brokers);
  // Built afresh, never spread from the proxy's own: kafkajs stores the authenticator it makes for
  // the first connection on the sasl object itself (`authenticationProvider`, bound to that
  // login), so a copy of a used object would log in as the proxy, whatever its username says.
  const sasl = login && 'username' in login && base.sasl ? ({ mechanism: base.sasl.mechanism, username: login.username, password: login.password } as SaslOptions) : base.sasl;
  // The principal's certificate replaces the proxy's; the trusted CAs stay.
  const ssl = login && 'cert' in login && typeof base.ssl === 'object' ? { ...base.ssl, key: login.key, cert: login.cert, passphrase: undefined } : base.ssl;
  const kafkaConfig = { ...base, ...(sasl && { sasl }), ...(ssl !== undefined && { ssl }) };
  const kafka = createKafka(kafkaConfig, logger);
  const adminKafka = config.admin.requestTimeout ? createKafka({ ...kafkaConfig, requestTimeout: config.admin.requestTimeout }, logger) : kafka;
  const metadata = new ClusterMetadata(adminKafka);
  const partitions = new TopicPartitions(kafka, {
    metadataMaxAgeMs: config.producer.metadataMaxAge ?? DEFAULT_METADATA_MAX_AGE_MS,
    maxBlockMs: config.producerMaxBlockMs,
    allowAutoTopicCreation: config.producer.allowAutoTopicCreation ?? true,
  });
  const sendOptions = toSendOptions(config.producer, config.compressionType);
  const producerConfig = { ...toProducerConfig(config.producer), idempotent: idempotenceOf(config.producer) };
  const pool = new ProducerPool({
    size: config.producerPoolSize,
    lingerMs: config.producerLingerMs,
    maxBlockMs: config.producerMaxBlockMs,
    deliveryTimeoutMs: config.producerDeliveryTimeoutMs,
    buffer,
    slotIdPrefix,
    createProducer: (slot) =>
      new RecordProducer(kafka, producerConfig, sendOptions, config.producerMaxRequestSize, {
        onRenewed: (reason) => {
          metrics.recordProducerRenewal();
          logger.warn({ slot, reason }, 'producer slot replaced its idempotent producer (new producer id) after a failed send; nothing to do unless this repeats, then check the brokers');
        },
      }),
    partitions,
    journal,
    logger,
    metrics,
  });
  if (!lazyProducers) pool.start();

  // Consumers reconnect on Java's schedule (retry.backoff.ms 100 → retry.backoff.max.ms 1000), not
  // kafkajs's 300 ms → 30 s: a member back from a broker outage rejoins within a second or two.
  const consumerKafka = createKafka({ ...kafkaConfig, retry: { initialRetryTime: 100, maxRetryTime: 1_000, ...kafkaConfig.retry } }, logger);
  const isolationLevel = config.consumer.readUncommitted === false ? 'read_committed' : 'read_uncommitted';
  const createFetcher = () => new PartitionFetcher(consumerKafka, { isolationLevel });
  const fetcher = createFetcher();
  const { maxSize, timeoutMs } = config.limits.simpleConsumerPool;
  const simpleConsumers = new FetcherPool(createFetcher, maxSize, timeoutMs);
  const createGroupConsumer: GroupConsumerFactory = (options) =>
    new GroupConsumer(consumerKafka, {
      ...options,
      // Java's consumer reads uncommitted unless told otherwise; kafkajs's default is the opposite.
      config: { maxWaitTimeInMs: DEFAULT_FETCH_MAX_WAIT_MS, readUncommitted: true, ...toConsumerConfig(config.consumer, options.groupId) },
    });

  return {
    metadata,
    partitions,
    pool,
    fetcher,
    createFetcher,
    simpleConsumers,
    createGroupConsumer,
    async close() {
      await pool.stop();
      await Promise.all([metadata.close(), partitions.close(), fetcher.close(), simpleConsumers.close()]).catch(() => undefined);
      if (forgetOnClose) for (const slot of pool.slots) journal.compact(slot.id);
    },
  };
}
