/**
 * Cluster mode and workers benchmark, on one local broker this script starts itself. Every figure
 * is a ratio against a baseline measured in the same run.
 *
 *   (a) batched produce: 100 × 1 KiB records per request, 16 keep-alive connections, the proxy with
 *       workers=1 and with workers=2, each ÷ native kafkajs (16 concurrent sendBatch of 100 × 1 KiB)
 *   (b) single-record produce: 64 connections, workers=1 and workers=2, each ÷ native kafkajs
 *       (64 concurrent single-record send())
 *   (c) consume through a balancer vs direct: three proxies in cluster mode behind nginx; one
 *       consumer instance reads a pre-filled topic of 1 KiB records (max_bytes=1 MiB) through the
 *       balancer, and another at its owner directly (found through the members' inspectors);
 *       native kafkajs consumer records/s as the baseline
 *   (d) failover: 200 instances (each its own group, subscribed to a small topic) created through
 *       the balancer; SIGKILL the member owning the most; time from the kill until the first and
 *       until every one of its instances answers GET records with 200 through the balancer
 *
 * Env: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_RECORDS (200000, for c),
 * BENCH_FAILOVER_INSTANCES (200), BENCH_SCENARIOS (produce,consume,failover),
 * BENCH_CONSUME_DEADLINE_SECONDS (180), BENCH_FAILOVER_DEADLINE_SECONDS (60). KAFKA_REST_*
 * settings pass through to every proxy except those the benchmark sets (listeners, bootstrap
 * servers, journal path, workers and the cluster settings); KAFKA_REST_FETCH_MIN_BYTES defaults
 * to 1 for the cluster members, as in bench/consume.ts.
 *
 * Prints tables and one `BENCH_RESULT {json}` line. Exits 0 when the run completed, even if
 * targets were missed or a section failed (the output then says so loudly); non-zero only if it
 * could not run at all.
 */
import { envNumber, inheritedProxySettings, log, printRows, runBenchmark, type CleanUpStep } from './lib/harness.ts';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { LocalBroker } from '../src/broker/local-broker.ts';
import { freePort } from '../src/broker/free-port.ts';
import { startBalancer, type Balancer } from '../test/helpers/nginx.ts';
import { binaryBodies, ProduceClient } from './lib/http-produce.ts';
import { BATCH_CONCURRENCY, BATCH_RECORDS, cycle, messageSets, nativeBatchOp, nativeProducer, nativeSendOp, PARTITIONS, PAYLOAD_VARIANTS, VALUE_BYTES } from './lib/batched-produce.ts';
import { closedLoop, describeError, round, sleep } from './lib/load.ts';
import { childPids, connectionsOnPort, CpuMeter, type CpuUse } from './lib/proc.ts';
import http from 'node:http';
import { measure as measureScenario, measuredErrors, type Measured } from './lib/measure.ts';
import { startProxyProcess, type ProxyProcess } from './lib/proxy-process.ts';
import { spawnProxyChild, waitForStatus, type ProxyChild } from './lib/proxy-child.ts';
import { ConsumeClient, describeReply } from './lib/http-consume.ts';
import { fillTopic } from './lib/consume-data.ts';
import { restConsume } from './lib/consume-rest.ts';
import { nativeConsume } from './lib/consume-native.ts';
import { exact, Samples, type ConsumeRun, type RestConsumeRun } from './lib/consume-types.ts';

const { Kafka, logLevel } = kafkajs;

const SECONDS = envNumber('BENCH_SECONDS', 10);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 2);
const RECORDS = Math.floor(envNumber('BENCH_RECORDS', 200_000));
const FAILOVER_INSTANCES = Math.floor(envNumber('BENCH_FAILOVER_INSTANCES', 200));
const CONSUME_DEADLINE_MS = envNumber('BENCH_CONSUME_DEADLINE_SECONDS', 180) * 1000;
const FAILOVER_DEADLINE_MS = envNumber('BENCH_FAILOVER_DEADLINE_SECONDS', 60) * 1000;
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'produce,consume,failover').split(',').map((s) => s.trim()));
const SINGLE_CONCURRENCY = 64;
const WORKER_COUNTS = [1, 2];
const MEMBERS = 3;
const CLUSTER_NAME = 'bench-cluster';
const SESSION_TIMEOUT_MS = 6000;
const MAX_BYTES = 1_048_576;
const READ_TIMEOUT_MS = 1000;
const STALL_MS = 30_000;
const SETUP_CONCURRENCY = 20;
const FAILOVER_RECORDS = 600;
const TARGET_BATCH_RATIO = 1.0;
const TARGET_SINGLE_RATIO = 1.5;
const TARGET_FAILOVER_MS = 5000;
/** Other programs using more than this (% of one core) during a run make its figures noise-prone. */
const BUSY_MACHINE_PCT = 30;
const DATA_TOPIC = 'bench-cluster-consume';
const FAILOVER_TOPIC = 'bench-cluster-failover';

