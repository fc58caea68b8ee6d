/**
 * Configs as API v3 reads and changes them (Confluent's TopicConfigManager, BrokerConfigManager and
 * ClusterConfigManager), through the shared kafkajs admin. A config set is a topic's, a broker's,
 * or the cluster-wide broker defaults (Kafka's broker resource named "").
 *
 * Confluent alters with Kafka's IncrementalAlterConfigs; kafkajs only has AlterConfigs, which
 * replaces the whole dynamic set of a resource. So an alter reads the resource's own dynamic
 * entries, applies the SETs and DELETEs to them and sends the result, one alter at a time per
 * resource (across every proxy in this process), and returns once a describe shows what it wrote:
 * a broker applies its dynamic configs a moment after the controller took them, and the next
 * read-modify-write must not start from a stale set. Kafka never reveals a sensitive value, so a
 * set holding one cannot be rewritten without losing it: such an alter is refused (see
 * docs/COMPATIBILITY.md), unless it sets that config itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from '../client.ts';
import { ConfigResourceTypes } from '../client.ts';
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

// The source of the entries that are the resource's own dynamic set, the one an alter rewrites.
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
 * kafkajs's admin refuses the resource named "" (its describe and alter want a name), so the
 * cluster-wide defaults are read where Kafka also shows them: among a broker's synonyms. What
 * Kafka answers for `{BROKER, ""}` is exactly that: each config with a cluster-wide value, its
 * synonyms without the broker's own.
 */
async function describeClusterDefaults(admin: Admin): Promise<Config[]> {
  const { brokers, controller } = await admin.describeCluster();
  const brokerId = controller ?? Math.min(...brokers.map((b) => b.nodeId));
  const configs = await describeConfigs(admin, brokerResource(brokerId));
  const defaults: Config[] = [];
  for (const config of configs) {
    const synonyms = config.synonyms.filter((s) => s.source !== 'DYNAMIC_BROKER_CONFIG');
    const clusterWide = synonyms.find((s) => s.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG');
    if (!clusterWide) continue;
    defaults.push({ ...config, value: clusterWide.value, isDefault: false, source: 'DYNAMIC_DEFAULT_BROKER_CONFIG', synonyms });
  }
  return defaults;
}

/**
 * Applies the commands to the resource's dynamic configs (or, with `validateOnly`, asks Kafka
 * whether it would), atomically for that resource as Kafka applies one alter.
 */
export async function alterConfigs(admin: Admin, resource: ConfigResource, commands: readonly AlterCommand[], options: AlterOptions): Promise<void> {
  for (const command of commands) {
    // IncrementalAlterConfigs refuses it so; AlterConfigs would take null as "remove".
    if (command.operation === 'SET' && command.value === null) throw kafkaBadRequest(`Null value not supported for : SET:${command.name}`);
  }
  if (isClusterDefaults(resource)) throw clusterDefaultsReadOnly();
  return oneAtATime(`${resource.type}:${resource.name}`, async () => {
    const current = await describeConfigs(admin, resource);
    if (options.clusterIdForNotFound !== undefined) {
      const known = new Set(current.map((c) => c.name));
      const unknown = commands.find((c) => !known.has(c.name));
      if (unknown) throw configNotFound(unknown.name, resource, options.clusterIdForNotFound);
    }
    refuseStatic(resource, current, commands);
    const before = ownEntries(resource, current);
    refuseLosingSecrets(resource, before, commands);
    const after = new Map(before);
    for (const command of commands) {
      if (command.operation === 'SET') after.set(command.name, command.value);
      else after.delete(command.name);
    }
    if (!options.validateOnly && sameEntries(before, after)) return;
    await admin.alterConfigs({
      validateOnly: options.validateOnly,
      resources: [{ ...kafkaResource(resource), configEntries: [...after].map(([name, value]) => ({ name, value: value! })) }],
    });
    if (!options.validateOnly) await untilVisible(admin, resource, after);
  });
}

/** Confluent's message for a config the resource does not have, with Kafka's resource type. */
export function configNotFound(name: string, resource: ConfigResource, clusterId: string): RestError {
  return new RestError(ErrorCode.NotFound, `Config ${name} cannot be found for ${resource.type} ${resource.name} in cluster ${clusterId}.`);
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

/** Kafka's refusal of a broker config that only a restart changes (it answers INVALID_REQUEST without saying which). */
function refuseStatic(resource: ConfigResource, current: readonly Config[], commands: readonly AlterCommand[]): void {
  if (resource.type !== 'BROKER') return;
  const readOnly = new Set(current.filter((c) => c.isReadOnly).map((c) => c.name));
  const names = [...new Set(commands.map((c) => c.name).filter((name) => readOnly.has(name)))];
  if (names.length > 0) throw kafkaBadRequest(`Cannot update these configs dynamically: Set(${names.join(', ')})`);
}

function refuseLosingSecrets(resource: ConfigResource, own: ReadonlyMap<string, string | null>, commands: readonly AlterCommand[]): void {
  const handled = new Set(commands.map((c) => c.name));
  const hidden = [...own].filter(([name, value]) => value === null && !handled.has(name)).map(([name]) => name);
  if (hidden.length === 0) return;
  throw kafkaBadRequest(
    `${resource.type} ${resource.name} has sensitive dynamic configs (${hidden.join(', ')}) whose values Kafka does not reveal; ` +
      'altering its configs here would remove them. SET or DELETE them in the same request.',
  );
}

async function untilVisible(admin: Admin, resource: ConfigResource, expected: ReadonlyMap<string, string | null>): Promise<void> {
  for (let attempt = 0; attempt < VISIBLE_ATTEMPTS; attempt++) {
    if (sameEntries(ownEntries(resource, await describeConfigs(admin, resource)), expected)) return;
    await sleep(VISIBLE_INTERVAL_MS);
  }
}

/** Equal sets; a sensitive value (null as read back) matches any value written. */
function sameEntries(seen: ReadonlyMap<string, string | null>, expected: ReadonlyMap<string, string | null>): boolean {
  if (seen.size !== expected.size) return false;
  for (const [name, value] of expected) {
    if (!seen.has(name)) return false;
    const shown = seen.get(name);
    if (shown !== null && value !== null && shown !== value) return false;
  }
  return true;
}

const queues = new Map<string, Promise<void>>();

/** Runs `task` after every earlier task of the same key has settled. */
function oneAtATime(key: string, task: () => Promise<void>): Promise<void> {
  const run = (queues.get(key) ?? Promise.resolve()).then(task);
  const settled = run.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return run;
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

const kafkaBadRequest = (message: string) => new RestError(ErrorCode.KafkaBadRequest, message);

/** kafkajs's admin refuses the resource named "" (see describeClusterDefaults), so nothing can write it yet. */
function clusterDefaultsReadOnly(): RestError {
  return new RestError(
    501,
    'Not Implemented: cluster-wide broker configs cannot be altered through this proxy yet; ' +
      'set them with Kafka\'s kafka-configs tool (--entity-type brokers --entity-default).',
  );
}
