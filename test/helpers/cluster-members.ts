/**
 * A proxy cluster as users run one: member processes (the real bin, in cluster mode, each with
 * its own journal directory and management listener) behind Debian's nginx, advertising the
 * balancer's URL, so every request a test makes goes through the balancer only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/broker/free-port.ts';
import { bootstrapServers } from './cluster.ts';
import { startBalancer, type Balancer } from './nginx.ts';
import { spawnProxy, type ProxyProcess } from './process.ts';

export interface Member extends ProxyProcess {
  managementUrl: string;
  index: number;
}

export interface ClusterUnderTest {
  readonly balancer: Balancer;
  readonly members: Member[];
  /** Starts member `index` (again) on its own ports. */
  start(index: number): Promise<Member>;
  /** Waits until the running members own every sessions partition between them, each some. */
  settled(timeoutMs?: number): Promise<void>;
  /** The member (index) whose inspector lists `group / instance`, or -1. */
  ownerOf(group: string, instance: string): Promise<number>;
  stop(): Promise<void>;
}

export const SESSION_PARTITIONS = 6;

export async function startCluster(size: number, name: string, extra: Record<string, string> = {}): Promise<ClusterUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-cluster-'));
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const balancer = await startBalancer(ports.map((port) => `http://127.0.0.1:${port}`), { dir });
  const members: Member[] = [];
  const start = async (index: number) => {
    const managementUrl = `http://127.0.0.1:${await freePort()}`;
    const memberDir = mkdtempSync(join(dir, `member-${index}-`));
    const proxy = await spawnProxy(memberDir, {
      listeners: `http://127.0.0.1:${ports[index]}`,
      'advertised.listeners': balancer.url,
      'bootstrap.servers': bootstrapServers(),
      'journal.path': join(memberDir, 'journal.db'),
      'management.listeners': managementUrl,
      id: `m${index}`,
      'cluster.name': name,
      'cluster.sessions.partitions': String(SESSION_PARTITIONS),
      'cluster.sessions.replication.factor': '1',
      'cluster.session.timeout.ms': '6000',
      'cluster.handover.timeout.ms': '5000',
      ...extra,
    });
    const member = { ...proxy, managementUrl, index };
    members[index] = member;
    return member;
  };
  const running = () => members.filter((m) => m && m.child.exitCode === null && m.child.signalCode === null);
  const inspect = async (member: Member) => {
    const response = await fetch(`${member.managementUrl}/inspector/api/cluster`).catch(() => null);
    return response?.ok ? ((await response.json()) as { partitions: Array<{ partition: number; state: string }> }) : null;
  };
  for (let i = 0; i < size; i++) await start(i);
  return {
    balancer,
    members,
    start,
    async settled(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const views = await Promise.all(running().map(inspect));
        const owned = views.map((v) => (v?.partitions ?? []).filter((p) => p.state === 'owned').map((p) => p.partition));
        if (owned.every((o) => o.length > 0) && new Set(owned.flat()).size === SESSION_PARTITIONS && owned.flat().length === SESSION_PARTITIONS) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('the proxy cluster did not settle');
    },
    async ownerOf(group, instance) {
      for (const member of running()) {
        const response = await fetch(`${member.managementUrl}/inspector/api/actors`).catch(() => null);
        const actors = response?.ok ? ((await response.json()) as Array<{ label: string }>) : [];
        if (actors.some((a) => a.label === `${group} / ${instance}`)) return member.index;
      }
      return -1;
    },
    async stop() {
      for (const member of running()) member.child.kill('SIGTERM');
      await Promise.all(members.map((m) => m?.exited));
      await balancer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
