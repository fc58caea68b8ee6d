/**
 * v3 streaming produce against v2 batched produce and native kafkajs, on one local broker this
 * script starts itself, the proxy a child process. The same records, 1 KiB of random bytes into a
 * 6-partition topic, the same count through each:
 *
 *   v3      16 chunked `POST /v3/clusters/{cid}/topics/{t}/records` streams at once, each writing
 *           its share of the records while it reads their receipts, at most BENCH_V3_WINDOW (100)
 *           records written and not yet answered per stream
 *   v2      `POST /topics/{t}` of 100 records per request, 16 keep-alive connections (bench/produce.ts's case a)
 *   native  one kafkajs producer, `sendBatch` of 100 records, 16 concurrent (bench/produce.ts's baseline)
 *
 * so 1,600 records are in flight in each by default. The scenarios run in rounds whose order is
 * reversed every other round, so a shared machine's changing load weighs on all three alike.
 *
 * Env: BENCH_RECORDS (100000 per scenario per round), BENCH_ROUNDS (2), BENCH_WARMUP_RECORDS
 * (20000, per scenario before the first round), BENCH_V3_WINDOW (100), BENCH_PROXY_CPU_PROF (a
 * directory: the proxy runs with --cpu-prof and leaves its profile there). KAFKA_REST_* settings
 * pass through to the proxy. Prints a table and one `BENCH_RESULT {json}` line.
 */
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Producer } from 'kafkajs';
import type { LocalBroker } from '../src/broker/local-broker.ts';
import { BATCH_CONCURRENCY, BATCH_RECORDS, cycle, messageSets, nativeBatchOp, nativeProducer, PARTITIONS, PAYLOAD_VARIANTS, VALUE_BYTES } from './lib/batched-produce.ts';
import { fixedCountLoad, mergeLoads } from './lib/fixed-count.ts';
import { envNumber, inheritedProxySettings, log, printRows, runBenchmark, type CleanUpStep } from './lib/harness.ts';
import { startBroker } from './lib/broker.ts';
import { binaryBodies, ProduceClient } from './lib/http-produce.ts';
import { round, summarize } from './lib/load.ts';
import { CpuMeter, type CpuUse } from './lib/proc.ts';
import { startProxyProcess, type ProxyProcess } from './lib/proxy-process.ts';
import { v3BinaryRecords, V3StreamClient, type StreamLoad } from './lib/v3-stream.ts';


