/**
 * Assembles a running proxy from a Config: journal → Kafka clients → producer pool → HTTP
 * listeners, and takes it apart again in the reverse order. main.ts adds the command line, the
 * embedded broker and signals; tests and benchmarks call startProxy directly.
 */
import type { Logger } from 'pino';
import { ProducerPool } from './actors/producer/pool.ts';
import { ConsumerSupervisor } from './actors/consumer/supervisor.ts';
import { GroupConsumer } from './kafka/group-consumer.ts';
import { PartitionFetcher } from './kafka/partition-fetcher.ts';
import type { Config } from './config/config.ts';
import { idempotenceOf, toConsumerConfig, toKafkaConfig, toProducerConfig, toSendOptions } from './config/kafka-client-options.ts';
import { createApp } from './http/app.ts';
import { codecFor } from './codecs/index.ts';
import { isSchemaFormat, SchemaCodecs } from './codecs/schema-codecs.ts';
import { CachedRegistry } from './registry/cached-registry.ts';
import { EmbeddedRegistry } from './registry/embedded-registry.ts';
import { HttpRegistry } from './registry/http-registry.ts';
import { createRegistryApp } from './registry/routes.ts';
import type { SchemaRegistry } from './registry/schema-registry.ts';
import { HttpListeners } from './http/listeners.ts';
import { ServerTls } from './http/tls/server-tls.ts';
import { createManagementApp } from './http/management/app.ts';
import { createAuthentication } from './http/auth/setup.ts';
import { allowedHosts } from './http/management/host-check.ts';
import { ProduceRateLimiter, RequestRateLimiter } from './http/rate-limit/limiter.ts';
import { produceAdmission } from './http/rate-limit/middleware.ts';
import { Inspector } from './inspector/inspector.ts';
import { createReadinessProbe } from './observability/readiness.ts';
import { ProxyMetrics } from './observability/metrics.ts';
import { openApiDocument } from './http/openapi.ts';
import { Journal } from './journal/journal.ts';
import { monitorJournal, reportJournalDamage } from './journal/journal-monitor.ts';
import { createKafka } from './kafka/client.ts';
import { ClusterMetadata } from './kafka/cluster-metadata.ts';
import { registerCompressionCodecs } from './kafka/compression.ts';
import { RecordProducer } from './kafka/record-producer.ts';
import { TopicPartitions } from './kafka/topic-partitions.ts';

const DEFAULT_METADATA_MAX_AGE_MS = 300_000;
const READINESS_TIMEOUT_MS = 2_000;
const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000;
const DEFAULT_MAX_PARTITION_FETCH_BYTES = 1024 * 1024;
/** Kafka's fetch.max.wait.ms default; kafkajs's own is 5 s. */
const DEFAULT_FETCH_MAX_WAIT_MS = 500;
/** Records fetched ahead per consumer instance before fetching pauses. */
const CONSUMER_BUFFER_MAX_BYTES = 8 * 1024 * 1024;

export interface RunningProxy {
  /** One `http://host:port` per listener, with the port actually bound. */
  readonly urls: string[];
  /** The management listener's URLs (inspector, metrics, health); empty when it is off. */
  readonly managementUrls: string[];
  /** The embedded schema registry's URLs; empty when it is off or an external one is used. */
  readonly schemaRegistryUrls: string[];
  readonly journal: Journal;
  readonly metrics: ProxyMetrics;
  readonly pool: ProducerPool;
  readonly consumers: ConsumerSupervisor;
  /** Graceful: stop accepting, finish in-flight requests, flush producers, close clients and journal. */
  close(): Promise<void>;
}

