/**
 * Configs as API v3 reads and changes them (Confluent's TopicConfigManager, BrokerConfigManager and
 * ClusterConfigManager). A config set is a topic's, a broker's, or the cluster-wide broker
 * defaults (Kafka's broker resource named ""). Reads go through the shared kafkajs admin; changes,
 * as in Confluent, through Kafka's IncrementalAlterConfigs (src/kafka/incremental-alter-configs.ts),
 * which changes only the configs named, so another client's change to the same resource is never
 * lost, a sensitive value stays as it is, and a refusal carries Kafka's own reason.
 *
 * A change answers once a describe shows it: a broker applies a change a moment after the
 * controller took it, and the client's next read must see what it wrote.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from '../client.ts';
import { ConfigResourceTypes, protocolError } from '../client.ts';
import type { ClusterMetadata } from '../cluster-metadata.ts';
import { ErrorCode, RestError } from '../../errors.ts';

/** Confluent's ConfigSource names. */
export type ConfigSource =
  | 'DYNAMIC_CLUSTER_LINK_CONFIG'
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_LOGGER_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'DYNAMIC_GROUP_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'
  | 'UNKNOWN';

// By Kafka's DescribeConfigs source id; Confluent maps a source it has no name for to UNKNOWN.
const SOURCES: readonly ConfigSource[] = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'UNKNOWN', // CLIENT_METRICS_CONFIG
  'DYNAMIC_GROUP_CONFIG',
];

const sourceName = (id: number): ConfigSource => SOURCES[id] ?? 'UNKNOWN';

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: ConfigSource;
}

export interface Config {
  name: string;
  /** Null when sensitive: Kafka never reveals a password. */
  value: string | null;
  isDefault: boolean;
  isReadOnly: boolean;
  isSensitive: boolean;
  source: ConfigSource;
  /** By precedence, the effective one first. */
  synonyms: ConfigSynonym[];
}

/** A config set, named as Kafka's ConfigResource is: `{BROKER, ""}` is the cluster-wide defaults. */
export interface ConfigResource {
  type: 'TOPIC' | 'BROKER';
  name: string;
}

export const topicResource = (topic: string): ConfigResource => ({ type: 'TOPIC', name: topic });
export const brokerResource = (brokerId: number): ConfigResource => ({ type: 'BROKER', name: String(brokerId) });
export const CLUSTER_DEFAULTS: ConfigResource = { type: 'BROKER', name: '' };
const isClusterDefaults = (resource: ConfigResource) => resource.type === 'BROKER' && resource.name === '';

/** What one entry of an alter asks: Confluent's AlterConfigCommand. */
export type AlterCommand = { operation: 'SET'; name: string; value: string | null } | { operation: 'DELETE'; name: string };

export interface AlterOptions {
  /** Only ask Kafka whether it would take the change. */
  validateOnly: boolean;
  /** Confluent's "safe" alters: every named config must be one the resource has (404 otherwise). */
  clusterIdForNotFound?: string;
}

/** What an alter needs of the cluster: the admin to read configs, IncrementalAlterConfigs to change them. */
export type ConfigCluster = Pick<ClusterMetadata, 'connectedAdmin' | 'incrementalAlterConfigs'>;

// The source of the entries that are the resource's own dynamic set, the one an alter changes.
const OWN_SOURCE = { TOPIC: 'DYNAMIC_TOPIC_CONFIG', BROKER: 'DYNAMIC_BROKER_CONFIG', DEFAULTS: 'DYNAMIC_DEFAULT_BROKER_CONFIG' } as const;
const ownSource = (resource: ConfigResource): ConfigSource =>
  isClusterDefaults(resource) ? OWN_SOURCE.DEFAULTS : OWN_SOURCE[resource.type];

// How long an alter waits for a describe to show it (a broker takes a few metadata updates).
const VISIBLE_ATTEMPTS = 100;
const VISIBLE_INTERVAL_MS = 50;

