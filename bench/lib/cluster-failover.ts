/**
 * bench/cluster.ts (d): failover. N consumer instances (each its own group, subscribed to a small
 * topic) created through nginx, each read once; SIGKILL the member owning the most; time from the
 * kill until the first and until every one of its instances answers GET records with 200 through
 * nginx again; then where the instances are and whether all of them still answer.
 */
import type { Admin, Kafka } from 'kafkajs';
import { log } from './harness.ts';
import { PARTITIONS, VALUE_BYTES } from './batched-produce.ts';
import { describeError, round, sleep } from './load.ts';
import { ConsumeClient, describeReply } from './http-consume.ts';
import { fillTopic } from './consume-data.ts';
import { Samples } from './consume-types.ts';
import { owners, type Cluster, type ClusterResources } from './cluster-members.ts';

const SETUP_CONCURRENCY = 20;
const FAILOVER_RECORDS = 600;
const TARGET_FAILOVER_MS = 5000;
const FAILOVER_TOPIC = 'bench-cluster-failover';

export interface FailoverResult {
  instances: number;
  created: number;
  setupS: number;
  perMemberBefore: number[];
  killed: { member: number; pid: number; instances: number };
  firstServedMs: number | null;
  allServedMs: number | null;
  served: number;
  /** Answers other than 200 while waiting (503 moving, 502 from nginx…), by status. */
  retryAnswers: Record<string, number>;
  /** The killed member's instances that a surviving member lists afterwards. */
  moved: number;
  /** Instances of the surviving members that changed owner too (stickiness: should be 0). */
  othersMoved: number;
  perMemberAfter: number[];
  /** All instances answering GET records 200 once more, after the failover. */
  allAnswerAfter: number;
  target: number;
  pass: boolean;
  errors: Samples;
}

export interface FailoverOptions {
  instances: number;
  deadlineMs: number;
  resources: ClusterResources;
}

