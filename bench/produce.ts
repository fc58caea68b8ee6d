/**
 * Produce benchmark: the proxy (a child process) against a native kafkajs producer, on one local
 * broker this script starts itself.
 *
 *   (a) batched: 100 × 1 KiB records per request, 16 keep-alive connections vs 16 concurrent sendBatch
 *   (b) single:  1 record per request, 64 connections vs 64 concurrent send()
 *   (c) latency: single-record requests at a fixed rate (open loop), proxy and native
 *   (d) proxy RSS: idle after start, peak per scenario and overall, idle at the end
 *
 * Env: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2), BENCH_RATE (500 req/s), BENCH_PROXY_CPU_PROF
 * (a directory: the proxy runs with --cpu-prof and leaves its profile there). KAFKA_REST_* settings
 * (e.g. KAFKA_REST_PRODUCER_POOL_SIZE, KAFKA_REST_PRODUCER_LINGER_MS) pass through to the proxy,
 * except listeners, bootstrap servers and journal path, which the benchmark owns.
 *
 * Prints a table and one `BENCH_RESULT {json}` line. Exits 0 when the run completed, even if
 * requests failed (the output then says so loudly); non-zero only if it could not run at all.
 */
import { envNumber, inheritedProxySettings, log, printRows, runBenchmark, type CleanUpStep } from './lib/harness.ts';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import type { LocalBroker } from '../src/broker/local-broker.ts';
import { startBroker } from './lib/broker.ts';
import { binaryBodies, ProduceClient } from './lib/http-produce.ts';
import { closedLoop, openLoop, sleep, round, type RunStats } from './lib/load.ts';
import { CpuMeter, RssSampler } from './lib/proc.ts';
import { cycle, messageSets, ok } from './lib/batched-produce.ts';
import { measure as measureScenario, type Measured } from './lib/measure.ts';
import { startProxyProcess, type ProxyProcess } from './lib/proxy-process.ts';

const { Partitioners } = kafkajs;

const SECONDS = envNumber('BENCH_SECONDS', 10);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 2);
const RATE = envNumber('BENCH_RATE', 500);
const PARTITIONS = 6;
const VALUE_BYTES = 1024;
const BATCH_RECORDS = 100;
const BATCH_CONCURRENCY = 16;
const SINGLE_CONCURRENCY = 64;
const LATENCY_CONNECTIONS = 64;
/** Distinct pre-built payloads cycled through: the generator must not spend its CPU on random bytes. */
const PAYLOAD_VARIANTS = 64;
const TARGET_BATCH_RATIO = 0.8;
const TARGET_SINGLE_RATIO = 1.0;
/** Other programs using more than this (% of one core) during a run make its figures noise-prone. */
const BUSY_MACHINE_PCT = 30;