const RECORDS = envNumber('BENCH_RECORDS', 100_000);
const ROUNDS = envNumber('BENCH_ROUNDS', 2);
const WARMUP_RECORDS = envNumber('BENCH_WARMUP_RECORDS', 20_000);
const WINDOW = envNumber('BENCH_V3_WINDOW', 100);
const CONNECTIONS = BATCH_CONCURRENCY;
const TARGET_RATIO = 0.8;
const BUSY_MACHINE_PCT = 30;
const SCENARIOS = ['v3', 'v2', 'native'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Measured {
  load: StreamLoad;
  cpu: CpuUse;
  /** Records/s of each round, in the order the rounds ran. */
  perRound: number[];
  warmupErrors: number;
}

const resources: { dir?: string; broker?: LocalBroker; admin?: Admin; proxy?: ProxyProcess; producers: Producer[]; clients: Array<{ close(): void }> } = {
  producers: [],
  clients: [],
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-bench-v3-'));
  resources.dir = dir;
  log(
    `cpus ${availableParallelism()}, node ${process.version}, ${ROUNDS} rounds of ${RECORDS} records per scenario after ${WARMUP_RECORDS} warm-up, ` +
      `${CONNECTIONS} connections, v3 window ${WINDOW}, proxy env ${JSON.stringify(inheritedProxySettings())}`,
  );

  const { broker, brokerPid, kafka, admin } = await startBroker(dir, 'bench-v3-produce', resources);
  const topic = (s: Scenario) => `bench-v3-produce-${s}`;
  await admin.createTopics({ waitForLeaders: true, topics: SCENARIOS.map((s) => ({ topic: topic(s), numPartitions: PARTITIONS, replicationFactor: 1 })) });
  const { clusterId } = await admin.describeCluster();

  log('starting proxy…');
  const profileDir = process.env.BENCH_PROXY_CPU_PROF;
  const proxy = await startProxyProcess(
    { 'bootstrap.servers': broker.bootstrapServers, 'journal.path': join(dir, 'journal.db') },
    { nodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [] },
  );
  resources.proxy = proxy;
  log(`proxy pid ${proxy.pid} at ${proxy.url}`);

  const producer = await nativeProducer(kafka);
  resources.producers.push(producer);
  const v3Client = new V3StreamClient(proxy.url, CONNECTIONS);
  const v2Client = new ProduceClient(proxy.url, BATCH_CONCURRENCY);
  resources.clients.push(v3Client, v2Client);
  const v3Records = v3BinaryRecords(PAYLOAD_VARIANTS * BATCH_RECORDS, VALUE_BYTES);
  const v2Bodies = binaryBodies(PAYLOAD_VARIANTS, BATCH_RECORDS, VALUE_BYTES);
  const v2Op = cycle(v2Bodies, (body) => v2Client.produce(topic('v2'), body, BATCH_RECORDS));
  const nativeOp = nativeBatchOp(producer, topic('native'), messageSets(PAYLOAD_VARIANTS, BATCH_RECORDS));
  const batched = (op: typeof v2Op) => (total: number) => fixedCountLoad({ concurrency: BATCH_CONCURRENCY, total, recordsPerOp: BATCH_RECORDS, op });
  const loads: Record<Scenario, (total: number) => Promise<StreamLoad>> = {
    v3: (total) => v3Client.produce(`/v3/clusters/${encodeURIComponent(clusterId)}/topics/${topic('v3')}/records`, v3Records, total, WINDOW),
    v2: batched(v2Op),
    native: batched(nativeOp),
  };
  const meters: Record<Scenario, CpuMeter> = { v3: new CpuMeter(proxy.pid, brokerPid), v2: new CpuMeter(proxy.pid, brokerPid), native: new CpuMeter(-1, brokerPid) };

  const parts = new Map<Scenario, Array<{ load: StreamLoad; cpu: CpuUse }>>(SCENARIOS.map((s) => [s, []]));
  const warmupErrors: Record<Scenario, number> = { v3: 0, v2: 0, native: 0 };
  const acknowledged: Record<Scenario, number> = { v3: 0, v2: 0, native: 0 };
  for (const s of SCENARIOS) {
    const warm = await loads[s](WARMUP_RECORDS);
    acknowledged[s] += warm.okRecords;
    warmupErrors[s] = errorsOf(warm);
    log(`warm-up ${s}: ${rate(warm)} records/s${warmupErrors[s] ? `  !!! ${warmupErrors[s]} ERRORS ${JSON.stringify(warm.errorSamples)}` : ''}`);
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of r % 2 === 0 ? SCENARIOS : [...SCENARIOS].reverse()) {
      meters[s].begin();
      const load = await loads[s](RECORDS);
      const cpu = meters[s].end();
      acknowledged[s] += load.okRecords;
      parts.get(s)!.push({ load, cpu });
      const l = summarize(Array.from(load.latencies));
      log(
        `round ${r + 1} ${s}: ${rate(load)} records/s, p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, cpu % proxy ${cpu.proxyCpuPct} broker ${cpu.brokerCpuPct} ` +
          `bench ${cpu.benchCpuPct} other ${cpu.otherCpuPct}${errorsOf(load) ? `  !!! ${errorsOf(load)} ERRORS ${JSON.stringify(load.errorSamples)}` : ''}`,
      );
    }
  }

  // Receipts are only claims: the topics must hold exactly the records acknowledged.
  const written = Object.fromEntries(
    await Promise.all(SCENARIOS.map(async (s) => [s, (await admin.fetchTopicOffsets(topic(s))).reduce((n, p) => n + Number(p.high) - Number(p.low), 0)] as const)),
  ) as Record<Scenario, number>;
  const mismatched = SCENARIOS.filter((s) => written[s] !== acknowledged[s]);

  const runs = Object.fromEntries(
    SCENARIOS.map((s) => {
      const rounds = parts.get(s)!;
      const load = mergeLoads(rounds.map((p) => p.load));
      return [s, { load, cpu: weightedCpu(rounds), perRound: rounds.map((p) => rate(p.load)), warmupErrors: warmupErrors[s] }];
    }),
  ) as Record<Scenario, Measured>;
  const errors = SCENARIOS.reduce((n, s) => n + errorsOf(runs[s].load) + runs[s].warmupErrors, 0) + mismatched.length;
  const v3Ratio = ratio(runs.v3, runs.native);
  const result = {
    config: { records: RECORDS, rounds: ROUNDS, warmupRecords: WARMUP_RECORDS, window: WINDOW, connections: CONNECTIONS, batchRecords: BATCH_RECORDS, partitions: PARTITIONS, valueBytes: VALUE_BYTES, cpus: availableParallelism(), proxyEnv: inheritedProxySettings() },
    runs: Object.fromEntries(SCENARIOS.map((s) => [s, summary(runs[s])])),
    ratios: { v3ToNative: v3Ratio, v2ToNative: ratio(runs.v2, runs.native), v3ToV2: ratio(runs.v3, runs.v2) },
    target: { ratio: TARGET_RATIO, pass: v3Ratio >= TARGET_RATIO },
    topics: { acknowledged, written },
    proxyLogLines: proxy.outputLines(),
    errors,
  };
  printTable(runs, mismatched, errors);
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

const errorsOf = (l: StreamLoad) => l.requestErrors + l.recordErrors;
const rate = (l: StreamLoad) => (l.elapsedS > 0 ? Math.round(l.okRecords / l.elapsedS) : 0);
const ratio = (a: Measured, b: Measured) => (rate(b.load) > 0 ? round(rate(a.load) / rate(b.load), 3) : 0);
/** Record values only (what the three carry alike), in 10^6 bytes per second. */
const megabytes = (l: StreamLoad) => round((rate(l) * VALUE_BYTES) / 1e6, 1);
const fmt = (n: number) => n.toLocaleString('en-US');

function weightedCpu(rounds: Array<{ load: StreamLoad; cpu: CpuUse }>): CpuUse {
  const time = rounds.reduce((n, p) => n + p.load.elapsedS, 0);
  const keys = ['proxyCpuPct', 'brokerCpuPct', 'benchCpuPct', 'machineCpuPct', 'otherCpuPct'] as const;
  return Object.fromEntries(keys.map((k) => [k, time > 0 ? round(rounds.reduce((n, p) => n + p.cpu[k] * p.load.elapsedS, 0) / time, 1) : 0])) as unknown as CpuUse;
}

/** CPU per acknowledged record: the proxy's (native: this process's, i.e. kafkajs). */
const cpuUsPerRecord = (s: Scenario, m: Measured) => (rate(m.load) > 0 ? round(((s === 'native' ? m.cpu.benchCpuPct : m.cpu.proxyCpuPct) * 1e4) / rate(m.load), 2) : 0);

function summary(m: Measured) {
  const { latencies, ...rest } = m.load;
  return { ...rest, recordsPerSec: rate(m.load), mbPerSec: megabytes(m.load), latency: summarize(Array.from(latencies)), cpu: m.cpu, perRound: m.perRound, warmupErrors: m.warmupErrors };
}

const LABELS: Record<Scenario, string> = {
  v3: `v3 stream, ${CONNECTIONS} conns, ≤ ${WINDOW} in flight each`,
  v2: `v2 batched ${BATCH_RECORDS}/request, ${BATCH_CONCURRENCY} conns`,
  native: `native kafkajs sendBatch ${BATCH_RECORDS}, ${BATCH_CONCURRENCY} concurrent`,
};

function printTable(runs: Record<Scenario, Measured>, mismatched: Scenario[], errors: number): void {
  printRows([
    ['1 KiB records', 'records/s', 'MB/s', 'per round', 'p50 / p99 / max ms', '÷ native', 'CPU µs/record', 'proxy CPU %', 'broker CPU %', 'bench CPU %', 'other CPU %', 'errors'],
    ...SCENARIOS.map((s) => {
      const m = runs[s];
      const l = summarize(Array.from(m.load.latencies));
      return [
        LABELS[s],
        fmt(rate(m.load)),
        String(megabytes(m.load)),
        m.perRound.map(fmt).join(' · '),
        `${l.p50Ms} / ${l.p99Ms} / ${l.maxMs}`,
        String(ratio(m, runs.native)),
        `${cpuUsPerRecord(s, m)}${s === 'native' ? ' (client)' : ''}`,
        s === 'native' ? '' : String(m.cpu.proxyCpuPct),
        String(m.cpu.brokerCpuPct),
        String(m.cpu.benchCpuPct),
        String(m.cpu.otherCpuPct),
        String(errorsOf(m.load) + m.warmupErrors),
      ];
    }),
  ]);
  const v3 = ratio(runs.v3, runs.native);
  console.log(`   v3 ÷ native ${v3} (target ≥ ${TARGET_RATIO}: ${v3 >= TARGET_RATIO ? 'PASS' : 'FAIL'}), v3 ÷ v2 ${ratio(runs.v3, runs.v2)}, v2 ÷ native ${ratio(runs.v2, runs.native)}`);
  const disturbed = SCENARIOS.filter((s) => runs[s].cpu.otherCpuPct > BUSY_MACHINE_PCT);
  if (disturbed.length > 0) console.log(`\n!!! other programs used > ${BUSY_MACHINE_PCT}% of a core during: ${disturbed.join(', ')} — those figures are disturbed; rerun on a quiet machine`);
  if (mismatched.length > 0) console.log(`\n!!! the topics of ${mismatched.join(', ')} do not hold exactly the records acknowledged`);
  if (errors > 0) console.log(`\n!!!!!!!! THIS RUN HAD ${errors} ERRORS (failed requests or streams, receipts with an error, topic counts); figures are not trustworthy !!!!!!!!`);
  else console.log('\nno errors: every record got a receipt with an offset, and each topic holds exactly the records acknowledged');
  console.log();
}

function cleanUpSteps(): CleanUpStep[] {
  for (const c of resources.clients) c.close();
  return [
    ...resources.producers.map((p): CleanUpStep => ['producer disconnect', () => p.disconnect()]),
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
