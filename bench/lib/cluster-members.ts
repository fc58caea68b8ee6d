/**
 * bench/cluster.ts's proxy cluster: three members (child processes in cluster mode, one journal
 * each) behind nginx, started one after the other and waited for until the live members own every
 * sessions partition between them; and, through the members' inspectors, which member owns which
 * consumer instance. Also what the cluster benchmark registers for its clean-up.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin, Consumer, Producer } from 'kafkajs';
import type { LocalBroker } from '../../src/broker/local-broker.ts';
import { freePort } from '../../src/broker/free-port.ts';
import { startBalancer, type Balancer } from '../../test/helpers/nginx.ts';
import { log } from './harness.ts';
import { sleep } from './load.ts';
import { spawnProxyChild, waitForStatus, type ProxyChild } from './proxy-child.ts';

export const MEMBERS = 3;
export const CLUSTER_NAME = 'bench-cluster';
export const SESSION_TIMEOUT_MS = 6000;

export interface Stoppable {
  pid: number;
  label: string;
  stop(): Promise<number | null>;
}

/** Everything the clean-up has to take down, filled in as it comes up. */
export interface ClusterResources {
  dir?: string;
  broker?: LocalBroker;
  admin?: Admin;
  balancer?: Balancer;
  producers: Producer[];
  consumers: Consumer[];
  clients: Array<{ close(): void }>;
  proxies: Stoppable[];
}

export interface Member {
  index: number;
  child: ProxyChild;
  managementUrl: string;
}

export interface Cluster {
  balancer: Balancer;
  members: Member[];
  sessionPartitions: number;
  pids: () => number[];
  live: () => Member[];
}

export async function startMembers(admin: Admin, bootstrapServers: string, dir: string, resources: ClusterResources): Promise<Cluster> {
  const ports = await Promise.all(Array.from({ length: MEMBERS }, () => freePort()));
  const balancer = await startBalancer(
    ports.map((port) => `http://127.0.0.1:${port}`),
    { dir },
  );
  resources.balancer = balancer;
  log(`nginx (pid ${balancer.pid}) at ${balancer.url} over ports ${ports.join(', ')}`);
  const fetchMinBytes: Record<string, string> = process.env.KAFKA_REST_FETCH_MIN_BYTES === undefined ? { 'fetch.min.bytes': '1' } : {};
  const members: Member[] = [];
  for (let index = 0; index < MEMBERS; index++) {
    const memberDir = join(dir, `member-${index}`);
    mkdirSync(memberDir);
    const managementUrl = `http://127.0.0.1:${await freePort()}`;
    const child = spawnProxyChild(
      {
        ...fetchMinBytes,
        'bootstrap.servers': bootstrapServers,
        'journal.path': join(memberDir, 'journal.db'),
        'advertised.listeners': balancer.url,
        'management.listeners': managementUrl,
        id: `m${index}`,
        'cluster.name': CLUSTER_NAME,
        'cluster.sessions.replication.factor': '1',
        'cluster.session.timeout.ms': String(SESSION_TIMEOUT_MS),
      },
      { port: ports[index]!, label: `member${index}` },
    );
    // The member (d) kills is already gone: nothing to stop.
    resources.proxies.push({ pid: child.pid, label: `member${index}`, stop: async () => (child.hasExited() ? 0 : child.stop()) });
    await waitForStatus(child, '/topics', { timeoutMs: 120_000, intervalMs: 50 });
    members.push({ index, child, managementUrl });
    log(`member${index} pid ${child.pid} serving at ${child.url}, management ${managementUrl}`);
  }
  const meta = await admin.fetchTopicMetadata({ topics: [`_kafka-rest-${CLUSTER_NAME}-sessions`] });
  const sessionPartitions = meta.topics[0]!.partitions.length;
  const live = () => members.filter((m) => !m.child.hasExited());
  const cluster: Cluster = { balancer, members, sessionPartitions, pids: () => live().map((m) => m.child.pid), live };
  await settled(cluster);
  return cluster;
}

/** Until the live members own every sessions partition between them, each some. */
async function settled(cluster: Cluster, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const owned = await Promise.all(
      cluster.live().map(async (m) => {
        const body = await getJson<{ partitions: Array<{ partition: number; state: string }> }>(`${m.managementUrl}/inspector/api/cluster`);
        return (body?.partitions ?? []).filter((p) => p.state === 'owned').map((p) => p.partition);
      }),
    );
    last = JSON.stringify(owned);
    if (owned.every((o) => o.length > 0) && owned.flat().length === cluster.sessionPartitions && new Set(owned.flat()).size === cluster.sessionPartitions) {
      log(`cluster settled: sessions partitions per member ${last}`);
      return;
    }
    await sleep(200);
  }
  throw new Error(`the proxy cluster did not settle within ${timeoutMs} ms (owned: ${last})`);
}

/** Which live member's inspector lists each label (`<group> / <instance>`). */
export async function owners(cluster: Cluster): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  await Promise.all(
    cluster.live().map(async (m) => {
      const actors = (await getJson<Array<{ label: string }>>(`${m.managementUrl}/inspector/api/actors`)) ?? [];
      for (const actor of actors) found.set(actor.label, m.index);
    }),
  );
  return found;
}

export async function ownerOf(cluster: Cluster, group: string, instance: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const owner = (await owners(cluster)).get(`${group} / ${instance}`);
    if (owner !== undefined) return owner;
    await sleep(100);
  }
  throw new Error(`no member lists ${group} / ${instance}`);
}

async function getJson<T>(url: string): Promise<T | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? ((await response.json()) as T) : null;
  } catch {
    return null;
  }
}