export async function startProxy(config: Config, logger: Logger): Promise<RunningProxy> {
  if (!config.bootstrapServers) throw new Error('bootstrap.servers is required to start the proxy');
  // A keystore or truststore that cannot be read stops the start before anything opens.
  const tls = config.tls ? new ServerTls(config.tls, logger) : null;
  // First: a password file or token key that cannot be loaded stops the start before anything opens.
  const authentication = createAuthentication(config.authentication, logger);
  await registerCompressionCodecs();
  const metrics = new ProxyMetrics({ collectProcessMetrics: true });
  // Throws JournalLockedError when another process holds this journal.
  const journal = Journal.open(config.journalPath, { onAppend: (seconds) => metrics.observeJournalAppend(seconds) });
  monitorJournal(journal, logger, metrics);
  const kafkaConfig = toKafkaConfig(config.client, config.bootstrapServers);
  const kafka = createKafka(kafkaConfig, logger);
  const adminKafka = config.admin.requestTimeout
    ? createKafka(toKafkaConfig(config.client, config.bootstrapServers, { requestTimeout: config.admin.requestTimeout }), logger)
    : kafka;
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
    bufferMemory: config.producerBufferMemory,
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
  pool.start();
  metrics.trackProducerBuffer(() => pool.buffer.usedBytes);

  // The embedded registry lives in the journal's database; an external one is reached over HTTP.
  const embeddedRegistry = config.schemaRegistryUrl ? null : EmbeddedRegistry.open(journal.database);
  const registry: SchemaRegistry = config.schemaRegistryUrl
    ? new CachedRegistry(new HttpRegistry({ url: config.schemaRegistryUrl, basicAuth: basicAuth(config.schemaRegistryBasicAuthUserInfo) }))
    : embeddedRegistry!;
  const schemas = new SchemaCodecs(registry);

  // Consumers reconnect on Java's schedule (retry.backoff.ms 100 → retry.backoff.max.ms 1000), not
  // kafkajs's 300 ms → 30 s: a member back from a broker outage rejoins within a second or two.
  const consumerKafka = createKafka({ ...kafkaConfig, retry: { initialRetryTime: 100, maxRetryTime: 1_000, ...kafkaConfig.retry } }, logger);
  const fetcher = new PartitionFetcher(consumerKafka, { isolationLevel: config.consumer.readUncommitted === false ? 'read_committed' : 'read_uncommitted' });
  const consumers = new ConsumerSupervisor(
    {
      journal,
      fetcher,
      createGroupConsumer: (options) =>
        new GroupConsumer(consumerKafka, {
          ...options,
          // Java's consumer reads uncommitted unless told otherwise; kafkajs's default is the opposite.
          config: { maxWaitTimeInMs: DEFAULT_FETCH_MAX_WAIT_MS, readUncommitted: true, ...toConsumerConfig(config.consumer, options.groupId) },
        }),
      settings: {
        requestTimeoutMs: config.consumerRequestTimeoutMs,
        requestMaxBytes: config.consumerRequestMaxBytes,
        fetchMinBytes: config.fetchMinBytes,
        instanceTimeoutMs: config.consumerInstanceTimeoutMs,
        bufferMaxBytes: CONSUMER_BUFFER_MAX_BYTES,
        maxBytesPerPartition: config.consumer.maxBytesPerPartition ?? DEFAULT_MAX_PARTITION_FETCH_BYTES,
        autoCommitIntervalMs: config.consumer.autoCommitInterval ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS,
        maxPendingRequests: config.consumerMaxPendingRequests,
        patternRefreshMs: config.consumerPatternRefreshMs,
      },
      topicNames: () => metadata.topicNames(),
      decoderFor: (format) => (isSchemaFormat(format) ? { decode: (bytes) => schemas.decode(bytes, format) } : codecFor(format)!),
      logger,
      metrics,
    },
    config.id,
    { maxInstances: config.limits.consumerInstancesMax, maxPerPrincipal: config.limits.consumerInstancesMaxPerPrincipal },
  );
  const { recovered, expired } = consumers.recover();
  // Always said, zeros included: an operator checking a restart should not have to infer it.
  logger.info({ recovered, expired }, `consumer instances from the journal: ${recovered} resumed, ${expired} expired while the proxy was down`);
  reportJournalDamage(journal, logger, metrics, recovered);
  metrics.trackStates('producer_slots', () => countBy(pool.slots.map((slot) => slot.state)));
  metrics.trackStates('consumer_instances', () => countBy(consumers.list().map((instance) => instance.state)));

  const readiness = createReadinessProbe({
    brokerReachable: () => metadata.brokerIds(),
    journalWritable: () => journal.writable(),
    timeoutMs: READINESS_TIMEOUT_MS,
  });
  const app = createApp({
    authentication: authentication.api,
    readiness,
    metrics,
    schemas,
    metadata,
    producer: pool,
    consumers,
    fetcher,
    subscriptionLimits: { maxTopics: config.consumerSubscriptionMaxTopics },
    consumerDefaults: {
      autoOffsetReset: config.consumer.autoOffsetReset === 'earliest' ? 'earliest' : 'latest',
      autoCommit: config.consumer.autoCommit ?? true,
    },
    advertisedListeners: config.advertisedListeners,
    simpleConsumer: { waitMs: config.consumerRequestTimeoutMs, maxBytes: Math.min(config.consumerRequestMaxBytes, 16 * 1024 * 1024) },
    logger,
    requestBodyMaxBytes: config.requestBodyMaxBytes,
    v3: { enable: config.apiV3Enable, resourceNameAuthority: config.resourceNameAuthority },
    v3Produce: {
      sender: pool,
      partitions,
      registry,
      schemas,
      stream: {
        // Without a limit of its own, an object is bounded like any request body.
        maxRecordBytes: config.v3ProduceRequestSizeLimitMaxBytes || config.requestBodyMaxBytes,
        maxInFlightRecords: config.streamingConnectionMaxInFlightRecords,
        maxInFlightBytes: config.producerBufferMemory,
        maxDurationMs: config.streamingConnectionMaxDurationMs,
        gracePeriodMs: config.streamingConnectionMaxDurationGracePeriodMs,
      },
      batchMaximumEntries: config.v3ProduceBatchMaximumEntries,
      ...(config.limits.produceRate && { admit: produceAdmission(new ProduceRateLimiter(config.limits.produceRate)) }),
    },
    cors: config.limits.cors,
    limits: {
      requestRate: config.limits.requestRate && { ...config.limits.requestRate, limiter: new RequestRateLimiter(config.limits.requestRate.permitsPerSec, config.limits.requestRate.timeoutMs) },
      connections: config.limits.serverConnectionLimit,
    },
  });
  // A v3 produce stream is one request that lasts up to its maximum duration and grace period.
  const streamLimitMs = config.streamingConnectionMaxDurationMs + config.streamingConnectionMaxDurationGracePeriodMs + 10_000;
  const api = await HttpListeners.open(app, config.listeners, { setting: 'listeners', requestTimeoutMs: Math.max(300_000, streamLimitMs), tls });
  const management = config.managementListeners.length
    ? await HttpListeners.open(
        createManagementApp({
          inspector: config.inspectorEnable
            ? new Inspector({ pool, consumers, journal, metadata, fetcher, instanceTimeoutMs: config.consumerInstanceTimeoutMs })
            : null,
          metrics,
          openApi: openApiDocument,
          readiness,
          logger,
          allowedHosts: allowedHosts(config.managementListeners, config.limits.managementAllowedHosts),
          authentication: authentication.management,
        }),
        config.managementListeners,
        { setting: 'management.listeners', tls },
      )
    : null;
  const registryApi =
    embeddedRegistry && config.schemaRegistryListeners.length
      ? await HttpListeners.open(
          createRegistryApp(embeddedRegistry, {
            onError: (error) => logger.error({ err: error }, 'schema registry error'),
            authentication: authentication.registry,
          }),
          config.schemaRegistryListeners,
          { setting: 'schema.registry.listeners', tls },
        )
      : null;
  const urls = api.urls;
  logger.info(
    { urls, management: management?.urls ?? [], schemaRegistry: registryApi?.urls ?? config.schemaRegistryUrl, bootstrapServers: config.bootstrapServers },
    'kafka-rest proxy listening',
  );

  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      // Stop accepting; requests in flight finish first (live inspector streams never do).
      await Promise.all([api.close(config.shutdownTimeoutMs), registryApi?.close(config.shutdownTimeoutMs), management?.close(0)]);
      await withTimeout(Promise.all([consumers.close(), pool.stop()]), config.shutdownTimeoutMs);
      await Promise.all([metadata.close(), partitions.close(), fetcher.close()]).catch(() => undefined);
      journal.close();
      authentication.close();
      logger.info('kafka-rest proxy stopped');
    })());

  return { urls, managementUrls: management?.urls ?? [], schemaRegistryUrls: registryApi?.urls ?? [], journal, metrics, pool, consumers, close };
}

function basicAuth(userInfo: string | null): { username: string; password: string } | undefined {
  if (!userInfo) return undefined;
  const at = userInfo.indexOf(':');
  return { username: userInfo.slice(0, at), password: userInfo.slice(at + 1) };
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
