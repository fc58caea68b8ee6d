/**
 * The proxy's configuration: a Confluent-style properties file, then `KAFKA_REST_*` environment
 * overrides (the convention of Confluent's Docker images), validated into one typed `Config`.
 * Every problem is collected before failing, so a broken deployment is fixed in one round.
 *
 * A Confluent `kafka-rest.properties` starts the proxy: keys that mean nothing here are accepted
 * with a warning saying why (confluent-keys.ts, java-client-keys.ts), deprecated keys that do
 * map are honoured (mapped-keys.ts), and only unknown keys, or keys that would be unsafe to
 * ignore, stop it. The warnings are returned, never logged here.
 */
import { readFileSync } from 'node:fs';
import { CONFLUENT_KEY_NAMES, confluentKeyVerdict, type Verdict } from './confluent-keys.ts';
import { readEnvironment } from './environment.ts';
import { javaClientKeyVerdict } from './java-client-keys.ts';
import {
  ADMIN_OPTIONS,
  CLIENT_OPTIONS,
  CONSUMER_OPTIONS,
  PASS_THROUGH_GROUPS,
  PRODUCER_OPTIONS,
  type AdminOptions,
  type CompressionName,
  type ConsumerOptions,
  type KafkaClientOptions,
  type PassThroughGroup,
  type ProducerOptions,
} from './kafka-client-options.ts';
import { nearOwnKey, unknownKeyHint } from './key-catalog.ts';
import { advertisedFromHostName, listenersFromPort, logLevelFromImage, MAPPED_KEYS } from './mapped-keys.ts';
import { invalid, looksSecret, refused, unknown, warning, type RawValue } from './messages.ts';
import { parseProperties, PropertiesSyntaxError } from './properties.ts';
import { registryCredentials } from './registry-credentials.ts';
import { SETTING_KEYS, SETTINGS, type DefaultedSetting, type LogLevel, type Setting } from './settings.ts';
import { readTlsSettings, type TlsSettings } from './tls-settings.ts';
import { readLimitSettings, type LimitSettings } from './limit-settings.ts';
import { readAuthSettings, type AuthSettings } from './auth-settings.ts';
import { readPropagationSettings, type PropagationSettings } from './propagation-settings.ts';
import { readClusterSettings, type ClusterSettings } from './cluster-settings.ts';

