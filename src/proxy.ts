/**
 * Assembles a running proxy from a Config: journal → Kafka clients → producer pool → HTTP
 * listeners, and takes it apart again in the reverse order. main.ts adds the command line, the
 * embedded broker and signals; tests and benchmarks call startProxy directly.
 */
import nodeCluster from 'node:cluster';
import type { Logger } from 'pino';
import { BufferMemory } from './actors/producer/buffer-memory.ts';
import type { ProducerPool } from './actors/producer/pool.ts';
import { createClientSet } from './principals/client-set.ts';
import { PrincipalClients, type KafkaLogin } from './principals/principal-clients.ts';
import { ownerClients } from './principals/owner-clients.ts';
import { scoped } from './principals/scoped.ts';
import { basicLogin, keystoreLogin, propagatePrincipal } from './http/auth/propagation.ts';
import { readKeystoreIdentities } from './principals/keystore-identities.ts';
import { StartupError } from './startup-error.ts';
import { ConsumerSupervisor } from './actors/consumer/supervisor.ts';
import { consumerSettings } from './actors/consumer/consumer-settings.ts';
import type { Config } from './config/config.ts';
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
import { machineMetrics } from './observability/worker-metrics.ts';
import { openApiDocument } from './http/openapi.ts';
import { Journal } from './journal/journal.ts';
import { monitorJournal, reportJournalDamage } from './journal/journal-monitor.ts';
import { registerCompressionCodecs } from './kafka/compression.ts';
import { startClusterMode } from './cluster/cluster-mode.ts';
import type { ClusterNode } from './cluster/cluster-node.ts';
import { toKafkaConfig } from './config/kafka-client-options.ts';

