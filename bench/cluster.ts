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
 *
 * This file holds the configuration, the run and the report; the scenarios are in
 * bench/lib/cluster-produce.ts (a, b), cluster-consume.ts (c) and cluster-failover.ts (d), the
 * three members behind nginx in cluster-members.ts.
 */
import { envNumber, inheritedProxySettings, log, printRows, runBenchmark, type CleanUpStep } from './lib/harness.ts';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from './lib/broker.ts';
import { PARTITIONS, VALUE_BYTES } from './lib/batched-produce.ts';
import type { CpuUse } from './lib/proc.ts';
import { measuredErrors } from './lib/measure.ts';
import type { ConsumeRun } from './lib/consume-types.ts';
import { MEMBERS, SESSION_TIMEOUT_MS, startMembers, type ClusterResources } from './lib/cluster-members.ts';
import { produceSection, type ProduceResult } from './lib/cluster-produce.ts';
import { consumeSection, MAX_BYTES, type ConsumeResult } from './lib/cluster-consume.ts';
import { failoverSection, type FailoverResult } from './lib/cluster-failover.ts';

const SECONDS = envNumber('BENCH_SECONDS', 10);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 2);
const RECORDS = Math.floor(envNumber('BENCH_RECORDS', 200_000));
const FAILOVER_INSTANCES = Math.floor(envNumber('BENCH_FAILOVER_INSTANCES', 200));
const CONSUME_DEADLINE_MS = envNumber('BENCH_CONSUME_DEADLINE_SECONDS', 180) * 1000;
const FAILOVER_DEADLINE_MS = envNumber('BENCH_FAILOVER_DEADLINE_SECONDS', 60) * 1000;
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'produce,consume,failover').split(',').map((s) => s.trim()));
/** Other programs using more than this (% of one core) during a run make its figures noise-prone. */
const BUSY_MACHINE_PCT = 30;

const resources: ClusterResources = { producers: [], consumers: [], clients: [], proxies: [] };

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-bench-cluster-'));
  resources.dir = dir;
  log(`cpus ${availableParallelism()}, node ${process.version}, ${SECONDS}s per produce run after ${WARMUP_SECONDS}s warm-up, ${RECORDS} records to consume, ${FAILOVER_INSTANCES} failover instances, scenarios ${[...SCENARIOS]}, proxy env ${JSON.stringify(inheritedProxySettings())}`);

  const { broker, brokerPid, kafka, admin } = await startBroker(dir, 'bench-cluster', resources);

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
  const produce = SCENARIOS.has('produce')
    ? await section('produce', () => produceSection(kafka, admin, { seconds: SECONDS, warmupSeconds: WARMUP_SECONDS, bootstrapServers: broker.bootstrapServers, brokerPid, dir, resources }))
    : null;

  // ------------------------------------------------------------------------------------------
  // (c), (d): three members in cluster mode behind nginx.
  let consume: ConsumeResult | null = null;
  let failover: FailoverResult | null = null;
  if (SCENARIOS.has('consume') || SCENARIOS.has('failover')) {
    const cluster = await section('cluster start', () => startMembers(admin, broker.bootstrapServers, dir, resources));
    if (cluster) {
      if (SCENARIOS.has('consume')) consume = await section('consume', () => consumeSection(kafka, admin, cluster, { records: RECORDS, deadlineMs: CONSUME_DEADLINE_MS, brokerPid, resources }));
      if (SCENARIOS.has('failover')) failover = await section('failover', () => failoverSection(kafka, admin, cluster, { instances: FAILOVER_INSTANCES, deadlineMs: FAILOVER_DEADLINE_MS, resources }));
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
// The report.

const fmt = (n: number) => n.toLocaleString('en-US');

function printTables(r: { produce: ProduceResult | null; consume: ConsumeResult | null; failover: FailoverResult | null; sectionErrors: Record<string, string> }): void {
  const cpuRows: Array<[string, CpuUse]> = [];
  if (r.produce) {
    const p = r.produce;
    const w = (n: number) => p.proxies.find((x) => x.workers === n);
    const verdict = (value: number | undefined, target: number) => (value === undefined ? '' : `${value} ${value >= target ? 'PASS' : 'FAIL'}`);
    /** One row of the produce table: workers=1, workers=2 and native, and their ratios, for one kind of request. */
    const row = (label: string, kind: 'batch' | 'single') => {
      const ratioOf = (x: ProduceResult['proxies'][number] | undefined) => (kind === 'batch' ? x?.batchRatio : x?.singleRatio);
      return [
        label,
        fmt(w(1)?.[kind].stats.recordsPerSec ?? 0),
        fmt(w(2)?.[kind].stats.recordsPerSec ?? 0),
        fmt(p.native[kind].stats.recordsPerSec),
        String(ratioOf(w(1)) ?? ''),
        verdict(ratioOf(w(2)), p.targets[kind]),
        `w2 ≥ ${p.targets[kind]}`,
        String(measuredErrors(p.native[kind]) + p.proxies.reduce((n, x) => n + measuredErrors(x[kind]), 0)),
      ];
    };
    printRows([
      ['produce (records/s)', 'workers=1', 'workers=2', 'native', 'w1/native', 'w2/native', 'target', 'errors'],
      row('a. batch 100×1KiB, 16 conns', 'batch'),
      row('b. single 1KiB, 64 conns', 'single'),
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
