/**
 * bench/cluster.ts (a) and (b): batched (100 × 1 KiB per request, 16 connections) and
 * single-record (64 connections) produce through the proxy with workers=1 and workers=2, each
 * divided by native kafkajs measured first in the same run with no proxy process running; with
 * the keep-alive connections counted per worker process after each run.
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { log } from './harness.ts';
import { binaryBodies, ProduceClient } from './http-produce.ts';
import { BATCH_CONCURRENCY, BATCH_RECORDS, cycle, messageSets, nativeBatchOp, nativeProducer, nativeSendOp, PARTITIONS, PAYLOAD_VARIANTS, VALUE_BYTES } from './batched-produce.ts';
import { closedLoop, ratio, sleep } from './load.ts';
import { childPids, connectionsOnPort, CpuMeter } from './proc.ts';
import { measure as measureScenario, measuredErrors, type Measured } from './measure.ts';
import { startProxyProcess, type ProxyProcess } from './proxy-process.ts';
import type { ClusterResources, Stoppable } from './cluster-members.ts';

const SINGLE_CONCURRENCY = 64;
const WORKER_COUNTS = [1, 2];
const TARGET_BATCH_RATIO = 1.0;
const TARGET_SINGLE_RATIO = 1.5;

export interface ProduceResult {
  native: { batch: Measured; single: Measured };
  proxies: Array<{ workers: number; pids: number[]; connections: { batch: number[]; single: number[] }; batch: Measured; single: Measured; batchRatio: number; singleRatio: number }>;
  targets: { batch: number; single: number };
  errors: number;
}

export interface ProduceOptions {
  seconds: number;
  warmupSeconds: number;
  bootstrapServers: string;
  brokerPid: number | null;
  dir: string;
  resources: ClusterResources;
}

export async function produceSection(kafka: Kafka, admin: Admin, run: ProduceOptions): Promise<ProduceResult> {
  const { bootstrapServers, brokerPid, dir, resources } = run;
  const topics = ['bench-native-batch', 'bench-native-single', ...WORKER_COUNTS.flatMap((w) => [`bench-w${w}-batch`, `bench-w${w}-single`])];
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })) });
  const batchBodies = binaryBodies(PAYLOAD_VARIANTS, BATCH_RECORDS, VALUE_BYTES);
  const batchMessages = messageSets(PAYLOAD_VARIANTS, BATCH_RECORDS);
  const singleBodies = binaryBodies(PAYLOAD_VARIANTS * 4, 1, VALUE_BYTES);
  const singleMessages = messageSets(PAYLOAD_VARIANTS * 4, 1);

  // Native first, with no proxy process running at all.
  const nativeCpu = new CpuMeter(() => [], brokerPid);
  const options = (cpu: CpuMeter) => ({ warmupSeconds: run.warmupSeconds, seconds: run.seconds, cpu });
  const batchProducer = await nativeProducer(kafka);
  resources.producers.push(batchProducer);
  const nativeBatch = await measureScenario('a. native batched', (seconds) => closedLoop({ concurrency: BATCH_CONCURRENCY, seconds, op: nativeBatchOp(batchProducer, 'bench-native-batch', batchMessages) }), options(nativeCpu));
  const singleProducer = await nativeProducer(kafka);
  resources.producers.push(singleProducer);
  const nativeSingle = await measureScenario('b. native single', (seconds) => closedLoop({ concurrency: SINGLE_CONCURRENCY, seconds, op: nativeSendOp(singleProducer, 'bench-native-single', singleMessages) }), options(nativeCpu));
  for (const producer of [batchProducer, singleProducer]) {
    await producer.disconnect();
    resources.producers.splice(resources.producers.indexOf(producer), 1);
  }

  const proxies: ProduceResult['proxies'] = [];
  for (const workers of WORKER_COUNTS) {
    const journalDir = join(dir, `produce-w${workers}`);
    mkdirSync(journalDir);
    const settings: Record<string, string> = { 'bootstrap.servers': bootstrapServers, 'journal.path': join(journalDir, 'journal.db'), workers: String(workers) };
    const clusterName = `bench-workers-${workers}`;
    // With workers the processes form a proxy cluster of their own: its sessions topic needs a replication factor one broker can give.
    if (workers > 1) Object.assign(settings, { 'cluster.name': clusterName, 'cluster.sessions.replication.factor': '1' });
    log(`starting proxy with workers=${workers}…`);
    const proxy = await startProxyProcess(settings, { readyTimeoutMs: 120_000 });
    const stoppable: Stoppable = { pid: proxy.pid, label: `proxy workers=${workers}`, stop: () => proxy.stop() };
    resources.proxies.push(stoppable);
    // workers=N: the primary forks N node processes; all of them are the proxy's CPU.
    const pids = () => (workers > 1 ? [proxy.pid, ...childPids(proxy.pid, 'node')] : [proxy.pid]);
    if (workers > 1) await workersReady(admin, proxy, workers, `_kafka-rest-${clusterName}`);
    log(`proxy workers=${workers} pids ${pids().join(', ')} at ${proxy.url}`);
    const cpu = new CpuMeter(pids, brokerPid);
    const batchClient = new ProduceClient(proxy.url, BATCH_CONCURRENCY);
    resources.clients.push(batchClient);
    const port = Number(new URL(proxy.url).port);
    const spread = () => connectionsOnPort(pids(), port);
    const batch = await measureScenario(
      `a. proxy workers=${workers} batched`,
      (seconds) => closedLoop({ concurrency: BATCH_CONCURRENCY, seconds, op: cycle(batchBodies, (body) => batchClient.produce(`bench-w${workers}-batch`, body, BATCH_RECORDS)) }),
      options(cpu),
    );
    const batchConnections = spread();
    batchClient.close();
    const singleClient = new ProduceClient(proxy.url, SINGLE_CONCURRENCY);
    resources.clients.push(singleClient);
    const single = await measureScenario(
      `b. proxy workers=${workers} single`,
      (seconds) => closedLoop({ concurrency: SINGLE_CONCURRENCY, seconds, op: cycle(singleBodies, (body) => singleClient.produce(`bench-w${workers}-single`, body, 1)) }),
      options(cpu),
    );
    const singleConnections = spread();
    singleClient.close();
    log(`workers=${workers}: connections per process (${workers > 1 ? 'primary, workers' : 'proxy'}) batched ${JSON.stringify(batchConnections)}, single ${JSON.stringify(singleConnections)}`);
    const measuredPids = pids();
    const code = await proxy.stop();
    resources.proxies.splice(resources.proxies.indexOf(stoppable), 1);
    if (code !== 0) log(`proxy workers=${workers} exited with code ${code}`);
    proxies.push({
      workers,
      pids: measuredPids,
      connections: { batch: batchConnections, single: singleConnections },
      batch,
      single,
      batchRatio: ratio(batch.stats.recordsPerSec, nativeBatch.stats.recordsPerSec),
      singleRatio: ratio(single.stats.recordsPerSec, nativeSingle.stats.recordsPerSec),
    });
  }
  const errors = [nativeBatch, nativeSingle, ...proxies.flatMap((p) => [p.batch, p.single])].reduce((n, m) => n + measuredErrors(m), 0);
  return { native: { batch: nativeBatch, single: nativeSingle }, proxies, targets: { batch: TARGET_BATCH_RATIO, single: TARGET_SINGLE_RATIO }, errors };
}

/** workers=N serves once worker 0 listens; the others are ready once all N have forked and joined their group. */
async function workersReady(admin: Admin, proxy: ProxyProcess, workers: number, groupId: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const forked = childPids(proxy.pid, 'node').length;
    const { groups } = await admin.describeGroups([groupId]).catch(() => ({ groups: [] as Array<{ state: string; members: unknown[] }> }));
    const group = groups[0];
    last = `${forked} worker processes, group ${group?.state ?? '?'} with ${group?.members.length ?? 0} members`;
    if (forked >= workers && group?.state === 'Stable' && group.members.length === workers) {
      // A worker listens only once it has taken over its share of the sessions: until then the
      // primary hands every connection to the others. Ready when fresh connections reach each one.
      const spread = await probeConnections(proxy, workers);
      last += `, fresh connections per worker ${JSON.stringify(spread)}`;
      if (spread.every((n) => n > 0)) {
        log(`workers=${workers}: ${last}`);
        return;
      }
    }
    await sleep(250);
  }
  throw new Error(`workers=${workers} not ready within ${timeoutMs} ms (${last})`);
}

/** Opens 2 × workers keep-alive connections (a GET /topics each) and counts them per worker process. */
async function probeConnections(proxy: ProxyProcess, workers: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 * workers });
  const port = Number(new URL(proxy.url).port);
  try {
    await Promise.all(
      Array.from(
        { length: 2 * workers },
        () =>
          new Promise<void>((resolve) => {
            const req = http.get(`${proxy.url}/topics`, { agent }, (res) => {
              res.resume();
              res.on('end', () => resolve());
            });
            req.setTimeout(5_000, () => req.destroy());
            req.on('error', () => resolve());
          }),
      ),
    );
    return connectionsOnPort(childPids(proxy.pid, 'node'), port);
  } finally {
    agent.destroy();
  }
}

