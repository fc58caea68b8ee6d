/**
 * The proxy's configuration: a Confluent-style properties file, then `KAFKA_REST_*` environment
 * overrides (the convention of Confluent's Docker images), validated into one typed `Config`.
 * Every problem is collected before failing, so a broken deployment is fixed in one round.
 */
import { readFileSync } from 'node:fs';
import {
  accept,
  bool,
  ADMIN_OPTIONS,
  CLIENT_OPTIONS,
  COMPRESSION_TYPES,
  CONSUMER_OPTIONS,
  integer,
  oneOf,
  PASS_THROUGH_GROUPS,
  PRODUCER_OPTIONS,
  reject,
  text,
  type AdminOptions,
  type CompressionName,
  type ConsumerOptions,
  type KafkaClientOptions,
  type PassThroughGroup,
  type ProducerOptions,
  type ValueType,
} from './kafka-client-options.ts';
import { parseProperties, PropertiesSyntaxError } from './properties.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Longest a records read may wait, proxy-wide or per instance: a read holds its instance. */
export const MAX_CONSUMER_REQUEST_TIMEOUT_MS = 300_000;

export interface Config {
  /** Where to accept HTTP. Note `URL.port` is `''` when the URL names the scheme's default port. */
  readonly listeners: URL[];
  /** Authorities for generated absolute URLs; empty → taken from each request. */
  readonly advertisedListeners: URL[];
  readonly id: string;
  /** `host:port` entries; `null` means start an embedded local broker. */
  readonly bootstrapServers: string[] | null;
  /** Effective producer compression: `producer.compression.type`, else `compression.type`. */
  readonly compressionType: CompressionName;
  readonly consumerRequestTimeoutMs: number;
  readonly consumerRequestMaxBytes: number;
  readonly consumerInstanceTimeoutMs: number;
  readonly consumerIteratorBackoffMs: number;
  /** Most distinct topics one subscription may name. */
  readonly consumerSubscriptionMaxTopics: number;
  /** Bound of an instance's request queue; beyond it requests are refused with 429. */
  readonly consumerMaxPendingRequests: number;
  /** How often a pattern subscription looks for new matching topics (ms). */
  readonly consumerPatternRefreshMs: number;
  /** -1 disables the proxy-side minimum. */
  readonly fetchMinBytes: number;
  /** `null` disables schema-based formats. */
  readonly schemaRegistryUrl: string | null;
  readonly journalPath: string;
  readonly producerPoolSize: number;
  readonly producerLingerMs: number;
  /** Largest produce request a slot sends; larger batches are split, a larger record fails alone. */
  readonly producerMaxRequestSize: number;
  readonly producerMaxBlockMs: number;
  readonly producerDeliveryTimeoutMs: number;
  /** Bytes of records the producer pool may hold, queued or in flight; beyond it produces wait, then 429. */
  readonly producerBufferMemory: number;
  readonly requestBodyMaxBytes: number;
  readonly shutdownTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly embeddedBrokerDir: string;
  /** Where the inspector, metrics, OpenAPI and health checks are served; empty = nowhere. */
  readonly managementListeners: URL[];
  readonly inspectorEnable: boolean;
  /** Where the embedded schema registry listens (when schema.registry.url is not set); empty = off. */
  readonly schemaRegistryListeners: URL[];
  /** `user:password` for an external registry (Confluent's USER_INFO credentials source). */
  readonly schemaRegistryBasicAuthUserInfo: string | null;
  readonly client: KafkaClientOptions;
  readonly producer: ProducerOptions;
  readonly consumer: ConsumerOptions;
  readonly admin: AdminOptions;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid configuration (${count}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// ---------------------------------------------------------------------------------------------
// Value types of the top-level keys.

/** Kafka's list syntax: comma separated, blanks around items ignored, empty items dropped. */
const splitList = (raw: string): string[] =>
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

function urlList(schemes: readonly string[], required: boolean): ValueType<URL[]> {
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
        if (scheme === 'https' && !schemes.includes('https')) return reject(`"${item}": https listeners are not supported yet`);
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

const optionalHttpUrl: ValueType<string | null> = {
  expected: 'an http:// or https:// URL, or empty',
  parse(raw) {
    const value = raw.trim();
    if (value === '') return accept(null);
    const url = parseUrl(value);
    return url && (url.protocol === 'http:' || url.protocol === 'https:') ? accept(value) : reject();
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

// ---------------------------------------------------------------------------------------------
// Top-level keys.

interface Setting<T> {
  readonly key: string;
  readonly type: ValueType<T>;
  /** Raw default, parsed like any value; `null` = unset. */
  readonly fallback: string | null;
  readonly description: string;
}
interface DefaultedSetting<T> extends Setting<T> {
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

const SETTINGS = {
  listeners: setting('listeners', urlList(['http'], true), 'http://0.0.0.0:8082', 'Where the proxy accepts HTTP.'),
  advertisedListeners: setting(
    'advertised.listeners',
    urlList(['http', 'https'], false),
    '',
    'Base URLs used in generated absolute URLs; empty = the request Host.',
  ),
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
  schemaRegistryUrl: optionalSetting('schema.registry.url', optionalHttpUrl, 'External Confluent-compatible schema registry; unset = the embedded registry.'),
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
  shutdownTimeoutMs: setting('shutdown.timeout.ms', integer(0), '30000', 'Budget for a graceful shutdown (ms).'),
  logLevel: setting('log.level', oneOf(LOG_LEVELS), 'info', 'Log level.'),
  embeddedBrokerDir: setting('embedded.broker.dir', path, 'data/kafka', 'Data folder of the embedded broker.'),
  managementListeners: setting(
    'management.listeners',
    urlList(['http'], false),
    'http://127.0.0.1:8083',
    'Where the actor inspector, /metrics, /openapi.json and health checks are served; loopback only by default, empty = off.',
  ),
  inspectorEnable: setting('inspector.enable', bool, 'true', 'Serve the actor inspector on the management listener.'),
  schemaRegistryListeners: setting(
    'schema.registry.listeners',
    urlList(['http'], false),
    'http://0.0.0.0:8081',
    'Where the embedded schema registry serves the Confluent Schema Registry API, when schema.registry.url is not set; empty = off.',
  ),
  schemaRegistryBasicAuthUserInfo: optionalSetting(
    'schema.registry.basic.auth.user.info',
    userInfo,
    'user:password for an external schema registry (HTTP basic auth).',
  ),
};

const ALL_SETTINGS: readonly Setting<unknown>[] = Object.values(SETTINGS);
// Looked up before the prefixes: `consumer.request.timeout.ms` etc. are the proxy's own keys.
const SETTING_KEYS = new Set(ALL_SETTINGS.map((s) => s.key));

/** Every key with its default and meaning, for the README table. */
export function describeConfigKeys(): Array<{ key: string; default: string; description: string }> {
  return [
    ...ALL_SETTINGS.map((s) => ({ key: s.key, default: s.fallback ?? '', description: `${s.description} Expected: ${s.type.expected}.` })),
    ...PASS_THROUGH_GROUPS.flatMap((group) =>
      group.keys.map((k) => ({
        key: group.prefix + k.key,
        default: '',
        description: `${k.description} Maps to \`${k.kafkajs}\`. Expected: ${k.expected}.`,
      })),
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Loading.

interface RawValue {
  value: string;
  /** `file <path>` or `env <NAME>`, for messages. */
  source: string;
}

const ENV_PREFIX = 'KAFKA_REST_';

/**
 * `KAFKA_REST_CLIENT_SASL_MECHANISM` → `client.sasl.mechanism`, decoding like Confluent's
 * images (confluent-docker-utils `env_to_props`): `_` → `.`, `__` → `_`, `___` → `-`.
 */
export function envNameToKey(name: string): string {
  return name
    .slice(ENV_PREFIX.length)
    .toLowerCase()
    .replace(/(?<!_)_(?!_)/g, '.')
    .replaceAll('___', '-')
    .replaceAll('__', '_');
}

function readFile(file: string): Map<string, string> {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read config file ${file}: ${error instanceof Error ? error.message : String(error)}`]);
  }
  try {
    return parseProperties(content.replace(/^\uFEFF/, ''));
  } catch (error) {
    if (error instanceof PropertiesSyntaxError) throw new ConfigError([`config file ${file} ${error.message}`]);
    throw error;
  }
}

export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const raw = new Map<string, RawValue>();
  if (options.file !== undefined) {
    for (const [key, value] of readFile(options.file)) raw.set(key, { value, source: `file ${options.file}` });
  }
  for (const [name, value] of Object.entries(options.env ?? process.env)) {
    if (name.startsWith(ENV_PREFIX) && value !== undefined) raw.set(envNameToKey(name), { value, source: `env ${name}` });
  }
  return buildConfig(raw);
}

const show = (value: string, secret: boolean): string => (secret ? '(secret, not shown)' : JSON.stringify(value));

// Unknown keys were never validated, so guess whether their value may be a credential.
const looksSecret = (key: string): boolean => /password|secret|jaas|token|credential|user\.info|(^|\.)key$/i.test(key);

function invalid(key: string, raw: RawValue, expected: string, reason: string | undefined, secret: boolean): string {
  return `${key} = ${show(raw.value, secret)} (${raw.source}): ${reason ? `${reason}; ` : ''}expected ${expected}`;
}

function unknown(key: string, raw: RawValue, hint: string): string {
  const envHint = raw.source.startsWith('env ') ? ' (if that variable is not meant for the proxy, e.g. a Kubernetes service link, unset it)' : '';
  return `unknown key ${key} = ${show(raw.value, looksSecret(key))} (${raw.source})${envHint}: ${hint}`;
}

function unknownTopLevel(key: string): string {
  const prefixed = PASS_THROUGH_GROUPS.find((g) => g.keys.some((k) => k.key === key));
  if (prefixed) return `did you mean ${prefixed.prefix}${key}?`;
  const known = [...SETTING_KEYS, ...PASS_THROUGH_GROUPS.map((g) => `${g.prefix}*`)];
  return `expected one of ${known.join(', ')}`;
}

function applyGroup<D, O>(group: PassThroughGroup<D, O>, raw: Map<string, RawValue>, problems: string[]): O {
  const draft = group.draft();
  const before = problems.length;
  for (const [key, value] of raw) {
    if (!key.startsWith(group.prefix) || SETTING_KEYS.has(key)) continue;
    const name = key.slice(group.prefix.length);
    const spec = group.keys.find((k) => k.key === name);
    if (!spec) {
      problems.push(unknown(key, value, `supported ${group.prefix}* keys are ${group.keys.map((k) => k.key).join(', ')}`));
      continue;
    }
    const applied = spec.apply(draft, value.value);
    if (!applied.ok) problems.push(invalid(key, value, spec.expected, applied.reason, spec.secret));
  }
  const { options, problems: crossKey } = group.finish(draft);
  if (problems.length === before) problems.push(...crossKey);
  return options;
}

function buildConfig(raw: Map<string, RawValue>): Config {
  const problems: string[] = [];

  for (const [key, value] of raw) {
    const known = SETTING_KEYS.has(key) || PASS_THROUGH_GROUPS.some((g) => key.startsWith(g.prefix));
    if (!known) problems.push(unknown(key, value, unknownTopLevel(key)));
  }

  const parseFallback = <T>(s: DefaultedSetting<T>): T => {
    const parsed = s.type.parse(s.fallback);
    if (!parsed.ok) throw new Error(`bug: default of ${s.key} is invalid`);
    return parsed.value;
  };
  const read = <T>(s: Setting<T>): T | null => {
    const given = raw.get(s.key);
    if (given === undefined) return null;
    const parsed = s.type.parse(given.value);
    if (parsed.ok) return parsed.value;
    problems.push(invalid(s.key, given, s.type.expected, parsed.reason, looksSecret(s.key)));
    return null;
  };
  const value = <T>(s: DefaultedSetting<T>): T => read(s) ?? parseFallback(s);

  const client = applyGroup(CLIENT_OPTIONS, raw, problems);
  const producer = applyGroup(PRODUCER_OPTIONS, raw, problems);
  const consumer = applyGroup(CONSUMER_OPTIONS, raw, problems);
  const admin = applyGroup(ADMIN_OPTIONS, raw, problems);
  const compressionType = value(SETTINGS.compressionType);

  const config: Config = {
    listeners: value(SETTINGS.listeners),
    advertisedListeners: value(SETTINGS.advertisedListeners),
    id: value(SETTINGS.id),
    bootstrapServers: read(SETTINGS.bootstrapServers),
    compressionType: producer.compression ?? compressionType,
    consumerRequestTimeoutMs: value(SETTINGS.consumerRequestTimeoutMs),
    consumerRequestMaxBytes: value(SETTINGS.consumerRequestMaxBytes),
    consumerInstanceTimeoutMs: value(SETTINGS.consumerInstanceTimeoutMs),
    consumerIteratorBackoffMs: value(SETTINGS.consumerIteratorBackoffMs),
    consumerSubscriptionMaxTopics: value(SETTINGS.consumerSubscriptionMaxTopics),
    consumerMaxPendingRequests: value(SETTINGS.consumerMaxPendingRequests),
    consumerPatternRefreshMs: value(SETTINGS.consumerPatternRefreshMs),
    fetchMinBytes: value(SETTINGS.fetchMinBytes),
    schemaRegistryUrl: read(SETTINGS.schemaRegistryUrl),
    journalPath: value(SETTINGS.journalPath),
    producerPoolSize: value(SETTINGS.producerPoolSize),
    producerLingerMs: value(SETTINGS.producerLingerMs),
    producerMaxRequestSize: value(SETTINGS.producerMaxRequestSize),
    producerMaxBlockMs: value(SETTINGS.producerMaxBlockMs),
    producerDeliveryTimeoutMs: value(SETTINGS.producerDeliveryTimeoutMs),
    producerBufferMemory: value(SETTINGS.producerBufferMemory),
    requestBodyMaxBytes: value(SETTINGS.requestBodyMaxBytes),
    shutdownTimeoutMs: value(SETTINGS.shutdownTimeoutMs),
    logLevel: value(SETTINGS.logLevel),
    embeddedBrokerDir: value(SETTINGS.embeddedBrokerDir),
    managementListeners: value(SETTINGS.managementListeners),
    inspectorEnable: value(SETTINGS.inspectorEnable),
    schemaRegistryListeners: value(SETTINGS.schemaRegistryListeners),
    schemaRegistryBasicAuthUserInfo: read(SETTINGS.schemaRegistryBasicAuthUserInfo),
    client,
    producer,
    consumer,
    admin,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