interface Stoppable {
  pid: number;
  label: string;
  stop(): Promise<number | null>;
}

/** Everything the clean-up has to take down, filled in as it comes up. */
const resources: {
  dir?: string;
  broker?: LocalBroker;
  admin?: Admin;
  balancer?: Balancer;
  producers: Producer[];
  consumers: Consumer[];
  clients: Array<{ close(): void }>;
  proxies: Stoppable[];
} = { producers: [], consumers: [], clients: [], proxies: [] };

interface Member {
  index: number;
  child: ProxyChild;
  managementUrl: string;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-bench-cluster-'));
  resources.dir = dir;
  log(`cpus ${availableParallelism()}, node ${process.version}, ${SECONDS}s per produce run after ${WARMUP_SECONDS}s warm-up, ${RECORDS} records to consume, ${FAILOVER_INSTANCES} failover instances, scenarios ${[...SCENARIOS]}, proxy env ${JSON.stringify(inheritedProxySettings())}`);

  log('starting Kafka broker…');
  const broker = await LocalBroker.start({ dir: join(dir, 'kafka'), autoCreateTopics: false });
  resources.broker = broker;
  // LocalBroker's java is this process's only java child.
  const brokerPid = childPids(process.pid, 'java')[0] ?? null;
  const kafka = new Kafka({ clientId: 'bench-cluster', brokers: [broker.bootstrapServers], logLevel: logLevel.WARN });
  const admin = kafka.admin();
  resources.admin = admin;
  await admin.connect();

