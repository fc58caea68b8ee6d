/**
 * Assembles a running proxy from a Config: journal → Kafka clients → producer pool → HTTP
 * listeners, and takes it apart again in the reverse order. main.ts adds the command line, the
 * embedded broker and signals; tests and benchmarks call startProxy directly.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ProducerPool } from './actors/producer/pool.ts';
import { ConsumerSupervisor } from './actors/consumer/supervisor.ts';
import { GroupConsumer } from './kafka/group-consumer.ts';
import { PartitionFetcher } from './kafka/partition-fetcher.ts';
import type { Config } from './config/config.ts';
import { toConsumerConfig, toKafkaConfig, toProducerConfig, toSendOptions } from './config/kafka-client-options.ts';
import { createApp } from './http/app.ts';
import { Journal } from './journal/journal.ts';
import { createKafka } from './kafka/client.ts';
import { ClusterMetadata } from './kafka/cluster-metadata.ts';
import { registerCompressionCodecs } from './kafka/compression.ts';
import { RecordProducer } from './kafka/record-producer.ts';
import { TopicPartitions } from './kafka/topic-partitions.ts';

const DEFAULT_METADATA_MAX_AGE_MS = 300_000;
const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000;
const DEFAULT_MAX_PARTITION_FETCH_BYTES = 1024 * 1024;
/** Kafka's fetch.max.wait.ms default; kafkajs's own is 5 s. */
const DEFAULT_FETCH_MAX_WAIT_MS = 500;
/** Records fetched ahead per consumer instance before fetching pauses. */
const CONSUMER_BUFFER_MAX_BYTES = 8 * 1024 * 1024;

export interface RunningProxy {
  /** One `http://host:port` per listener, with the port actually bound. */
  readonly urls: string[];
  readonly journal: Journal;
  readonly pool: ProducerPool;
  readonly consumers: ConsumerSupervisor;
  /** Graceful: stop accepting, finish in-flight requests, flush producers, close clients and journal. */
  close(): Promise<void>;
}

export async function startProxy(config: Config, logger: Logger): Promise<RunningProxy> {
  if (!config.bootstrapServers) throw new Error('bootstrap.servers is required to start the proxy');
  await registerCompressionCodecs();
  const journal = Journal.open(config.journalPath);
  const kafka = createKafka(toKafkaConfig(config.client, config.bootstrapServers), logger);
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
  const pool = new ProducerPool({
    size: config.producerPoolSize,
    lingerMs: config.producerLingerMs,
    maxBlockMs: config.producerMaxBlockMs,
    deliveryTimeoutMs: config.producerDeliveryTimeoutMs,
    createProducer: () => new RecordProducer(kafka, toProducerConfig(config.producer), sendOptions),
    partitions,
    journal,
    logger,
  });
  pool.start();

  const fetcher = new PartitionFetcher(kafka);
  const consumers = new ConsumerSupervisor(
    {
      journal,
      fetcher,
      createGroupConsumer: (options) =>
        new GroupConsumer(kafka, {
          ...options,
          config: { maxWaitTimeInMs: DEFAULT_FETCH_MAX_WAIT_MS, ...toConsumerConfig(config.consumer, options.groupId) },
        }),
      settings: {
        requestTimeoutMs: config.consumerRequestTimeoutMs,
        requestMaxBytes: config.consumerRequestMaxBytes,
        fetchMinBytes: config.fetchMinBytes,
        instanceTimeoutMs: config.consumerInstanceTimeoutMs,
        bufferMaxBytes: CONSUMER_BUFFER_MAX_BYTES,
        maxBytesPerPartition: config.consumer.maxBytesPerPartition ?? DEFAULT_MAX_PARTITION_FETCH_BYTES,
        autoCommitIntervalMs: config.consumer.autoCommitInterval ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS,
      },
      logger,
    },
    config.id,
  );
  const recovered = consumers.recover();
  if (recovered > 0) logger.info({ recovered }, 'consumer instances resumed from the journal');
  consumers.startExpiry();

  const app = createApp({
    metadata,
    producer: pool,
    consumers,
    fetcher,
    consumerDefaults: {
      autoOffsetReset: config.consumer.autoOffsetReset === 'earliest' ? 'earliest' : 'latest',
      autoCommit: config.consumer.autoCommit ?? true,
    },
    advertisedListeners: config.advertisedListeners,
    simpleConsumer: { waitMs: config.consumerRequestTimeoutMs, maxBytes: Math.min(config.consumerRequestMaxBytes, 16 * 1024 * 1024) },
    logger,
    requestBodyMaxBytes: config.requestBodyMaxBytes,
  });
  const servers: Server[] = [];
  const inFlight = new Set<Promise<void>>();
  let closing = false;
  const handler = app.callback();
  for (const listener of config.listeners) {
    const server = createServer((req, res) => {
      if (closing) res.setHeader('Connection', 'close');
      const done = new Promise<void>((resolve) => res.once('close', resolve));
      inFlight.add(done);
      void done.then(() => inFlight.delete(done));
      void handler(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(listener.port || 80), listener.hostname.replace(/^\[|\]$/g, ''), () => resolve());
    });
    servers.push(server);
  }
  const urls = servers.map((server, i) => {
    const { port } = server.address() as AddressInfo;
    return `http://${config.listeners[i]!.hostname}:${port}`;
  });
  logger.info({ urls, bootstrapServers: config.bootstrapServers }, 'kafka-rest proxy listening');

  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      closing = true;
      // Stop accepting; idle keep-alive connections go now, busy ones once their request is done.
      const serversClosed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const server of servers) server.closeIdleConnections();
      await withTimeout(Promise.all(inFlight), config.shutdownTimeoutMs);
      for (const server of servers) server.closeAllConnections();
      await Promise.all(serversClosed);
      await withTimeout(Promise.all([consumers.close(), pool.stop()]), config.shutdownTimeoutMs);
      await Promise.all([metadata.close(), partitions.close(), fetcher.close()]).catch(() => undefined);
      journal.close();
      logger.info('kafka-rest proxy stopped');
    })());

  return { urls, journal, pool, consumers, close };
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