/** Every config of the resource, defaults included, by name. */
export async function describeConfigs(admin: Admin, resource: ConfigResource): Promise<Config[]> {
  return (await describeEach(admin, [resource]))[0]!;
}

/** Every config of each resource, in the order asked: one DescribeConfigs per broker asked. */
export async function describeEach(admin: Admin, resources: readonly ConfigResource[]): Promise<Config[][]> {
  const named = resources.filter((r) => !isClusterDefaults(r));
  const described = named.length === 0 ? [] : (await admin.describeConfigs({ includeSynonyms: true, resources: named.map(kafkaResource) })).resources;
  const defaults = resources.some(isClusterDefaults) ? await describeClusterDefaults(admin) : [];
  return resources.map((resource) => {
    if (isClusterDefaults(resource)) return defaults;
    const type = ConfigResourceTypes[resource.type];
    const found = described.find((r) => r.resourceType === type && r.resourceName === resource.name);
    return (found?.configEntries ?? []).map(toConfig).sort(byName);
  });
}

/**
 * kafkajs's admin refuses the resource named "" (its describe wants a name), so the cluster-wide
 * defaults are read where Kafka also shows them: among a broker's synonyms. What Kafka answers for
 * `{BROKER, ""}` is exactly that: each config with a cluster-wide value, its synonyms without the
 * broker's own.
 */
async function describeClusterDefaults(admin: Admin): Promise<Config[]> {
  return clusterDefaultsOf(await describeConfigs(admin, await brokerShowingDefaults(admin)));
}

async function brokerShowingDefaults(admin: Admin): Promise<ConfigResource> {
  const { brokers, controller } = await admin.describeCluster();
  return brokerResource(controller ?? Math.min(...brokers.map((b) => b.nodeId)));
}