/** Everything the finally block has to take down, filled in as it comes up. */
const resources: {
  dir?: string;
  broker?: LocalBroker;
  proxy?: ProxyProcess;
  admin?: Admin;
  producers: Producer[];
  clients: ProduceClient[];
  sampler?: RssSampler;
} = { producers: [], clients: [] };

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-bench-'));
  resources.dir = dir;
  log(`cpus ${availableParallelism()}, node ${process.version}, ${SECONDS}s per run after ${WARMUP_SECONDS}s warm-up, latency rate ${RATE}/s, proxy env ${JSON.stringify(inheritedProxySettings())}`);

  const { broker, brokerPid, kafka, admin } = await startBroker(dir, 'bench', resources);

  const topics = {
    proxyBatch: 'bench-proxy-batch',
    nativeBatch: 'bench-native-batch',
    proxySingle: 'bench-proxy-single',
    nativeSingle: 'bench-native-single',
    proxyLatency: 'bench-proxy-latency',
    nativeLatency: 'bench-native-latency',
  };
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
  });

  log('starting proxy…');
  const profileDir = process.env.BENCH_PROXY_CPU_PROF;
  const proxy = await startProxyProcess(
    { 'bootstrap.servers': broker.bootstrapServers, 'journal.path': join(dir, 'journal.db') },
    { nodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [] },
  );
  resources.proxy = proxy;
  const sampler = new RssSampler(proxy.pid, 200);
  resources.sampler = sampler;
  sampler.start();
  const cpu = new CpuMeter(proxy.pid, brokerPid);
  // Let start-up garbage settle before calling the process idle.
  await sleep(1000);
  const idleStartKiB = sampler.sample() ?? 0;
  sampler.resetWindow();
  log(`proxy pid ${proxy.pid} at ${proxy.url}, idle RSS ${mib(idleStartKiB)} MiB`);

  /** Warm-up then measured run of one scenario, with the proxy's CPU and RSS over the measured part. */
  const measure = (label: string, run: (seconds: number) => Promise<RunStats>): Promise<Measured> =>
    measureScenario(label, run, { warmupSeconds: WARMUP_SECONDS, seconds: SECONDS, cpu, sampler });

  const nativeProducer = async (): Promise<Producer> => {
    // Same client defaults as the proxy's producers: not idempotent, acks -1 per send, Java-compatible partitioner.
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    resources.producers.push(producer);
    await producer.connect();
    return producer;
  };
  const proxyClient = (connections: number): ProduceClient => {
    const client = new ProduceClient(proxy.url, connections);
    resources.clients.push(client);
    return client;
  };

  // (a) batched
  const batchBodies = binaryBodies(PAYLOAD_VARIANTS, BATCH_RECORDS, VALUE_BYTES);
  const batchMessages = messageSets(PAYLOAD_VARIANTS, BATCH_RECORDS);
  const batchClient = proxyClient(BATCH_CONCURRENCY);
  const proxyBatch = await measure('a. proxy  batched', (seconds) =>
    closedLoop({ concurrency: BATCH_CONCURRENCY, seconds, op: cycle(batchBodies, (body) => batchClient.produce(topics.proxyBatch, body, BATCH_RECORDS)) }),
  );
  batchClient.close();
  const batchProducer = await nativeProducer();
  const nativeBatch = await measure('a. native batched', (seconds) =>
    closedLoop({
      concurrency: BATCH_CONCURRENCY,
      seconds,
      op: cycle(batchMessages, async (messages) => {
        await batchProducer.sendBatch({ topicMessages: [{ topic: topics.nativeBatch, messages }], acks: -1 });
        return ok(messages.length);
      }),
    }),
  );

  // (b) single record per request
  const singleBodies = binaryBodies(PAYLOAD_VARIANTS * 4, 1, VALUE_BYTES);
  const singleMessages = messageSets(PAYLOAD_VARIANTS * 4, 1);
  const singleClient = proxyClient(SINGLE_CONCURRENCY);
  const proxySingle = await measure('b. proxy  single', (seconds) =>
    closedLoop({ concurrency: SINGLE_CONCURRENCY, seconds, op: cycle(singleBodies, (body) => singleClient.produce(topics.proxySingle, body, 1)) }),
  );
  singleClient.close();
  const singleProducer = await nativeProducer();
  const nativeSingle = await measure('b. native single', (seconds) =>
    closedLoop({
      concurrency: SINGLE_CONCURRENCY,
      seconds,
      op: cycle(singleMessages, async (messages) => {
        await singleProducer.send({ topic: topics.nativeSingle, messages, acks: -1 });
        return ok(messages.length);
      }),
    }),
  );

  // (c) latency at a fixed rate
  const latencyClient = proxyClient(LATENCY_CONNECTIONS);
  const proxyLatency = await measure(`c. proxy  ${RATE}/s`, (seconds) =>
    openLoop({ rate: RATE, seconds, op: cycle(singleBodies, (body) => latencyClient.produce(topics.proxyLatency, body, 1)) }),
  );
  latencyClient.close();
  const latencyProducer = await nativeProducer();
  const nativeLatency = await measure(`c. native ${RATE}/s`, (seconds) =>
    openLoop({
      rate: RATE,
      seconds,
      op: cycle(singleMessages, async (messages) => {
        await latencyProducer.send({ topic: topics.nativeLatency, messages, acks: -1 });
        return ok(messages.length);
      }),
    }),
  );

  // (d) idle again: did memory come back down?
  await sleep(2000);
  const idleEndKiB = sampler.sample() ?? 0;

  const runs = { proxyBatch, nativeBatch, proxySingle, nativeSingle, proxyLatency, nativeLatency };
  const totalErrors = Object.values(runs).reduce((n, r) => n + r.stats.requestErrors + r.stats.recordErrors + r.warmupErrors, 0);
  const batchRatio = ratio(proxyBatch.stats.recordsPerSec, nativeBatch.stats.recordsPerSec);
  const singleRatio = ratio(proxySingle.stats.recordsPerSec, nativeSingle.stats.recordsPerSec);
  const result = {
    config: {
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      rate: RATE,
      partitions: PARTITIONS,
      valueBytes: VALUE_BYTES,
      cpus: availableParallelism(),
      brokerPid,
      proxyEnv: inheritedProxySettings(),
    },
    batch: { proxy: proxyBatch, native: nativeBatch, ratio: batchRatio, target: TARGET_BATCH_RATIO, pass: batchRatio >= TARGET_BATCH_RATIO },
    single: { proxy: proxySingle, native: nativeSingle, ratio: singleRatio, target: TARGET_SINGLE_RATIO, pass: singleRatio >= TARGET_SINGLE_RATIO },
    latency: { proxy: proxyLatency, native: nativeLatency },
    rss: {
      idleStartMiB: mib(idleStartKiB),
      peakMiB: mib(sampler.peakKiB),
      idleEndMiB: mib(idleEndKiB),
      peakByScenarioMiB: Object.fromEntries(Object.entries(runs).filter(([k]) => k.startsWith('proxy')).map(([k, r]) => [k, r.proxyRssPeakMiB])),
    },
    proxyLogLines: proxy.outputLines(),
    errors: totalErrors,
  };

  printTable(result);
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/** The caller's KAFKA_REST_* variables, which reach the proxy (except the three the benchmark sets). */