export { envNameToKey, keyToEnvName } from './environment.ts';
export { describeConfigKeys } from './key-catalog.ts';
export { LOG_LEVELS, MAX_CONSUMER_REQUEST_TIMEOUT_MS, type LogLevel } from './settings.ts';

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
  /** Comma-separated URLs of an external registry, tried in order, without credentials; `null` = the embedded registry. */
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
  /** Largest object of a v3 produce stream (bytes); 0 = request.body.max.bytes bounds it. */
  readonly v3ProduceRequestSizeLimitMaxBytes: number;
  readonly v3ProduceBatchMaximumEntries: number;
  readonly streamingConnectionMaxDurationMs: number;
  readonly streamingConnectionMaxDurationGracePeriodMs: number;
  /** Records a v3 produce stream may hold unanswered before it stops reading its request. */
  readonly streamingConnectionMaxInFlightRecords: number;
  readonly apiV3Enable: boolean;
  readonly resourceNameAuthority: string;
  readonly shutdownTimeoutMs: number;
  readonly logLevel: LogLevel;
  readonly embeddedBrokerDir: string;
  /** `null`: 9092 when that port is free, else any free port. */
  readonly embeddedBrokerPort: number | null;
  /** Partitions of the topics the embedded broker auto-creates. */
  readonly embeddedBrokerNumPartitions: number;
  /** How long the embedded broker gets to stop after the proxy before it is killed (ms). */
  readonly embeddedBrokerShutdownTimeoutMs: number;
  /** Where the inspector, metrics, OpenAPI and health checks are served; empty = nowhere. */
  readonly managementListeners: URL[];
  readonly inspectorEnable: boolean;
  /** Where the embedded schema registry listens (when schema.registry.url is not set); empty = off. */
  readonly schemaRegistryListeners: URL[];
  /** TLS of the https listeners (all three kinds share it); `null` when every listener is http. */
  readonly tls: TlsSettings | null;
  /** `user:password` for an external registry (from user.info, the URL, or the SASL login). */
  readonly schemaRegistryBasicAuthUserInfo: string | null;
  readonly client: KafkaClientOptions;
  readonly producer: ProducerOptions;
  readonly consumer: ConsumerOptions;
  readonly admin: AdminOptions;
  /** Rate limits, connection and consumer-instance limits, CORS, management Host check (limit-settings.ts). */
  readonly limits: LimitSettings;
  /** HTTP authentication of the REST API, the embedded registry and the management listener (auth-settings.ts). */
  readonly authentication: AuthSettings;
  readonly propagation: PropagationSettings;
  /** Proxy processes on this machine (workers.ts). */
  readonly workers: number;
  /** Cluster mode (cluster-settings.ts); null for a single proxy. */
  readonly cluster: ClusterSettings | null;
  /** One sentence per key that was ignored or mapped, naming the key, its source and why. */
  readonly warnings: readonly string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid configuration (${count}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// ---------------------------------------------------------------------------------------------
// Loading.

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

export function loadConfig(options: { file?: string | undefined; env?: NodeJS.ProcessEnv } = {}): Config {
  const raw = new Map<string, RawValue>();
  if (options.file !== undefined) {
    for (const [key, value] of readFile(options.file)) raw.set(key, { value, source: `file ${options.file}` });
  }
  const environment = readEnvironment(options.env ?? process.env);
  for (const [key, value] of environment.settings) raw.set(key, value);
  return buildConfig(raw, environment.rootLogLevel, [...environment.warnings]);
}

// ---------------------------------------------------------------------------------------------
// Sorting keys: the proxy's own, mapped, Confluent's, the Kafka clients', unknown.

const GROUPS = PASS_THROUGH_GROUPS;
type Group = (typeof GROUPS)[number];
const CLIENT_NAMES: Readonly<Record<string, string>> = { 'producer.': 'producer', 'consumer.': 'consumer', 'admin.': 'admin client' };

type Entry = readonly [name: string, key: string, value: RawValue];

interface Sorted {
  /** Per group prefix, the entries it applies; `client.` entries redirected from Confluent's client-wide keys come first, so the group's own keys win. */
  readonly groupEntries: Map<string, Entry[]>;
}

function sortKeys(raw: Map<string, RawValue>, problems: string[], warnings: string[]): Sorted {
  const httpsListener = [SETTINGS.listeners, SETTINGS.managementListeners, SETTINGS.schemaRegistryListeners].some((s) => /(^|,)\s*https:/i.test(raw.get(s.key)?.value ?? ''));
  const securityProtocol = (raw.get('client.security.protocol')?.value ?? 'PLAINTEXT').trim().toUpperCase();
  // SSL propagation reads client.ssl.keystore.location, a store file refused otherwise.
  const sslPropagation = (raw.get('confluent.rest.auth.propagate.method')?.value ?? '').trim().toUpperCase() === 'SSL';
  const redirected = new Map<string, Entry[]>(GROUPS.map((g) => [g.prefix, []]));
  const own = new Map<string, Entry[]>(GROUPS.map((g) => [g.prefix, []]));

  const report = (key: string, value: RawValue, verdict: Verdict) => {
    if (verdict.kind === 'ignore') warnings.push(warning(key, value, verdict.reason));
    else if (verdict.kind === 'refuse') problems.push(refused(key, value, verdict.reason));
  };

  for (const [key, value] of raw) {
    if (SETTING_KEYS.has(key) || MAPPED_KEYS.has(key)) continue;
    const server = confluentKeyVerdict(key, value.value, { httpsListener });
    // A prefix rule (schema.registry.*) must not swallow a typo of the proxy's own key (schema.registry.ur).
    const typo = server && !CONFLUENT_KEY_NAMES.includes(key) ? nearOwnKey(key) : null;
    if (typo) {
      problems.push(unknown(key, value, `did you mean ${typo}?`));
      continue;
    }
    if (server) {
      report(key, value, server);
      continue;
    }
    const group = GROUPS.find((g) => key.startsWith(g.prefix));
    if (!group) {
      problems.push(unknown(key, value, unknownKeyHint(key, null)));
      continue;
    }
    const name = key.slice(group.prefix.length);
    const knows = (g: Group) => g.keys.some((k) => k.key === name);
    if (knows(group)) {
      own.get(group.prefix)!.push([name, key, value]);
      continue;
    }
    const others = GROUPS.filter((g) => g !== group && knows(g));
    // Confluent hands client.* to every client: a producer or consumer key there applies to that client.
    if (group.prefix === CLIENT_OPTIONS.prefix && others.length > 0) {
      for (const g of others) redirected.get(g.prefix)!.push([name, key, value]);
      continue;
    }
    const java = javaClientKeyVerdict(group.prefix, name, value.value, { securityProtocol, sslPropagation });
    if (java) {
      report(key, value, java);
    } else if (others.length > 0) {
      const owner = others[0]!;
      report(key, value, {
        kind: 'ignore',
        reason: `ignored: a ${CLIENT_NAMES[owner.prefix]} setting, unused by the ${CLIENT_NAMES[group.prefix]} (Java ignores it too); ${owner.prefix}${name} sets it`,
      });
    } else {
      problems.push(unknown(key, value, unknownKeyHint(key, group)));
    }
  }
  const groupEntries = new Map(GROUPS.map((g) => [g.prefix, [...redirected.get(g.prefix)!, ...own.get(g.prefix)!]]));
  return { groupEntries };
}

function applyGroup<D, O>(group: PassThroughGroup<D, O>, entries: readonly Entry[], problems: string[]): O {
  const draft = group.draft();
  const before = problems.length;
  for (const [name, key, value] of entries) {
    const spec = group.keys.find((k) => k.key === name)!;
    const applied = spec.apply(draft, value.value);
    if (!applied.ok) problems.push(invalid(key, value, spec.expected, applied.reason, spec.secret));
  }
  const { options, problems: crossKey } = group.finish(draft);
  if (problems.length === before) problems.push(...crossKey);
  return options;
}

// ---------------------------------------------------------------------------------------------
// Building.

function buildConfig(raw: Map<string, RawValue>, rootLogLevel: RawValue | null, warnings: string[]): Config {
  const problems: string[] = [];
  const report = { problems, warnings };
  const { groupEntries } = sortKeys(raw, problems, warnings);

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

  const client = applyGroup(CLIENT_OPTIONS, groupEntries.get(CLIENT_OPTIONS.prefix)!, problems);
  const producer = applyGroup(PRODUCER_OPTIONS, groupEntries.get(PRODUCER_OPTIONS.prefix)!, problems);
  const consumer = applyGroup(CONSUMER_OPTIONS, groupEntries.get(CONSUMER_OPTIONS.prefix)!, problems);
  const admin = applyGroup(ADMIN_OPTIONS, groupEntries.get(ADMIN_OPTIONS.prefix)!, problems);
  const compressionType = value(SETTINGS.compressionType);

  const listenersSet = raw.has(SETTINGS.listeners.key);
  const listeners = listenersFromPort(raw.get('port'), listenersSet, report) ?? value(SETTINGS.listeners);
  const advertisedListeners = advertisedFromHostName(raw.get('host.name'), value(SETTINGS.advertisedListeners), listeners, report);
  const logLevel = logLevelFromImage(rootLogLevel, raw.has(SETTINGS.logLevel.key), report) ?? value(SETTINGS.logLevel);
  const bootstrapServers = read(SETTINGS.bootstrapServers);
  const registry = read(SETTINGS.schemaRegistryUrl);

  if (bootstrapServers !== null) {
    for (const s of [SETTINGS.embeddedBrokerDir, SETTINGS.embeddedBrokerPort, SETTINGS.embeddedBrokerNumPartitions, SETTINGS.embeddedBrokerShutdownTimeoutMs]) {
      const given = raw.get(s.key);
      if (given) warnings.push(warning(s.key, given, 'ignored: bootstrap.servers is set, so no embedded broker is started'));
    }
  }

  const authentication = readAuthSettings(raw, read, value, problems, warnings);
  const tls = readTlsSettings(raw, problems, warnings);
  const config: Config = {
    listeners,
    advertisedListeners,
    id: value(SETTINGS.id),
    bootstrapServers,
    compressionType: producer.compression ?? compressionType,
    consumerRequestTimeoutMs: value(SETTINGS.consumerRequestTimeoutMs),
    consumerRequestMaxBytes: value(SETTINGS.consumerRequestMaxBytes),
    consumerInstanceTimeoutMs: value(SETTINGS.consumerInstanceTimeoutMs),
    consumerIteratorBackoffMs: value(SETTINGS.consumerIteratorBackoffMs),
    consumerSubscriptionMaxTopics: value(SETTINGS.consumerSubscriptionMaxTopics),
    consumerMaxPendingRequests: value(SETTINGS.consumerMaxPendingRequests),
    consumerPatternRefreshMs: value(SETTINGS.consumerPatternRefreshMs),
    fetchMinBytes: value(SETTINGS.fetchMinBytes),
    schemaRegistryUrl: registry?.urls ?? null,
    journalPath: value(SETTINGS.journalPath),
    producerPoolSize: value(SETTINGS.producerPoolSize),
    producerLingerMs: value(SETTINGS.producerLingerMs),
    producerMaxRequestSize: value(SETTINGS.producerMaxRequestSize),
    producerMaxBlockMs: value(SETTINGS.producerMaxBlockMs),
    producerDeliveryTimeoutMs: value(SETTINGS.producerDeliveryTimeoutMs),
    producerBufferMemory: value(SETTINGS.producerBufferMemory),
    requestBodyMaxBytes: value(SETTINGS.requestBodyMaxBytes),
    v3ProduceRequestSizeLimitMaxBytes: value(SETTINGS.v3ProduceRequestSizeLimitMaxBytes),
    v3ProduceBatchMaximumEntries: value(SETTINGS.v3ProduceBatchMaximumEntries),
    streamingConnectionMaxDurationMs: value(SETTINGS.streamingConnectionMaxDurationMs),
    streamingConnectionMaxDurationGracePeriodMs: value(SETTINGS.streamingConnectionMaxDurationGracePeriodMs),
    streamingConnectionMaxInFlightRecords: value(SETTINGS.streamingConnectionMaxInFlightRecords),
    apiV3Enable: value(SETTINGS.apiV3Enable),
    resourceNameAuthority: value(SETTINGS.resourceNameAuthority),
    shutdownTimeoutMs: value(SETTINGS.shutdownTimeoutMs),
    logLevel,
    embeddedBrokerDir: value(SETTINGS.embeddedBrokerDir),
    embeddedBrokerPort: read(SETTINGS.embeddedBrokerPort),
    embeddedBrokerNumPartitions: value(SETTINGS.embeddedBrokerNumPartitions),
    embeddedBrokerShutdownTimeoutMs: value(SETTINGS.embeddedBrokerShutdownTimeoutMs),
    managementListeners: value(SETTINGS.managementListeners),
    inspectorEnable: value(SETTINGS.inspectorEnable),
    schemaRegistryListeners: value(SETTINGS.schemaRegistryListeners),
    tls,
    schemaRegistryBasicAuthUserInfo: registryCredentials(raw, registry?.userInfo ?? null, read(SETTINGS.schemaRegistryBasicAuthUserInfo), client, problems),
    client,
    producer,
    consumer,
    admin,
    limits: readLimitSettings(value),
    authentication,
    propagation: readPropagationSettings(read, value, problems, {
      authenticationMethod: authentication.method,
      client,
      clientCertificates: (tls?.clientAuthentication ?? 'NONE') !== 'NONE',
      keystoreLocation: raw.get('client.ssl.keystore.location')?.value.trim() ?? null,
      keystorePassword: raw.get('client.ssl.keystore.password')?.value ?? null,
    }),
    workers: value(SETTINGS.workers),
    cluster: readClusterSettings(read, value, problems),
    warnings,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
