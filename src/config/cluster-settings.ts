/**
 * Cluster mode (docs/CLUSTER.md): proxies with the same `cluster.name` and brokers form a Kafka
 * group of their own, keep consumer sessions in a compacted topic instead of each one's SQLite
 * journal, and forward each consumer request to the member that owns its instance, so any member
 * serves any instance behind a round-robin balancer and the loss of one loses no session.
 */
import { integer, text } from './kafka-client-options.ts';
import { urlList, type DefaultedSetting, type Setting } from './settings.ts';

export interface ClusterSettings {
  readonly name: string;
  /** The Kafka group the members form. */
  readonly groupId: string;
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Where this member listens for the others (port 0: any free one, published in the group). */
  readonly listener: URL;
  /** The URL the others use; null: the listener's, with the port actually bound. */
  readonly advertisedUrl: URL | null;
  readonly secret: string | null;
  readonly sessionTimeoutMs: number;
  readonly handoverTimeoutMs: number;
  readonly requestWaitMs: number;
}

export const CLUSTER_SETTINGS = {
  workers: {
    key: 'workers',
    type: integer(1, 256),
    fallback: '1',
    description: 'Proxy processes on this machine, sharing the listen ports; more than 1 runs them as a proxy cluster of their own (cluster.name defaults to one per machine). See docs/CLUSTER.md.',
  } satisfies DefaultedSetting<number>,
  clusterName: {
    key: 'cluster.name',
    type: text,
    fallback: null,
    description: 'Turns cluster mode on: proxies with the same name and bootstrap.servers share their consumer instances (any member answers for any instance; see docs/CLUSTER.md). Unset: a single proxy with its SQLite journal.',
  } satisfies Setting<string>,
  clusterSessionsTopic: {
    key: 'cluster.sessions.topic',
    type: text,
    fallback: null,
    description: 'The compacted topic holding the cluster’s consumer sessions (created at the first start); unset = _kafka-rest-<cluster.name>-sessions.',
  } satisfies Setting<string>,
  clusterSessionsPartitions: {
    key: 'cluster.sessions.partitions',
    type: integer(1, 1_000),
    fallback: '12',
    description: 'Partitions of the sessions topic when the proxy creates it: the units in which members share sessions (more than members, so a member’s loss spreads its sessions over the others).',
  } satisfies DefaultedSetting<number>,
  clusterSessionsReplicationFactor: {
    key: 'cluster.sessions.replication.factor',
    type: integer(-1, 32_767),
    fallback: '-1',
    description: 'Replication factor of the sessions topic when the proxy creates it; -1 = the brokers’ default.replication.factor.',
  } satisfies DefaultedSetting<number>,
  clusterListener: {
    key: 'cluster.listener',
    type: urlList(['http'], true),
    fallback: 'http://127.0.0.1:0',
    description: 'Where this member accepts the requests other members forward to it (not a public API); port 0 = any free port. Not loopback → cluster.secret is required.',
  } satisfies DefaultedSetting<URL[]>,
  clusterAdvertisedUrl: {
    key: 'cluster.advertised.url',
    type: urlList(['http'], false),
    fallback: '',
    description: 'The URL other members reach this one at; empty = cluster.listener with its bound port (set it when that listens on 0.0.0.0).',
  } satisfies DefaultedSetting<URL[]>,
  clusterSecret: {
    key: 'cluster.secret',
    type: text,
    fallback: null,
    description: 'A secret every member sends with forwarded requests and checks on those it receives; required when cluster.listener is not loopback.',
  } satisfies Setting<string>,
  clusterSessionTimeoutMs: {
    key: 'cluster.session.timeout.ms',
    type: integer(1_000, 300_000),
    fallback: '10000',
    description: 'How long the group waits for a member that stopped heartbeating (a crashed proxy) before its sessions move; the brokers bound it by group.min.session.timeout.ms.',
  } satisfies DefaultedSetting<number>,
  clusterHandoverTimeoutMs: {
    key: 'cluster.handover.timeout.ms',
    type: integer(0, 300_000),
    fallback: '10000',
    description: "Longest a member's release of a sessions partition takes (requests in flight, the last events, the released marker); the next owner waits twice as long for it before taking the partition over.",
  } satisfies DefaultedSetting<number>,
  clusterRequestWaitMs: {
    key: 'cluster.request.wait.ms',
    type: integer(0, 300_000),
    fallback: '15000',
    description: 'Longest a consumer request waits (never past its own deadline) while its instance changes owner, before 503 with error_code 50304 (retriable).',
  } satisfies DefaultedSetting<number>,
};

export function readClusterSettings(read: <T>(s: Setting<T>) => T | null, value: <T>(s: DefaultedSetting<T>) => T, problems: string[]): ClusterSettings | null {
  const C = CLUSTER_SETTINGS;
  const name = read(C.clusterName)?.trim() || null;
  const listener = value(C.clusterListener);
  const advertised = value(C.clusterAdvertisedUrl);
  const secret = read(C.clusterSecret) || null;
  const settings = {
    topic: read(C.clusterSessionsTopic)?.trim() || `_kafka-rest-${name}-sessions`,
    partitions: value(C.clusterSessionsPartitions),
    replicationFactor: value(C.clusterSessionsReplicationFactor),
    sessionTimeoutMs: value(C.clusterSessionTimeoutMs),
    handoverTimeoutMs: value(C.clusterHandoverTimeoutMs),
    requestWaitMs: value(C.clusterRequestWaitMs),
  };
  if (name === null) return null;
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(name)) problems.push(`cluster.name: "${name}" must be 1–200 letters, digits, '.', '_' or '-' (it names a Kafka group and topic)`);
  if (listener.length !== 1) problems.push('cluster.listener: exactly one URL is expected');
  if (advertised.length > 1) problems.push('cluster.advertised.url: at most one URL is expected');
  const bound = listener[0];
  if (bound && !isLoopback(bound.hostname) && secret === null) {
    problems.push(`cluster.listener ${bound.href} is reachable from other hosts: set cluster.secret (the same on every member) so only members can forward to it`);
  }
  if (bound && advertised.length === 0 && (bound.hostname === '0.0.0.0' || bound.hostname === '[::]')) {
    problems.push(`cluster.listener ${bound.href} listens on every address: set cluster.advertised.url to the address other members reach this one at`);
  }
  return { name, groupId: `_kafka-rest-${name}`, ...settings, listener: bound ?? new URL('http://127.0.0.1:0'), advertisedUrl: advertised[0] ?? null, secret };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}
