/**
 * Cluster mode with in-process members on the suite's broker: the settings the tests share, the
 * URL of an instance as another member serves it, and a wait until the members own every
 * sessions partition between them.
 */
import { startTestProxy, type TestProxy } from './proxy.ts';

export function clusterSettings(name: string): Record<string, string> {
  return {
    'cluster.name': name,
    'cluster.sessions.partitions': '6',
    'cluster.sessions.replication.factor': '1',
    'cluster.session.timeout.ms': '6000',
    'cluster.handover.timeout.ms': '5000',
    'consumer.request.timeout.ms': '500',
  };
}

/** A member of the cluster `name`; the caller closes it. */
export function startMember(name: string, extra: Record<string, string> = {}): Promise<TestProxy> {
  return startTestProxy({ ...clusterSettings(name), ...extra });
}

/** The base URI of `base` as served by another member: same path, that member's origin. */
export const via = (base: string, proxy: TestProxy) => `${proxy.url}${new URL(base).pathname}`;

/** Waits until every member owns some partitions and together they own all of them. */
export async function settled(members: TestProxy[], partitions = 6): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const owned = members.map((m) => m.cluster!.claimed().filter((p) => m.cluster!.state(p) === 'owned'));
    const all = new Set(owned.flat());
    if (owned.every((o) => o.length > 0) && all.size === partitions && owned.flat().length === partitions) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the cluster did not settle');
}
