/**
 * bench/cluster.ts (c): one consumer instance reading a pre-filled topic of 1 KiB records
 * (max_bytes=1 MiB) through nginx in front of the three members, and another at its owner directly
 * (found through the members' inspectors), each (partition, offset) exactly once; native kafkajs
 * consumer records/s as the baseline, with the three members idle.
 */
import type { Admin, Kafka } from 'kafkajs';
import { log } from './harness.ts';
import { PARTITIONS, VALUE_BYTES } from './batched-produce.ts';
import { describeError, ratio } from './load.ts';
import type { ConsumeClient } from './http-consume.ts';
import { fillTopic } from './consume-data.ts';
import { restConsume } from './consume-rest.ts';
import { nativeConsume } from './consume-native.ts';
import { exact, type ConsumeRun, type RestConsumeRun } from './consume-types.ts';
import { ownerOf, type Cluster, type ClusterResources } from './cluster-members.ts';

export const MAX_BYTES = 1_048_576;
const READ_TIMEOUT_MS = 1000;
/** Give up on a consume loop when no new record arrived for this long. */
const STALL_MS = 30_000;
const DATA_TOPIC = 'bench-cluster-consume';

export interface ConsumeResult {
  produce: { seconds: number; recordsPerSec: number };
  native: ConsumeRun | null;
  balancer: (RestConsumeRun & { owner: number }) | null;
  direct: (RestConsumeRun & { owner: number }) | null;
  exact: { native: boolean; balancer: boolean; direct: boolean };
  balancerOverDirect: number;
  balancerOverNative: number;
  directOverNative: number;
  errors: Record<string, string>;
}

export interface ConsumeOptions {
  records: number;
  deadlineMs: number;
  brokerPid: number | null;
  resources: ClusterResources;
}

export async function consumeSection(kafka: Kafka, admin: Admin, cluster: Cluster, { records, deadlineMs, brokerPid, resources }: ConsumeOptions): Promise<ConsumeResult> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: DATA_TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  log(`producing ${records} records into ${DATA_TOPIC}…`);
  const { produce, data } = await fillTopic(kafka, admin, { topic: DATA_TOPIC, records, partitions: PARTITIONS, valueBytes: VALUE_BYTES, producers: resources.producers });
  log(`produced in ${produce.seconds} s (${produce.recordsPerSec} records/s)`);
  const errors: Record<string, string> = {};
  const common = { instances: 1, maxBytes: MAX_BYTES, readTimeoutMs: READ_TIMEOUT_MS, deadlineMs, stallMs: STALL_MS, brokerPid, clients: resources.clients as ConsumeClient[] };
  // The CPU of all three members: through the balancer, the member a read lands on forwards it to the owner.
  const target = { url: cluster.balancer.url, pid: cluster.pids };

  let native: ConsumeRun | null = null;
  try {
    native = await nativeConsume(kafka, data, { group: 'bench-cluster-native', deadlineMs, proxyPid: cluster.pids, brokerPid, consumers: resources.consumers });
    log(`c. native: ${native.distinct}/${records} in ${native.elapsedS} s = ${native.recordsPerSec} records/s`);
  } catch (error) {
    log(`!!! c. native failed: ${(errors.native = describeError(error))}`);
  }
  const rest = async (name: 'balancer' | 'direct') => {
    let owner = -1;
    const rebase = async (baseUri: string, group: string, instance: string) => {
      owner = await ownerOf(cluster, group, instance);
      if (name === 'balancer') return baseUri;
      const url = new URL(baseUri);
      const at = new URL(cluster.members[owner]!.child.url);
      url.host = at.host;
      return url.href;
    };
    try {
      const run = await restConsume(target, data, { ...common, group: `bench-cluster-${name}`, rebase });
      log(`c. ${name} (owner member${owner}): ${run.distinct}/${records} in ${run.elapsedS} s = ${run.recordsPerSec} records/s, cpu ${JSON.stringify(run.cpu)}` + (run.errors.total ? `  !!! ${run.errors.total} ERRORS ${JSON.stringify(run.errors.counts)}` : ''));
      return { ...run, owner };
    } catch (error) {
      log(`!!! c. ${name} failed: ${(errors[name] = describeError(error))}`);
      return null;
    }
  };
  const balancer = await rest('balancer');
  const direct = await rest('direct');
  const rate = (r: ConsumeRun | null) => r?.recordsPerSec ?? 0;
  return {
    produce,
    native,
    balancer,
    direct,
    exact: { native: exact(native, records), balancer: exact(balancer, records, balancer?.extraRecordsAfterAll), direct: exact(direct, records, direct?.extraRecordsAfterAll) },
    balancerOverDirect: ratio(rate(balancer), rate(direct)),
    balancerOverNative: ratio(rate(balancer), rate(native)),
    directOverNative: ratio(rate(direct), rate(native)),
    errors,
  };
}
