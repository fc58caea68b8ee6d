/**
 * The proxy's own top-level keys: value types, defaults and descriptions. The table is the single
 * source of truth: config validation reads it and docs/CONFIGURATION.md is generated from it.
 */
import { accept, bool, COMPRESSION_TYPES, integer, oneOf, reject, text, type ValueType } from './kafka-client-options.ts';
import { LIMIT_SETTINGS } from './limit-settings.ts';
import { TLS_SETTINGS } from './tls-settings.ts';
import { AUTH_SETTINGS } from './auth-settings.ts';
import { PROPAGATION_SETTINGS } from './propagation-settings.ts';
import { CLUSTER_SETTINGS } from './cluster-settings.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Longest a records read may wait, proxy-wide or per instance: a read holds its instance. */
export const MAX_CONSUMER_REQUEST_TIMEOUT_MS = 300_000;

// ---------------------------------------------------------------------------------------------
// Value types of the top-level keys.

/** Kafka's list syntax: comma separated, blanks around items ignored, empty items dropped. */
export const splitList = (raw: string): string[] =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

const parseUrl = (raw: string): URL | null => {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
};

export function urlList(schemes: readonly string[], required: boolean): ValueType<URL[]> {
  const shape = schemes.map((s) => `${s}://host:port`).join(' or ');
  return {
    expected: `a comma-separated list of ${shape} URLs`,
    parse(raw) {
      const items = splitList(raw);
      if (required && items.length === 0) return reject('at least one URL is required');
      const urls: URL[] = [];
      for (const item of items) {
        const url = parseUrl(item);
        if (!url) return reject(`"${item}" is not a URL`);
        const scheme = url.protocol.slice(0, -1);
        if (!schemes.includes(scheme)) return reject(`"${item}": unsupported scheme ${scheme}`);
        if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
          return reject(`"${item}" must have no path, query or credentials`);
        }
        urls.push(url);
      }
      return accept(urls);
    },
  };
}