export async function failoverSection(kafka: Kafka, admin: Admin, cluster: Cluster, { instances, deadlineMs, resources }: FailoverOptions): Promise<FailoverResult> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: FAILOVER_TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  await fillTopic(kafka, admin, { topic: FAILOVER_TOPIC, records: FAILOVER_RECORDS, partitions: PARTITIONS, valueBytes: VALUE_BYTES, batch: 100, producers: resources.producers });
  const errors = new Samples();
  const client = new ConsumeClient(SETUP_CONCURRENCY);
  resources.clients.push(client);
  const body = { name: 'c', format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' };
  const label = (i: number) => `bench-failover-${i} / c`;

  log(`d. creating ${instances} instances through the balancer (${SETUP_CONCURRENCY} at a time)…`);
  const setupStart = performance.now();
  const baseUris = new Array<string | null>(instances).fill(null);
  let next = 0;
  await Promise.all(
    Array.from({ length: SETUP_CONCURRENCY }, async () => {
      while (next < instances) {
        const i = next++;
        try {
          const { reply, baseUri } = await client.create(cluster.balancer.url, `bench-failover-${i}`, body);
          if (!baseUri) {
            errors.add(`POST /consumers: ${describeReply(reply)}`);
            continue;
          }
          const sub = await client.subscribe(baseUri, [FAILOVER_TOPIC]);
          if (sub.status !== 204) {
            errors.add(`POST subscription: ${describeReply(sub)}`);
            continue;
          }
          const read = await client.records(baseUri, { timeoutMs: 100 });
          if (read.status !== 200) errors.add(`GET records: ${describeReply(read)}`);
          else baseUris[i] = baseUri;
        } catch (error) {
          errors.add(`set-up: ${describeError(error)}`);
        }
      }
    }),
  );
  const setupS = round((performance.now() - setupStart) / 1000, 1);
  const created = baseUris.filter((u) => u !== null).length;
  log(`d. ${created}/${instances} instances created, subscribed and read once in ${setupS} s`);

  const before = await owners(cluster);
  const perMember = (map: Map<string, number>) => cluster.members.map((m) => baseUris.filter((u, i) => u !== null && map.get(label(i)) === m.index).length);
  const perMemberBefore = perMember(before);
  const victim = perMemberBefore.indexOf(Math.max(...perMemberBefore));
  const victimInstances = baseUris.map((u, i) => ({ uri: u, i })).filter((x): x is { uri: string; i: number } => x.uri !== null && before.get(label(x.i)) === victim);
  const victimMember = cluster.members[victim]!;
  log(`d. instances per member ${JSON.stringify(perMemberBefore)}; SIGKILL member${victim} (pid ${victimMember.child.pid}) with ${victimInstances.length}`);

  const poll = new ConsumeClient(Math.max(1, victimInstances.length));
  resources.clients.push(poll);
  const retryAnswers: Record<string, number> = {};
  const servedAt: Array<number | null> = victimInstances.map(() => null);
  const killedAt = performance.now();
  await victimMember.child.kill();
  const deadline = killedAt + deadlineMs;
  await Promise.all(
    victimInstances.map(async ({ uri }, k) => {
      while (performance.now() < deadline) {
        let status: string;
        try {
          const reply = await poll.records(uri, { timeoutMs: 100 }, Math.max(1000, deadline - performance.now()));
          if (reply.status === 200) {
            servedAt[k] = reply.endedAt - killedAt;
            return;
          }
          status = String(reply.status);
        } catch (error) {
          status = describeError(error).slice(0, 60);
        }
        retryAnswers[status] = (retryAnswers[status] ?? 0) + 1;
        await sleep(20);
      }
    }),
  );
  const served = servedAt.filter((t): t is number => t !== null);
  const firstServedMs = served.length ? round(Math.min(...served), 0) : null;
  const allServedMs = served.length === victimInstances.length && served.length > 0 ? round(Math.max(...served), 0) : null;
  log(`d. ${served.length}/${victimInstances.length} served again; first after ${firstServedMs ?? '—'} ms, all after ${allServedMs ?? 'never'} ms; retry answers ${JSON.stringify(retryAnswers)}`);

  const after = await owners(cluster);
  const moved = victimInstances.filter(({ i }) => after.has(label(i)) && after.get(label(i)) !== victim).length;
  const othersMoved = baseUris.filter((u, i) => u !== null && before.get(label(i)) !== victim && after.get(label(i)) !== before.get(label(i))).length;
  const perMemberAfter = perMember(after);
  let allAnswerAfter = 0;
  await Promise.all(
    Array.from({ length: SETUP_CONCURRENCY }, async (_, w) => {
      for (let i = w; i < baseUris.length; i += SETUP_CONCURRENCY) {
        const uri = baseUris[i];
        if (!uri) continue;
        const reply = await client.records(uri, { timeoutMs: 100 }).catch(() => null);
        if (reply?.status === 200) allAnswerAfter++;
        else errors.add(`GET records after the failover: ${reply ? describeReply(reply) : 'no answer'}`);
      }
    }),
  );
  log(`d. ${moved}/${victimInstances.length} of member${victim}'s instances now at a survivor, ${othersMoved} others moved; per member ${JSON.stringify(perMemberAfter)}; ${allAnswerAfter}/${created} answer 200`);
  poll.close();
  return {
    instances,
    created,
    setupS,
    perMemberBefore,
    killed: { member: victim, pid: victimMember.child.pid, instances: victimInstances.length },
    firstServedMs,
    allServedMs,
    served: served.length,
    retryAnswers,
    moved,
    othersMoved,
    perMemberAfter,
    allAnswerAfter,
    target: TARGET_FAILOVER_MS,
    pass: created === instances && victimInstances.length > 0 && allServedMs !== null && allServedMs < TARGET_FAILOVER_MS,
    errors,
  };
}