  const sectionErrors: Record<string, string> = {};
  const section = async <T>(name: string, run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run();
    } catch (error) {
      log(`!!! ${name} failed: ${(sectionErrors[name] = error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
      return null;
    }
  };

  // ------------------------------------------------------------------------------------------
  // (a), (b): produce with workers=1 and workers=2 against native kafkajs.
  const produce = SCENARIOS.has('produce') ? await section('produce', () => produceSection(kafka, admin, broker.bootstrapServers, brokerPid, dir)) : null;

  // ------------------------------------------------------------------------------------------
  // (c), (d): three members in cluster mode behind nginx.
  let consume: ConsumeResult | null = null;
  let failover: FailoverResult | null = null;
  if (SCENARIOS.has('consume') || SCENARIOS.has('failover')) {
    const cluster = await section('cluster start', () => startMembers(admin, broker.bootstrapServers, dir));
    if (cluster) {
      if (SCENARIOS.has('consume')) consume = await section('consume', () => consumeSection(kafka, admin, cluster, brokerPid));
      if (SCENARIOS.has('failover')) failover = await section('failover', () => failoverSection(kafka, admin, cluster));
    }
  }

  const result = {
    config: {
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      records: RECORDS,
      valueBytes: VALUE_BYTES,
      partitions: PARTITIONS,
      failoverInstances: FAILOVER_INSTANCES,
      members: MEMBERS,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      cpus: availableParallelism(),
      node: process.version,
      brokerPid,
      proxyEnv: inheritedProxySettings(),
    },
    produce,
    consume,
    failover,
    sectionErrors,
  };
  printTables(result);
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

// ---------------------------------------------------------------------------------------------
// (a), (b)

interface ProduceResult {
  native: { batch: Measured; single: Measured };
  proxies: Array<{ workers: number; pids: number[]; connections: { batch: number[]; single: number[] }; batch: Measured; single: Measured; batchRatio: number; singleRatio: number }>;
  targets: { batch: number; single: number };
  errors: number;
}

async function produceSection(kafka: InstanceType<typeof Kafka>, admin: Admin, bootstrapServers: string, brokerPid: number | null, dir: string): Promise<ProduceResult> {
  const topics = ['bench-native-batch', 'bench-native-single', ...WORKER_COUNTS.flatMap((w) => [`bench-w${w}-batch`, `bench-w${w}-single`])];
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })) });
  const batchBodies = binaryBodies(PAYLOAD_VARIANTS, BATCH_RECORDS, VALUE_BYTES);
  const batchMessages = messageSets(PAYLOAD_VARIANTS, BATCH_RECORDS);
  const singleBodies = binaryBodies(PAYLOAD_VARIANTS * 4, 1, VALUE_BYTES);
  const singleMessages = messageSets(PAYLOAD_VARIANTS * 4, 1);

  // Native first, with no proxy process running at all.
  const nativeCpu = new CpuMeter(() => [], brokerPid);
  const options = (cpu: CpuMeter) => ({ warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, cpu });
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

// ---------------------------------------------------------------------------------------------
// The cluster of three members behind nginx.

interface Cluster {
  balancer: Balancer;
  members: Member[];
  sessionPartitions: number;
  pids: () => number[];
  live: () => Member[];
}

async function startMembers(admin: Admin, bootstrapServers: string, dir: string): Promise<Cluster> {
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
async function owners(cluster: Cluster): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  await Promise.all(
    cluster.live().map(async (m) => {
      const actors = (await getJson<Array<{ label: string }>>(`${m.managementUrl}/inspector/api/actors`)) ?? [];
      for (const actor of actors) found.set(actor.label, m.index);
    }),
  );
  return found;
}

async function ownerOf(cluster: Cluster, group: string, instance: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const owner = (await owners(cluster)).get(`${group} / ${instance}`);
    if (owner !== undefined) return owner;
    await sleep(100);
  }
  throw new Error(`no member lists ${group} / ${instance}`);
}

// ---------------------------------------------------------------------------------------------
// (c)

interface ConsumeResult {
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

async function consumeSection(kafka: InstanceType<typeof Kafka>, admin: Admin, cluster: Cluster, brokerPid: number | null): Promise<ConsumeResult> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: DATA_TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  log(`producing ${RECORDS} records into ${DATA_TOPIC}…`);
  const { produce, data } = await fillTopic(kafka, admin, { topic: DATA_TOPIC, records: RECORDS, partitions: PARTITIONS, valueBytes: VALUE_BYTES, producers: resources.producers });
  log(`produced in ${produce.seconds} s (${produce.recordsPerSec} records/s)`);
  const errors: Record<string, string> = {};
  const common = { instances: 1, maxBytes: MAX_BYTES, readTimeoutMs: READ_TIMEOUT_MS, deadlineMs: CONSUME_DEADLINE_MS, stallMs: STALL_MS, brokerPid, clients: resources.clients as ConsumeClient[] };
  // The CPU of all three members: through the balancer, the member a read lands on forwards it to the owner.
  const target = { url: cluster.balancer.url, pid: cluster.pids };

  let native: ConsumeRun | null = null;
  try {
    native = await nativeConsume(kafka, data, { group: 'bench-cluster-native', deadlineMs: CONSUME_DEADLINE_MS, proxyPid: cluster.pids, brokerPid, consumers: resources.consumers });
    log(`c. native: ${native.distinct}/${RECORDS} in ${native.elapsedS} s = ${native.recordsPerSec} records/s`);
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
      log(`c. ${name} (owner member${owner}): ${run.distinct}/${RECORDS} in ${run.elapsedS} s = ${run.recordsPerSec} records/s, cpu ${JSON.stringify(run.cpu)}` + (run.errors.total ? `  !!! ${run.errors.total} ERRORS ${JSON.stringify(run.errors.counts)}` : ''));
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
    exact: { native: exact(native, RECORDS), balancer: exact(balancer, RECORDS, balancer?.extraRecordsAfterAll), direct: exact(direct, RECORDS, direct?.extraRecordsAfterAll) },
    balancerOverDirect: ratio(rate(balancer), rate(direct)),
    balancerOverNative: ratio(rate(balancer), rate(native)),
    directOverNative: ratio(rate(direct), rate(native)),
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// (d)

interface FailoverResult {
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

async function failoverSection(kafka: InstanceType<typeof Kafka>, admin: Admin, cluster: Cluster): Promise<FailoverResult> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: FAILOVER_TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }] });
  await fillTopic(kafka, admin, { topic: FAILOVER_TOPIC, records: FAILOVER_RECORDS, partitions: PARTITIONS, valueBytes: VALUE_BYTES, batch: 100, producers: resources.producers });
  const errors = new Samples();
  const client = new ConsumeClient(SETUP_CONCURRENCY);
  resources.clients.push(client);
  const body = { name: 'c', format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' };
  const label = (i: number) => `bench-failover-${i} / c`;

  log(`d. creating ${FAILOVER_INSTANCES} instances through the balancer (${SETUP_CONCURRENCY} at a time)…`);
  const setupStart = performance.now();
  const baseUris = new Array<string | null>(FAILOVER_INSTANCES).fill(null);
  let next = 0;
  await Promise.all(
    Array.from({ length: SETUP_CONCURRENCY }, async () => {
      while (next < FAILOVER_INSTANCES) {
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
  log(`d. ${created}/${FAILOVER_INSTANCES} instances created, subscribed and read once in ${setupS} s`);

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
  const deadline = killedAt + FAILOVER_DEADLINE_MS;
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
    instances: FAILOVER_INSTANCES,
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
    pass: created === FAILOVER_INSTANCES && victimInstances.length > 0 && allServedMs !== null && allServedMs < TARGET_FAILOVER_MS,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers and report.

async function getJson<T>(url: string): Promise<T | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? ((await response.json()) as T) : null;
  } catch {
    return null;
  }
}

const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : 0);
const fmt = (n: number) => n.toLocaleString('en-US');

function printTables(r: { produce: ProduceResult | null; consume: ConsumeResult | null; failover: FailoverResult | null; sectionErrors: Record<string, string> }): void {
  const cpuRows: Array<[string, CpuUse]> = [];
  if (r.produce) {
    const p = r.produce;
    const w = (n: number) => p.proxies.find((x) => x.workers === n);
    const verdict = (value: number | undefined, target: number) => (value === undefined ? '' : `${value} ${value >= target ? 'PASS' : 'FAIL'}`);
    const errs = [p.native.batch, p.native.single, ...p.proxies.flatMap((x) => [x.batch, x.single])].map(measuredErrors);
    printRows([
      ['produce (records/s)', 'workers=1', 'workers=2', 'native', 'w1/native', 'w2/native', 'target', 'errors'],
      [
        'a. batch 100×1KiB, 16 conns',
        fmt(w(1)?.batch.stats.recordsPerSec ?? 0),
        fmt(w(2)?.batch.stats.recordsPerSec ?? 0),
        fmt(p.native.batch.stats.recordsPerSec),
        String(w(1)?.batchRatio ?? ''),
        verdict(w(2)?.batchRatio, p.targets.batch),
        `w2 ≥ ${p.targets.batch}`,
        String(errs[0]! + p.proxies.reduce((n, x) => n + measuredErrors(x.batch), 0)),
      ],
      [
        'b. single 1KiB, 64 conns',
        fmt(w(1)?.single.stats.recordsPerSec ?? 0),
        fmt(w(2)?.single.stats.recordsPerSec ?? 0),
        fmt(p.native.single.stats.recordsPerSec),
        String(w(1)?.singleRatio ?? ''),
        verdict(w(2)?.singleRatio, p.targets.single),
        `w2 ≥ ${p.targets.single}`,
        String(errs[1]! + p.proxies.reduce((n, x) => n + measuredErrors(x.single), 0)),
      ],
    ]);
    cpuRows.push(['a. native batched', p.native.batch], ['b. native single', p.native.single]);
    for (const x of p.proxies) cpuRows.push([`a. workers=${x.workers} batched`, x.batch], [`b. workers=${x.workers} single`, x.single]);
  }
  if (r.consume) {
    const c = r.consume;
    const cell = (run: ConsumeRun | null, isExact: boolean) => (run ? `${fmt(run.recordsPerSec)}${isExact ? '' : ' (NOT EXACT)'}` : 'failed');
    printRows([
      ['consume, 1 instance (records/s)', 'through nginx', 'direct at owner', 'native', 'nginx/direct', 'nginx/native', 'direct/native'],
      [
        `c. ${fmt(RECORDS)} × 1KiB, max_bytes=${MAX_BYTES}`,
        cell(c.balancer, c.exact.balancer),
        cell(c.direct, c.exact.direct),
        cell(c.native, c.exact.native),
        String(c.balancerOverDirect),
        String(c.balancerOverNative),
        String(c.directOverNative),
      ],
    ]);
    if (c.balancer?.cpu) cpuRows.push(['c. through nginx (3 members)', c.balancer.cpu]);
    if (c.direct?.cpu) cpuRows.push(['c. direct at owner (3 members)', c.direct.cpu]);
    if (c.native?.cpu) cpuRows.push(['c. native (3 members idle)', c.native.cpu]);
  }
  if (r.failover) {
    const f = r.failover;
    printRows([
      ['failover (SIGKILL the busiest member)', 'value'],
      ['d. instances created through nginx', `${f.created}/${f.instances} in ${f.setupS} s, per member ${JSON.stringify(f.perMemberBefore)}`],
      ['d. killed member: its instances', `member${f.killed.member}: ${f.killed.instances}`],
      ['d. kill → first served again (ms)', String(f.firstServedMs ?? '—')],
      ['d. kill → all served again (ms)', `${f.allServedMs ?? `never (${f.served}/${f.killed.instances})`}  target < ${f.target}: ${f.pass ? 'PASS' : 'FAIL'}`],
      ['d. instances moved / others moved', `${f.moved}/${f.killed.instances} / ${f.othersMoved}, per member after ${JSON.stringify(f.perMemberAfter)}`],
      ['d. retry answers while waiting', JSON.stringify(f.retryAnswers)],
      ['d. all instances answer 200 afterwards', `${f.allAnswerAfter}/${f.created}`],
    ]);
    if (f.errors.total) console.log(`   !!! ${f.errors.total} errors: ${JSON.stringify(f.errors.counts)}`);
  }
  if (cpuRows.length) {
    printRows([
      ['CPU, % of one core', 'proxy (parts)', 'broker', 'bench', 'machine', 'other'],
      ...cpuRows.map(([name, m]) => [
        name,
        `${m.proxyCpuPct}${m.proxyPartsCpuPct ? ` (${m.proxyPartsCpuPct.join(' + ')})` : ''}`,
        String(m.brokerCpuPct),
        String(m.benchCpuPct),
        `${m.machineCpuPct} / ${availableParallelism() * 100}`,
        String(m.otherCpuPct),
      ]),
    ]);
    console.log('   workers=2 parts: primary + worker processes; c parts: the three members');
    const disturbed = cpuRows.filter(([, m]) => m.otherCpuPct > BUSY_MACHINE_PCT).map(([name]) => name);
    if (disturbed.length > 0) console.log(`\n!!! other programs used > ${BUSY_MACHINE_PCT}% of a core during: ${disturbed.join(', ')} — those figures are disturbed; rerun on a quiet machine`);
  }
  const produceErrors = r.produce?.errors ?? 0;
  const consumeErrors = (r.consume?.balancer?.errors.total ?? 0) + (r.consume?.direct?.errors.total ?? 0) + (r.consume?.native?.errors.total ?? 0);
  const failed = Object.keys(r.sectionErrors).length + Object.keys(r.consume?.errors ?? {}).length;
  if (failed > 0) console.log(`\n!!!!!!!! SECTIONS FAILED: ${[...Object.keys(r.sectionErrors), ...Object.keys(r.consume?.errors ?? {})].join(', ')} (see the log above) !!!!!!!!`);
  if (produceErrors + consumeErrors > 0) console.log(`\n!!!!!!!! THIS RUN HAD ${produceErrors} PRODUCE AND ${consumeErrors} CONSUME ERRORS; those figures are not trustworthy !!!!!!!!`);
  else if (failed === 0) console.log('\nno produce or consume errors: every request answered as expected');
  console.log();
}

function cleanUpSteps(): CleanUpStep[] {
  for (const client of resources.clients) client.close();
  return [
    ...resources.consumers.map((c): CleanUpStep => ['native consumer disconnect', () => c.disconnect()]),
    ...resources.producers.map((p): CleanUpStep => ['producer disconnect', () => p.disconnect()]),
    ['admin disconnect', async () => resources.admin?.disconnect()],
    // In parallel: each member hands its sessions over to the others as it stops.
    [
      'proxies stop',
      () =>
        Promise.allSettled(
          resources.proxies.map(async (p) => {
            const code = await p.stop();
            if (code !== 0) log(`${p.label} (pid ${p.pid}) exited with code ${code}`);
          }),
        ),
    ],
    ['balancer stop', async () => resources.balancer?.stop()],
    ['broker stop', async () => resources.broker?.stop()],
  ];
}

await runBenchmark({ main, cleanUpSteps, dir: () => resources.dir });