function clusterDefaultsOf(brokerConfigs: readonly Config[]): Config[] {
  const defaults: Config[] = [];
  for (const config of brokerConfigs) {
    const synonyms = config.synonyms.filter((s) => s.source !== 'DYNAMIC_BROKER_CONFIG');
    const clusterWide = synonyms.find((s) => s.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG');
    if (!clusterWide) continue;
    defaults.push({ ...config, value: clusterWide.value, isDefault: false, source: 'DYNAMIC_DEFAULT_BROKER_CONFIG', synonyms });
  }
  return defaults;
}

/**
 * Applies the commands to the resource's dynamic configs (or, with `validateOnly`, asks Kafka
 * whether it would), all or none of them, as Kafka applies one resource's alter. A refusal is
 * thrown as Kafka's error, with Kafka's message.
 */
export async function alterConfigs(cluster: ConfigCluster, resource: ConfigResource, commands: readonly AlterCommand[], options: AlterOptions): Promise<void> {
  if (options.clusterIdForNotFound !== undefined) {
    const known = new Set((await describeConfigs(await cluster.connectedAdmin(), resource)).map((c) => c.name));
    const unknown = commands.find((c) => !known.has(c.name));
    if (unknown) throw configNotFound(unknown.name, resource, options.clusterIdForNotFound);
  }
  const [refused] = await alterEach(cluster, [{ resource, commands }], options.validateOnly);
  if (refused) throw refused;
}

/**
 * Alters several resources in one IncrementalAlterConfigs, each on its own: answers, in the
 * order given, null for a resource Kafka changed (or would, with `validateOnly`) and Kafka's error
 * for one it refused. Names are not checked first (see alterConfigs).
 */
export async function alterEach(
  cluster: ConfigCluster,
  changes: ReadonlyArray<{ resource: ConfigResource; commands: readonly AlterCommand[] }>,
  validateOnly: boolean,
): Promise<Array<Error | null>> {
  if (changes.length === 0) return [];
  const results = await cluster.incrementalAlterConfigs(
    changes.map(({ resource, commands }) => ({
      type: resource.type,
      name: resource.name,
      configs: commands.map((c) => ({ name: c.name, operation: c.operation, value: c.operation === 'SET' ? c.value : null })),
    })),
    validateOnly,
  );
  const errors = results.map(({ errorCode, errorMessage }) => (errorCode === 0 ? null : kafkaError(errorCode, errorMessage)));
  if (!validateOnly) {
    const admin = await cluster.connectedAdmin();
    await Promise.all(changes.map(({ resource, commands }, i) => (errors[i] ? undefined : untilVisible(admin, resource, commands))));
  }
  return errors;
}

/** Confluent's message for a config the resource does not have, with Kafka's resource type. */
export function configNotFound(name: string, resource: ConfigResource, clusterId: string): RestError {
  return new RestError(ErrorCode.NotFound, `Config ${name} cannot be found for ${resource.type} ${resource.name} in cluster ${clusterId}.`);
}

/** Kafka's error for the code, in Kafka's words when it gave some (Java's ApiError.exception()). */
function kafkaError(errorCode: number, errorMessage: string | null): Error {
  const error = protocolError(errorCode);
  if (errorMessage) error.message = errorMessage;
  return error;
}

/** The resource's own dynamic entries (not defaults, not inherited): name → value (null if sensitive). */
function ownEntries(resource: ConfigResource, configs: readonly Config[]): Map<string, string | null> {
  const source = ownSource(resource);
  const own = new Map<string, string | null>();
  for (const config of configs) {
    const synonym = config.synonyms.find((s) => s.source === source);
    if (synonym) own.set(config.name, synonym.value);
    else if (config.source === source) own.set(config.name, config.value);
  }
  return own;
}

/** The names the resource describes and its own dynamic entries among them. */
async function ownConfigs(admin: Admin, resource: ConfigResource): Promise<{ known: Set<string>; own: Map<string, string | null> }> {
  const configs = await describeConfigs(admin, isClusterDefaults(resource) ? await brokerShowingDefaults(admin) : resource);
  const known = new Set(configs.map((c) => c.name));
  return { known, own: ownEntries(resource, isClusterDefaults(resource) ? clusterDefaultsOf(configs) : configs) };
}

async function untilVisible(admin: Admin, resource: ConfigResource, commands: readonly AlterCommand[]): Promise<void> {
  for (let attempt = 0; attempt < VISIBLE_ATTEMPTS; attempt++) {
    const { known, own } = await ownConfigs(admin, resource);
    if (commands.every((command) => shows(command, known, own))) return;
    await sleep(VISIBLE_INTERVAL_MS);
  }
}

/** Whether a describe shows the command done; a sensitive value (null as read back) matches any value set. */
function shows(command: AlterCommand, known: ReadonlySet<string>, own: ReadonlyMap<string, string | null>): boolean {
  // Kafka takes cluster-wide names it does not describe (a plugin's, a misspelt one): nothing will show.
  if (!known.has(command.name)) return true;
  if (command.operation === 'DELETE') return !own.has(command.name);
  if (!own.has(command.name)) return false;
  const shown = own.get(command.name);
  return shown === null || shown === command.value;
}

function kafkaResource(resource: ConfigResource): { type: number; name: string } {
  return { type: ConfigResourceTypes[resource.type], name: resource.name };
}

interface KafkaConfigEntry {
  configName: string;
  configValue: string | null;
  isDefault: boolean;
  readOnly: boolean;
  isSensitive: boolean;
  configSource: number;
  configSynonyms: Array<{ configName: string; configValue: string | null; configSource: number }>;
}

function toConfig(entry: KafkaConfigEntry): Config {
  return {
    name: entry.configName,
    value: entry.configValue ?? null,
    isDefault: entry.isDefault,
    isReadOnly: entry.readOnly,
    isSensitive: entry.isSensitive,
    source: sourceName(entry.configSource),
    synonyms: (entry.configSynonyms ?? []).map((s) => ({ name: s.configName, value: s.configValue ?? null, source: sourceName(s.configSource) })),
  };
}

const byName = (a: Config, b: Config) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
