/**
 * Consumer benchmark: the proxy (a child process) on one local broker this script starts itself.
 * N × 1 KiB records are pre-produced with kafkajs into 6 partitions; every scenario reads all of
 * them, each (partition, offset) exactly once with its value checked, and is divided by a native
 * kafkajs consumer (own group, fromBeginning, eachBatch) run right before it on the same records.
 *
 *   rest1  one REST consumer instance (binary, earliest, subscribed), max_bytes=1 MiB
 *   rest4  four instances in one group, each reading in its own loop on its own connection;
 *          together they must get exactly the N pairs (reading starts once the group settled)
 *   sse    one instance read as a server-sent event stream (Accept: text/event-stream), when the
 *          proxy has one (src/http/v2/record-stream.ts); else reported as skipped
 *   idle   (b) RSS per idle instance: proxy RSS before and after M subscribed instances (one
 *          group each, empty topic, each joined and read once), after a forced GC, delta / M;
 *          (c) recovery: SIGKILL with those M live, restart on the same journal and port, time
 *          until GET / answers and until every instance answers GET records with 200
 *
 * Env: BENCH_RECORDS (200000), BENCH_SCENARIOS (rest1,rest4,sse,idle), BENCH_IDLE_INSTANCES (200),
 * BENCH_POLL_CONCURRENCY (50), BENCH_CONSUME_DEADLINE_SECONDS (180), BENCH_RECOVERY_DEADLINE_SECONDS
 * (60), BENCH_PROXY_CPU_PROF (a directory: the throughput proxy runs with --cpu-prof and leaves its
 * profile there), BENCH_PROXY_NODE_ARGS (more node options for that proxy, space-separated, such as
 * `--trace-gc` or `--heap-prof --heap-prof-dir=/tmp/heap`). KAFKA_REST_* settings pass through to
 * the proxy except listeners, bootstrap servers and journal path; KAFKA_REST_FETCH_MIN_BYTES
 * defaults to 1 here (reads answer as soon as records are there).
 *
 * Prints a table and one `BENCH_RESULT {json}` line. Exits 0 when the run completed, even if
 * targets were missed or requests failed (the output then says so loudly); non-zero only if it
 * could not run at all.
 */
import { envNumber, inheritedProxySettings, log, runBenchmark, type CleanUpStep } from './lib/harness.ts';
import { existsSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Consumer, Producer } from 'kafkajs';
import type { LocalBroker } from '../src/broker/local-broker.ts';
import { startBroker } from './lib/broker.ts';
import { freePort } from '../src/broker/free-port.ts';
import type { ConsumeClient } from './lib/http-consume.ts';
import { describeError, round } from './lib/load.ts';
import { spawnProxyChild, waitForStatus, type ProxyChild } from './lib/proxy-child.ts';
import { exact, type ConsumeRun } from './lib/consume-types.ts';
import { fillTopic } from './lib/consume-data.ts';
import { restConsume } from './lib/consume-rest.ts';
import { nativeConsume } from './lib/consume-native.ts';
import { sseConsume } from './lib/consume-sse.ts';
import { idleInstances, recover, type IdleOptions } from './lib/consume-idle.ts';
import { printReport, type Report, type Throughput } from './lib/consume-report.ts';

const RECORDS = Math.floor(envNumber('BENCH_RECORDS', 200_000));
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'rest1,rest4,sse,idle').split(',').map((s) => s.trim()));
const IDLE_INSTANCES = Math.floor(envNumber('BENCH_IDLE_INSTANCES', 200));
const POLL_CONCURRENCY = Math.floor(envNumber('BENCH_POLL_CONCURRENCY', 50));
const CONSUME_DEADLINE_MS = envNumber('BENCH_CONSUME_DEADLINE_SECONDS', 180) * 1000;
const RECOVERY_DEADLINE_MS = envNumber('BENCH_RECOVERY_DEADLINE_SECONDS', 60) * 1000;
const PARTITIONS = 6;
const VALUE_BYTES = 1024;
const MAX_BYTES = 1_048_576;
const READ_TIMEOUT_MS = 1000;
const SETUP_CONCURRENCY = 20;
/** Give up on a consume loop when no new record arrived for this long. */
const STALL_MS = 30_000;
const TARGET_REST_RATIO = 0.8;
const TARGET_SSE_RATIO = 0.9;
const TARGET_MIB_PER_INSTANCE = 1;
const TARGET_RECOVERY_MS = 5000;
const DATA_TOPIC = 'bench-consume';
const IDLE_TOPIC = 'bench-consume-idle';
/** The proxy's server-sent event stream; the SSE scenario runs only where it exists. */
const SSE_SOURCE = new URL('../src/http/v2/record-stream.ts', import.meta.url);
/** Proxies whose RSS is measured run with a SIGUSR2 → full GC hook (see lib/gc-on-signal.mjs). */
const GC_NODE_ARGS = ['--expose-gc', '--import', new URL('./lib/gc-on-signal.mjs', import.meta.url).href];