const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : 0);
const mib = (kib: number) => round(kib / 1024, 1);

interface TableInput {
  batch: { proxy: Measured; native: Measured; ratio: number; target: number; pass: boolean };
  single: { proxy: Measured; native: Measured; ratio: number; target: number; pass: boolean };
  latency: { proxy: Measured; native: Measured };
  rss: { idleStartMiB: number; peakMiB: number; idleEndMiB: number; peakByScenarioMiB: Record<string, number> };
  errors: number;
}

function printTable(r: TableInput): void {
  const errs = (m: Measured) => m.stats.requestErrors + m.stats.recordErrors + m.warmupErrors;
  const verdict = (x: { ratio: number; target: number; pass: boolean }) => `≥ ${x.target} ${x.pass ? 'PASS' : 'FAIL'}`;
  printRows([
    ['scenario', 'proxy', 'native', 'proxy/native', 'target', 'errors proxy/native'],
    ['a. batch 100×1KiB, 16 conns (records/s)', fmt(r.batch.proxy.stats.recordsPerSec), fmt(r.batch.native.stats.recordsPerSec), String(r.batch.ratio), verdict(r.batch), `${errs(r.batch.proxy)}/${errs(r.batch.native)}`],
    ['b. single 1KiB, 64 conns (records/s)', fmt(r.single.proxy.stats.recordsPerSec), fmt(r.single.native.stats.recordsPerSec), String(r.single.ratio), verdict(r.single), `${errs(r.single.proxy)}/${errs(r.single.native)}`],
    ...(['p50Ms', 'p99Ms', 'maxMs'] as const).map((p) => [
      `c. single @ ${RATE}/s latency ${p.replace('Ms', '')} (ms)`,
      String(r.latency.proxy.stats.latency[p]),
      String(r.latency.native.stats.latency[p]),
      '',
      '',
      p === 'p50Ms' ? `${errs(r.latency.proxy)}/${errs(r.latency.native)}` : '',
    ]),
    ['d. proxy RSS idle / peak / idle at end (MiB)', `${r.rss.idleStartMiB} / ${r.rss.peakMiB} / ${r.rss.idleEndMiB}`, '', '', '', ''],
  ]);
  console.log(`   proxy RSS peak by scenario (MiB): ${JSON.stringify(r.rss.peakByScenarioMiB)}`);
  console.log();
  const runs: Array<[string, Measured]> = [
    ['a. proxy batched', r.batch.proxy],
    ['a. native batched', r.batch.native],
    ['b. proxy single', r.single.proxy],
    ['b. native single', r.single.native],
    ['c. proxy fixed rate', r.latency.proxy],
    ['c. native fixed rate', r.latency.native],
  ];
  printRows([
    ['CPU, % of one core', 'proxy', 'broker', 'bench', 'machine', 'other'],
    ...runs.map(([name, m]) => [
      name,
      String(m.proxyCpuPct),
      String(m.brokerCpuPct),
      String(m.benchCpuPct),
      `${m.machineCpuPct} / ${availableParallelism() * 100}`,
      String(m.otherCpuPct),
    ]),
  ]);
  const disturbed = runs.filter(([, m]) => m.otherCpuPct > BUSY_MACHINE_PCT).map(([name]) => name);
  if (disturbed.length > 0) {
    console.log(`\n!!! other programs used > ${BUSY_MACHINE_PCT}% of a core during: ${disturbed.join(', ')} — those figures are disturbed; rerun on a quiet machine`);
  }
  if (r.errors > 0) {
    console.log(`\n!!!!!!!! THIS RUN HAD ${r.errors} ERRORS (HTTP/request failures + per-record error_code != null); figures are not trustworthy !!!!!!!!`);
  } else {
    console.log('\nno errors: every request answered 200 with an offset and error_code null for every record');
  }
  console.log();
}

const fmt = (n: number) => n.toLocaleString('en-US');

function cleanUpSteps(): CleanUpStep[] {
  resources.sampler?.stop();
  for (const client of resources.clients) client.close();
    return [
    ...resources.producers.map((p): [string, () => Promise<unknown>] => ['producer disconnect', () => p.disconnect()]),
    ['admin disconnect', async () => resources.admin?.disconnect()],
    [
      'proxy stop',
      async () => {
        const code = await resources.proxy?.stop();
        if (code !== undefined && code !== 0) log(`proxy exited with code ${code}`);
      },
    ],
    ['broker stop', async () => resources.broker?.stop()],
  ];
}

await runBenchmark({ main, cleanUpSteps, dir: () => resources.dir });