const READINESS_TIMEOUT_MS = 2_000;

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
  /** This member of a proxy cluster; null for a single proxy. */
  readonly cluster: ClusterNode | null;
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
  const buffer = new BufferMemory(config.producerBufferMemory);
  const propagating = config.propagation.method !== null;
  const clientSetOf = (slotIdPrefix: string, login?: KafkaLogin) =>
    createClientSet({ config, brokers: config.bootstrapServers!, slotIdPrefix, buffer, journal, logger, metrics, ...(login && { login, forgetOnClose: true }), lazyProducers: propagating });
  // The proxy's own login: everything when propagation is off; work no principal asked for when
  // on. With propagation, a set's producers connect at its first produce: a principal that only
  // reads (or the proxy's own login) may have no WRITE anywhere and would retry InitProducerId.
  const own = clientSetOf('producer-slot-');
  const { metadata, pool } = own;
  // With propagation, each principal's requests use a set of its own (principal-clients.ts).
  const identities = principalCertificates(config);
  const principals = propagating
    ? new PrincipalClients({
        create: (login, tag) => clientSetOf(`producer-slot-${tag}-`, login),
        max: config.propagation.clientsMax,
        idleMs: config.propagation.clientsIdleMs,
        logger,
        ...(identities && { known: (name: string) => identities.get(name) ?? null }),
      })
    : null;
  const requestClients = principals
    ? {
        metadata: scoped(own.metadata, (c) => c.metadata),
        pool: scoped(
          own.pool,
          (c) => (c.pool.start(), c.pool),
          () => own.pool.start(),
        ),
        partitions: scoped(own.partitions, (c) => c.partitions),
        simpleConsumers: scoped(own.simpleConsumers, (c) => c.simpleConsumers),
      }
    : own;
  metrics.trackProducerBuffer(() => buffer.usedBytes);
  if (principals) metrics.trackPrincipalClients(() => principals.open);

  // The embedded registry lives in the journal's database; an external one is reached over HTTP.
  const embeddedRegistry = config.schemaRegistryUrl ? null : EmbeddedRegistry.open(journal.database);
  const registry: SchemaRegistry = config.schemaRegistryUrl
    ? new CachedRegistry(new HttpRegistry({ url: config.schemaRegistryUrl, basicAuth: basicAuth(config.schemaRegistryBasicAuthUserInfo) }))
    : embeddedRegistry!;
  const schemas = new SchemaCodecs(registry);

  const supervisorFor = (sessions: Journal) => new ConsumerSupervisor(
    {
      journal: sessions,
      fetcher: own.fetcher,
      openReader: () => own.createFetcher(),
      createGroupConsumer: own.createGroupConsumer,
      // An owned instance reaches Kafka as its owner, with the credentials of its owner's last request.
      ...(principals && { kafkaFor: (owner: string) => ownerClients(principals, own.fetcher, owner) }),
      settings: consumerSettings(config),
      topicNames: () => own.metadata.topicNames(),
      decoderFor: (format) => (isSchemaFormat(format) ? { decode: (bytes) => schemas.decode(bytes, format) } : codecFor(format)!),
      logger,
      metrics,
    },
    config.id,
    { maxInstances: config.limits.consumerInstancesMax, maxPerPrincipal: config.limits.consumerInstancesMaxPerPrincipal },
  );
  // Cluster mode keeps sessions in Kafka (src/cluster); a single proxy in its SQLite journal.
  const cluster = config.cluster
    ? await startClusterMode({
        settings: config.cluster,
        kafkaConfig: toKafkaConfig(config.client, config.bootstrapServers),
        proxyId: config.id,
        bodyMaxBytes: config.requestBodyMaxBytes,
        supervisorFor,
        logger,
        metrics,
      })
    : null;
  const consumers = cluster?.supervisor ?? supervisorFor(journal);
  if (!cluster) {
    const { recovered, expired } = consumers.recover();
    // Always said, zeros included: an operator checking a restart should not have to infer it.
    logger.info({ recovered, expired }, `consumer instances from the journal: ${recovered} resumed, ${expired} expired while the proxy was down`);
    reportJournalDamage(journal, logger, metrics, recovered);
  } else {
    const left = journal.actorIds('consumer').length;
    if (left > 0) logger.warn({ instances: left, journal: config.journalPath }, 'consumer instances in journal.path are not served in cluster mode (its sessions live in the sessions topic); they stay there and come back if cluster.name is removed');
  }
  if (cluster && !config.schemaRegistryUrl) {
    logger.warn('cluster mode with the embedded schema registry: each member has its own, so one schema gets a different id on each; set schema.registry.url to one registry for schema formats');
  }
  metrics.trackStates('producer_slots', () => countBy(pool.slots.map((slot) => slot.state)));
  metrics.trackStates('consumer_instances', () => countBy(consumers.list().map((instance) => instance.state)));

  const readiness = createReadinessProbe({
    brokerReachable: () => metadata.brokerIds(),
    // In cluster mode the sessions topic is a journal too.
    journalWritable: () => journal.writable() && (cluster?.writable() ?? true),
    timeoutMs: READINESS_TIMEOUT_MS,
  });
  const app = createApp({
    authentication: principals ? [...authentication.api, propagatePrincipal(principals, identities ? keystoreLogin(identities) : basicLogin)] : authentication.api,
    readiness,
    metrics,
    schemas,
    metadata: requestClients.metadata,
    producer: requestClients.pool,
    consumers: cluster?.port ?? consumers,
    simpleConsumers: requestClients.simpleConsumers,
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
      sender: requestClients.pool,
      partitions: requestClients.partitions,
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
            ? new Inspector({ pool, consumers, journal: cluster?.journal ?? journal, cluster: cluster?.node ?? null, metadata, fetcher: own.fetcher, instanceTimeoutMs: config.consumerInstanceTimeoutMs })
            : null,
          // A worker's scrape answers every worker's metrics (its listener is shared with them).
          metrics: nodeCluster.isWorker ? machineMetrics(metrics.registry) : metrics,
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
      // Consumers leave their groups (and evict themselves) while the clients are still open; in
      // cluster mode the other members take them over.
      await withTimeout(Promise.all([cluster ? cluster.close() : consumers.close(), pool.stop()]), config.shutdownTimeoutMs);
      await withTimeout(Promise.all([own.close(), principals?.close()]), config.shutdownTimeoutMs);
      journal.close();
      authentication.close();
      logger.info('kafka-rest proxy stopped');
    })());

  return { urls, managementUrls: management?.urls ?? [], schemaRegistryUrls: registryApi?.urls ?? [], journal, metrics, pool, consumers, cluster: cluster?.node ?? null, close };
}

/** SSL propagation: each principal's certificate by subject, read once at start-up (a bad store stops the start). */
function principalCertificates(config: Config): Map<string, KafkaLogin> | null {
  const store = config.propagation.method === 'SSL' ? config.propagation.keystore : null;
  if (!store) return null;
  try {
    return readKeystoreIdentities(store.location, store.password);
  } catch (error) {
    throw new StartupError(`confluent.rest.auth.propagate.method=SSL: ${error instanceof Error ? error.message : String(error)}`);
  }
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