const resources: { dir?: string; broker?: LocalBroker; admin?: Admin; producers: Producer[]; consumers: Consumer[]; proxies: ProxyChild[]; clients: ConsumeClient[] } = {
  producers: [],
  consumers: [],
  proxies: [],
  clients: [],
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-bench-consume-'));
  resources.dir = dir;
  const proxySettings: Record<string, string> = process.env.KAFKA_REST_FETCH_MIN_BYTES === undefined ? { 'fetch.min.bytes': '1' } : {};
  const proxyEnv = { ...inheritedProxySettings(), ...proxySettings };
  log(`cpus ${availableParallelism()}, node ${process.version}, ${RECORDS} records × ${VALUE_BYTES} B, scenarios ${[...SCENARIOS]}, proxy env ${JSON.stringify(proxyEnv)}`);

  const { broker, brokerPid, kafka, admin } = await startBroker(dir, 'bench-consume', resources);
  await admin.createTopics({ waitForLeaders: true, topics: [DATA_TOPIC, IDLE_TOPIC].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })) });

  log(`producing ${RECORDS} records into ${DATA_TOPIC} (${PARTITIONS} partitions)…`);
  const { produce, data } = await fillTopic(kafka, admin, { topic: DATA_TOPIC, records: RECORDS, partitions: PARTITIONS, valueBytes: VALUE_BYTES, producers: resources.producers });
  log(`produced in ${produce.seconds} s (${produce.recordsPerSec} records/s); high watermarks ${JSON.stringify(data.highWatermarks)}`);

  const settings = { ...proxySettings, 'bootstrap.servers': broker.bootstrapServers, 'journal.path': join(dir, 'journal.db') };
  const profileDir = process.env.BENCH_PROXY_CPU_PROF;
  const extraNodeArgs = (process.env.BENCH_PROXY_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const nodeArgs = [...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), ...extraNodeArgs];
  const proxyA = spawnProxyChild(settings, { port: await freePort(), label: 'proxy#1', nodeArgs });
  resources.proxies.push(proxyA);
  const coldRootAt = await waitForStatus(proxyA, '/', { intervalMs: 5 });
  await waitForStatus(proxyA, '/topics', { intervalMs: 50 });
  const coldStartRootMs = round(coldRootAt - proxyA.spawnedAt, 0);
  log(`proxy#1 pid ${proxyA.pid} at ${proxyA.url}: GET / answered ${coldStartRootMs} ms after spawn`);

  const sectionErrors: Record<string, string> = {};
  /** A native run right before each scenario: the ratio compares runs seconds apart, not minutes. */
  const against = async <R extends ConsumeRun>(name: string, target: number, run: () => Promise<R>, extra?: (r: R) => number | null): Promise<Throughput<R>> => {
    let native: ConsumeRun | null = null;
    let result: R | null = null;
    try {
      native = await nativeConsume(kafka, data, { group: `bench-native-${name}`, deadlineMs: CONSUME_DEADLINE_MS, proxyPid: proxyA.pid, brokerPid, consumers: resources.consumers });
      log(`${name} native: ${native.distinct}/${RECORDS} in ${native.elapsedS} s = ${native.recordsPerSec} records/s`);
    } catch (error) {
      log(`!!! ${name} native consume failed: ${(sectionErrors[`${name}-native`] = describeError(error))}`);
    }
    try {
      result = await run();
      log(`${name}: ${result.distinct}/${RECORDS} in ${result.elapsedS} s = ${result.recordsPerSec} records/s, cpu ${JSON.stringify(result.cpu)}` + (result.errors.total ? `  !!! ${result.errors.total} ERRORS ${JSON.stringify(result.errors.counts)}` : ''));
    } catch (error) {
      log(`!!! ${name} failed: ${(sectionErrors[name] = describeError(error))}`);
    }
    const ratio = result && native && native.recordsPerSec > 0 ? round(result.recordsPerSec / native.recordsPerSec, 3) : 0;
    const isExact = exact(result, RECORDS, result && extra ? extra(result) : undefined);
    return { name, run: result, native, ratio, target, exact: isExact, nativeExact: exact(native, RECORDS), pass: ratio >= target && isExact };
  };
  const common = { maxBytes: MAX_BYTES, readTimeoutMs: READ_TIMEOUT_MS, deadlineMs: CONSUME_DEADLINE_MS, stallMs: STALL_MS, brokerPid, clients: resources.clients };
  const rest: Report['rest'] = [];
  for (const instances of [1, 4]) {
    if (!SCENARIOS.has(`rest${instances}`)) continue;
    const name = `a${instances}. REST ${instances} instance${instances > 1 ? 's' : ''}`;
    log(`${name} reading…`);
    rest.push(await against(name, TARGET_REST_RATIO, () => restConsume(proxyA, data, { ...common, group: `bench-rest-${instances}`, instances }), (r) => r.extraRecordsAfterAll));
  }
  let sse: Report['sse'] = null;
  if (SCENARIOS.has('sse')) {
    if (!existsSync(SSE_SOURCE)) sse = { skipped: 'the proxy has no event stream (src/http/v2/record-stream.ts)' };
    else {
      log('s. SSE reading…');
      sse = await against('s. SSE 1 instance', TARGET_SSE_RATIO, () => sseConsume(proxyA, data, { ...common, group: 'bench-sse' }));
    }
  }
  const code = await proxyA.stop();
  if (code !== 0) log(`proxy#1 exited with code ${code}`);

  let memory: Report['memory'] = null;
  let recovery: Report['recovery'] = null;
  if (SCENARIOS.has('idle')) {
    // A fresh proxy: after the reads its heap holds garbage from hundreds of MiB of responses.
    const idle: IdleOptions = {
      instances: IDLE_INSTANCES,
      topic: IDLE_TOPIC,
      partitions: PARTITIONS,
      setupConcurrency: SETUP_CONCURRENCY,
      pollConcurrency: POLL_CONCURRENCY,
      recoveryDeadlineMs: RECOVERY_DEADLINE_MS,
      gcNodeArgs: GC_NODE_ARGS,
      clients: resources.clients,
      proxies: resources.proxies,
    };
    const port = await freePort();
    const proxyB = spawnProxyChild(settings, { port, label: 'proxy#2', nodeArgs: GC_NODE_ARGS });
    resources.proxies.push(proxyB);
    await waitForStatus(proxyB, '/', { intervalMs: 5 });
    await waitForStatus(proxyB, '/topics', { intervalMs: 50 });
    const { baseUris, ...m } = await idleInstances(proxyB, idle);
    memory = { ...m, target: TARGET_MIB_PER_INSTANCE, pass: m.ready === IDLE_INSTANCES && m.errors.total === 0 && m.mibPerInstance <= TARGET_MIB_PER_INSTANCE };
    log(`b. RSS ${m.rssBeforeMiB} → ${m.rssAfterMiB} MiB for ${m.ready}/${IDLE_INSTANCES} instances: ${m.mibPerInstance} MiB each`);
    if (baseUris.length === 0) sectionErrors.recovery = 'no idle instance was created, nothing to recover';
    else {
      try {
        const r = await recover(proxyB, settings, port, baseUris, idle);
        const valid = r.ready === baseUris.length && baseUris.length === IDLE_INSTANCES;
        recovery = { ...r, target: TARGET_RECOVERY_MS, pass: valid && r.allReadyMs !== null && r.allReadyMs < TARGET_RECOVERY_MS };
        log(`c. restart → GET / ${r.rootMs} ms, → all ${r.ready}/${baseUris.length} instances 200 ${r.allReadyMs ?? 'never'} ms`);
      } catch (error) {
        log(`!!! c. recovery failed: ${(sectionErrors.recovery = describeError(error))}`);
      }
    }
  }

  const report: Report = { records: RECORDS, rest, sse, memory, recovery, coldStartRootMs, sectionErrors };
  const config = { records: RECORDS, valueBytes: VALUE_BYTES, partitions: PARTITIONS, maxBytes: MAX_BYTES, readTimeoutMs: READ_TIMEOUT_MS, idleInstances: IDLE_INSTANCES, pollConcurrency: POLL_CONCURRENCY, cpus: availableParallelism(), node: process.version, proxyEnv };
  printReport(report);
  const proxyOutput = resources.proxies.map((p) => ({ pid: p.pid, ...p.output(), samples: p.output().samples.slice(0, 3) }));
  console.log(`BENCH_RESULT ${JSON.stringify({ config, produce, ...report, proxyOutput })}`);
}

function cleanUpSteps(): CleanUpStep[] {
  for (const client of resources.clients) client.close();
  return [
    ...resources.consumers.map((c): CleanUpStep => ['native consumer disconnect', () => c.disconnect()]),
    ...resources.producers.map((p): CleanUpStep => ['producer disconnect', () => p.disconnect()]),
    ['admin disconnect', async () => resources.admin?.disconnect()],
    ...resources.proxies.map(
      (p): CleanUpStep => [
        `proxy pid ${p.pid} stop`,
        async () => {
          if (p.hasExited()) return;
          const code = await p.stop();
          if (code !== 0) log(`proxy pid ${p.pid} exited with code ${code}`);
        },
      ],
    ),
    ['broker stop', async () => resources.broker?.stop()],
  ];
}

await runBenchmark({ main, cleanUpSteps, dir: () => resources.dir });