const BROKER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/** `host:port` list; a `LISTENER_NAME://` prefix (as in `PLAINTEXT://kafka:9092`) is dropped. */
const brokerList: ValueType<string[]> = {
  expected: 'a comma-separated list of host:port (optionally PLAINTEXT://host:port)',
  parse(raw) {
    const items = splitList(raw);
    if (items.length === 0) return reject('at least one broker is required');
    const brokers: string[] = [];
    for (const item of items) {
      const address = item.replace(/^[A-Za-z][A-Za-z0-9_]*:\/\//, '');
      const port = Number(BROKER.exec(address)?.[2] ?? NaN);
      if (!(port >= 1 && port <= 65535)) return reject(`"${item}" is not host:port`);
      brokers.push(address);
    }
    return accept(brokers);
  },
};

/** The registry URLs, and `user:password` when they carried credentials (Confluent's URL credentials source). */
export interface RegistryUrls {
  /** Comma-separated, credentials removed: the registry client tries them in order. */
  readonly urls: string;
  readonly userInfo: string | null;
}

/** Confluent's registry client takes a list and fails over along it; so does HttpRegistry. */
const registryUrls: ValueType<RegistryUrls | null> = {
  expected: 'a comma-separated list of http:// or https:// URLs, or empty',
  parse(raw) {
    const items = splitList(raw);
    if (items.length === 0) return accept(null);
    const urls: string[] = [];
    const credentials = new Set<string>();
    for (const item of items) {
      const url = parseUrl(item);
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return reject(`"${item}" is not an http:// or https:// URL`);
      if (url.username || url.password) credentials.add(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
      url.username = '';
      url.password = '';
      urls.push(url.href.replace(/\/$/, ''));
    }
    if (credentials.size > 1) return reject('the URLs carry different credentials');
    return accept({ urls: urls.join(','), userInfo: [...credentials][0] ?? null });
  },
};

const userInfo: ValueType<string> = {
  expected: 'user:password',
  parse: (raw) => (/^[^:]+:.*$/s.test(raw) ? accept(raw) : reject()),
};

const path: ValueType<string> = {
  expected: 'a non-empty path',
  parse: (raw) => (raw.trim() === '' ? reject() : accept(raw.trim())),
};

export const CREDENTIALS_SOURCES = ['URL', 'USER_INFO', 'SASL_INHERIT'] as const;
export type CredentialsSource = (typeof CREDENTIALS_SOURCES)[number];

// ---------------------------------------------------------------------------------------------
// The table.

export interface Setting<T> {
  readonly key: string;
  readonly type: ValueType<T>;
  /** Raw default, parsed like any value; `null` = unset. */
  readonly fallback: string | null;
  readonly description: string;
}
export interface DefaultedSetting<T> extends Setting<T> {
  readonly fallback: string;
}

const setting = <T>(key: string, type: ValueType<T>, fallback: string, description: string): DefaultedSetting<T> => ({
  key,
  type,
  fallback,
  description,
});
const optionalSetting = <T>(key: string, type: ValueType<T>, description: string): Setting<T> => ({
  key,
  type,
  fallback: null,
  description,
});

export const SETTINGS = {
  listeners: setting(
    'listeners',
    urlList(['http', 'https'], true),
    'http://0.0.0.0:8082',
    "Where the proxy accepts HTTP: http:// and https:// URLs (https takes its TLS from the ssl.* keys). When it is not set, Confluent's deprecated `port` gives http://0.0.0.0:<port>.",
  ),
  advertisedListeners: setting(
    'advertised.listeners',
    urlList(['http', 'https'], false),
    '',
    "Base URLs used in generated absolute URLs; empty = Confluent's deprecated `host.name` with each listener's port, else the request Host.",
  ),
  ...TLS_SETTINGS,
  id: setting('id', text, '', 'Unique id of this proxy instance, used in generated consumer instance names.'),
  bootstrapServers: optionalSetting('bootstrap.servers', brokerList, 'Kafka brokers to connect to; unset = start an embedded local broker.'),
  compressionType: setting('compression.type', oneOf(COMPRESSION_TYPES), 'none', 'Compression of produced batches.'),
  consumerRequestTimeoutMs: setting(
    'consumer.request.timeout.ms',
    integer(0, MAX_CONSUMER_REQUEST_TIMEOUT_MS),
    '1000',
    'Longest a consumer records read waits (ms); instances may override it within the same bound.',
  ),
  consumerRequestMaxBytes: setting('consumer.request.max.bytes', integer(1), '67108864', 'Most key+value bytes in one records response.'),
  consumerInstanceTimeoutMs: setting('consumer.instance.timeout.ms', integer(1), '300000', 'Idle time before a consumer instance is deleted (ms).'),
  consumerIteratorBackoffMs: setting('consumer.iterator.backoff.ms', integer(0), '50', "Accepted for compatibility with Confluent's settings; unused, as reads wake as soon as records arrive."),
  consumerSubscriptionMaxTopics: setting(
    'consumer.subscription.max.topics',
    integer(1, 100_000),
    '1000',
    'Most distinct topics one consumer subscription may list; more → 422.',
  ),
  consumerMaxPendingRequests: setting(
    'consumer.instance.max.pending.requests',
    integer(1, 10_000),
    '32',
    'Requests one consumer instance queues while it works on another; beyond that → 429.',
  ),
  consumerPatternRefreshMs: setting(
    'consumer.pattern.refresh.ms',
    integer(1000, 3_600_000),
    '30000',
    "How often a topic_pattern subscription looks for new matching topics (ms); Java's consumer uses metadata.max.age.ms for this.",
  ),
  fetchMinBytes: setting('fetch.min.bytes', integer(-1, 10_000_000), '-1', 'Bytes a records read gathers before answering early; -1 = off.'),
  schemaRegistryUrl: optionalSetting(
    'schema.registry.url',
    registryUrls,
    'External Confluent-compatible schema registry; several URLs are tried in order, the next when one is unreachable; credentials in a URL are sent as basic auth; unset or empty = the embedded registry.',
  ),
  journalPath: setting('journal.path', path, 'data/journal.db', 'SQLite journal that lets consumer instances survive restarts.'),
  producerPoolSize: setting('producer.pool.size', integer(1, 64), '4', 'Number of producer slots.'),
  producerLingerMs: setting(
    'producer.linger.ms',
    integer(0, 10_000),
    '0',
    'How long an idle slot waits to gather records from concurrent requests into one batch (ms); under load batches form anyway while a send is in flight.',
  ),
  producerMaxRequestSize: setting(
    'producer.max.request.size',
    integer(1024, 2_147_483_647),
    '1048576',
    "Largest produce request sent to Kafka (bytes, Java's default): a larger batch of records is split into several requests, and a single larger record fails with 50002.",
  ),
  producerMaxBlockMs: setting(
    'producer.max.block.ms',
    integer(0),
    '60000',
    'How long a produce waits for topic metadata, for room in producer.buffer.memory and for a healthy slot (ms); then its records fail with 50003, or the request with 429 when the buffer had no room.',
  ),
  producerDeliveryTimeoutMs: setting(
    'producer.delivery.timeout.ms',
    integer(1),
    '120000',
    'Upper bound on how long a produce request waits for its records to be acknowledged (ms); after it, 50003. Records still queued then are dropped unsent; records already sent may still be written.',
  ),
  producerBufferMemory: setting(
    'producer.buffer.memory',
    integer(1024, 2_147_483_647),
    '33554432',
    "Bytes of records (key, value and framing) the producer pool holds, queued or in flight (Java's buffer.memory). When it is full a produce waits up to producer.max.block.ms for room, then is refused with 429 (error_code 42901); producer.max.block.ms=0 refuses at once (that setting also bounds the waits for topic metadata and a ready slot).",
  ),
  requestBodyMaxBytes: setting('request.body.max.bytes', integer(1), '67108864', 'Largest accepted HTTP request body; larger → 413.'),
  apiV3Enable: setting('api.v3.enable', bool, 'true', 'Serve API v3 (/v3: cluster admin and produce); false answers 404 there, as Confluent does.'),
  resourceNameAuthority: setting(
    'confluent.resource.name.authority',
    text,
    '',
    'Authority of the Confluent Resource Names in v3 answers (`crn://<authority>/kafka=…`); empty gives `crn:///kafka=…`.',
  ),
  v3ProduceRequestSizeLimitMaxBytes: setting(
    'api.v3.produce.request.size.limit.max.bytes',
    integer(0),
    '0',
    'Largest JSON object in a v3 produce stream (bytes); a larger one gets one 400 entry and the stream ends. 0 = no limit of its own, request.body.max.bytes bounds each object then.',
  ),
  v3ProduceBatchMaximumEntries: setting(
    'api.v3.produce.batch.maximum.entries',
    integer(1, 50),
    '10',
    'Most entries one v3 records:batch request may carry; more → 422 (error_code 42208).',
  ),
  streamingConnectionMaxDurationMs: setting(
    'streaming.connection.max.duration.ms',
    integer(1, 2_147_483_647),
    '86400000',
    'Longest a v3 produce stream stays open (ms); then it takes no more records, answers 408 and closes after the grace period.',
  ),
  streamingConnectionMaxDurationGracePeriodMs: setting(
    'streaming.connection.max.duration.grace.period.ms',
    integer(0, 2_147_483_647),
    '500',
    'How long a v3 produce stream past its maximum duration still writes receipts of records already taken (ms) before it closes.',
  ),
  streamingConnectionMaxInFlightRecords: setting(
    'streaming.connection.max.in.flight.records',
    integer(1, 100_000),
    '1000',
    'Records one v3 produce stream may have taken but not yet answered; at the bound the proxy stops reading the request until receipts are written (so does a full producer.buffer.memory worth of them, or a client that does not read its receipts).',
  ),
  shutdownTimeoutMs: setting('shutdown.timeout.ms', integer(0), '30000', 'Budget for a graceful shutdown (ms).'),
  logLevel: setting('log.level', oneOf(LOG_LEVELS), 'info', "Log level. When it is not set, the Confluent image's KAFKA_REST_LOG4J_ROOT_LOGLEVEL gives it."),
  embeddedBrokerDir: setting('embedded.broker.dir', path, 'data/kafka', 'Data folder of the embedded broker.'),
  embeddedBrokerPort: optionalSetting(
    'embedded.broker.port',
    integer(1, 65535),
    "Port of the embedded broker; unset = 9092 when that port is free, else any free port.",
  ),
  embeddedBrokerNumPartitions: setting(
    'embedded.broker.num.partitions',
    integer(1, 10_000),
    '1',
    'Partitions of the topics the embedded broker creates on first use (its num.partitions).',
  ),
  embeddedBrokerShutdownTimeoutMs: setting(
    'embedded.broker.shutdown.timeout.ms',
    integer(0),
    '30000',
    'How long the embedded broker gets to stop after the proxy has stopped (ms); then it is killed.',
  ),
  managementListeners: setting(
    'management.listeners',
    urlList(['http', 'https'], false),
    'http://127.0.0.1:8083',
    'Where the actor inspector, /metrics, /openapi.json and health checks are served; loopback only by default, empty = off.',
  ),
  inspectorEnable: setting('inspector.enable', bool, 'true', 'Serve the actor inspector on the management listener.'),
  schemaRegistryListeners: setting(
    'schema.registry.listeners',
    urlList(['http', 'https'], false),
    'http://127.0.0.1:8081',
    'Where the embedded schema registry serves the Confluent Schema Registry API, when schema.registry.url is not set; loopback only by default (set e.g. http://0.0.0.0:8081 to serve other hosts), empty = off. It asks for the same authentication as the REST API.',
  ),
  schemaRegistryBasicAuthUserInfo: optionalSetting(
    'schema.registry.basic.auth.user.info',
    userInfo,
    'user:password for an external schema registry (HTTP basic auth).',
  ),
  schemaRegistryCredentialsSource: optionalSetting(
    'schema.registry.basic.auth.credentials.source',
    oneOf(CREDENTIALS_SOURCES),
    "Where the registry's basic-auth credentials come from: URL (the user:password@ of schema.registry.url), USER_INFO (schema.registry.basic.auth.user.info) or SASL_INHERIT (the client.sasl.jaas.config username and password); unset = the URL's when it has some, else user.info.",
  ),
  ...LIMIT_SETTINGS, // rate limits, connection and instance limits, CORS, management Host check
  ...AUTH_SETTINGS, // authentication.*, oauth.*: HTTP authentication of the three listeners
  ...PROPAGATION_SETTINGS, // confluent.rest.auth.propagate.method, principal.clients.*: principals reaching Kafka as themselves
  ...CLUSTER_SETTINGS, // cluster.*: proxies sharing consumer instances through Kafka
};

export const ALL_SETTINGS: readonly Setting<unknown>[] = Object.values(SETTINGS);
// Looked up before the prefixes: `consumer.request.timeout.ms` etc. are the proxy's own keys.
export const SETTING_KEYS: ReadonlySet<string> = new Set(ALL_SETTINGS.map((s) => s.key));
