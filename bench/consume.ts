/**
 * Consumer benchmark: the proxy (a child process) on one local broker this script starts itself.
 *
 *   (a) throughput: N × 1 KiB records (pre-produced with kafkajs into 6 partitions) read by one
 *       REST consumer instance (binary, earliest, subscribed) with max_bytes=1 MiB, against a
 *       native kafkajs consumer (own group, fromBeginning, eachBatch) reading the same records.
 *       Both must get exactly the N distinct (partition, offset) pairs.
 *   (b) memory per idle instance: proxy RSS before and after creating M subscribed instances
 *       (one group each, on an empty topic, each joined and read once), delta / M.
 *   (c) recovery: SIGKILL the proxy with those M instances live, restart it on the same journal
 *       and port, time from spawn until GET / answers and until every instance answers
 *       GET records?timeout=100 with 200 (polled concurrently, bounded).
 *
 * Env: BENCH_RECORDS (200000), BENCH_IDLE_INSTANCES (200), BENCH_POLL_CONCURRENCY (50),
 * BENCH_CONSUME_DEADLINE_SECONDS (180), BENCH_RECOVERY_DEADLINE_SECONDS (60), BENCH_PROXY_CPU_PROF
 * (a directory: the throughput proxy runs with --cpu-prof and leaves its profile there). KAFKA_REST_*
 * settings pass through to the proxy except listeners, bootstrap servers and journal path;
 * KAFKA_REST_FETCH_MIN_BYTES defaults to 1 here (reads answer as soon as records are there).
 *
 * Prints a table and one `BENCH_RESULT {json}` line. Exits 0 when the run completed, even if
 * targets were missed or requests failed (the output then says so loudly); non-zero only if it
 * could not run at all.
 */
import { envNumber, inheritedProxySettings, log, runBenchmark, type CleanUpStep } from './lib/harness.ts';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Consumer, Message, Producer } from 'kafkajs';
import { LocalBroker } from '../src/broker/local-broker.ts';
import { freePort } from '../src/broker/free-port.ts';
import { ConsumeClient, describeReply, OffsetTracker, type BinaryRecord, type Reply } from './lib/http-consume.ts';
import { describeError, round, sleep, summarize, type LatencySummary } from './lib/load.ts';
import { childPids, CpuMeter, readRssKiB, type CpuUse } from './lib/proc.ts';
import { spawnProxyChild, waitForStatus, type ProxyChild } from './lib/proxy-child.ts';

const { Kafka, Partitioners, logLevel } = kafkajs;

const RECORDS = Math.floor(envNumber('BENCH_RECORDS', 200_000));
const IDLE_INSTANCES = Math.floor(envNumber('BENCH_IDLE_INSTANCES', 200));
const POLL_CONCURRENCY = Math.floor(envNumber('BENCH_POLL_CONCURRENCY', 50));
const CONSUME_DEADLINE_MS = envNumber('BENCH_CONSUME_DEADLINE_SECONDS', 180) * 1000;
const RECOVERY_DEADLINE_MS = envNumber('BENCH_RECOVERY_DEADLINE_SECONDS', 60) * 1000;
const PARTITIONS = 6;
const VALUE_BYTES = 1024;
const BASE64_VALUE_CHARS = Math.ceil(VALUE_BYTES / 3) * 4;
const MAX_BYTES = 1_048_576;
const READ_TIMEOUT_MS = 1000;
const PRODUCE_BATCH = 1000;
const PRODUCE_CONCURRENCY = 4;
const SETUP_CONCURRENCY = 20;
/** Give up on a consume loop when no new record arrived for this long. */
const STALL_MS = 30_000;
const TARGET_RATIO = 0.7;
const TARGET_MIB_PER_INSTANCE = 2;
const TARGET_RECOVERY_MS = 5000;
const DATA_TOPIC = 'bench-consume';
const IDLE_TOPIC = 'bench-consume-idle';
const MAX_SAMPLES = 8;
/** Proxies whose RSS is measured run with a SIGUSR2 → full GC hook (see lib/gc-on-signal.mjs). */
const GC_NODE_ARGS = ['--expose-gc', '--import', new URL('./lib/gc-on-signal.mjs', import.meta.url).href];

const resources: {
  dir?: string;
  broker?: LocalBroker;
  admin?: Admin;
  producer?: Producer;
  consumers: Consumer[];
  proxies: ProxyChild[];
  clients: ConsumeClient[];
} = { consumers: [], proxies: [], clients: [] };

/** Distinct error messages with counts, at most a few. */
class Samples {
  readonly counts: Record<string, number> = {};
  total = 0;
  add(message: string): void {
    this.total++;
    const key = message.slice(0, 300);
    if (key in this.counts) this.counts[key]!++;
    else if (Object.keys(this.counts).length < MAX_SAMPLES) this.counts[key] = 1;
  }
}

interface ConsumeRun {
  records: number;
  distinct: number;
  duplicates: number;
  unexpected: number;
  badValues: number;
  complete: boolean;
  /** From the first read (REST) / the group join (native) to the last record. */
  elapsedS: number;
  recordsPerSec: number;
  mibPerSec: number;
  /** Including instance creation and subscription (REST) / connect, subscribe and join (native). */
  elapsedWithSetupS: number;
  setupMs: number;
  cpu: CpuUse | null;
  errors: Samples;
}

interface RestConsumeRun extends ConsumeRun {
  requests: number;
  emptyResponses: number;
  recordsPerResponse: number;
  /** Records per non-empty read: smallest, median, largest. */
  recordsPerRead: { min: number; p50: number; max: number };
  wireMiB: number;
  wireMiBPerSec: number;
  readLatency: LatencySummary;
  /** Reads that ran into the request timeout (≥ 90 % of it): how many, records they brought, seconds spent in them. */
  slowReads: { count: number; records: number; seconds: number };
  clientParseMs: number;
  extraRecordsAfterAll: number | null;
  deleteStatus: number | null;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-bench-consume-'));
  resources.dir = dir;
  const proxySettings = {
    ...(process.env.KAFKA_REST_FETCH_MIN_BYTES === undefined ? { 'fetch.min.bytes': '1' } : {}),
  };
  log(
    `cpus ${availableParallelism()}, node ${process.version}, ${RECORDS} records × ${VALUE_BYTES} B, ${IDLE_INSTANCES} idle instances, ` +
      `proxy env ${JSON.stringify({ ...inheritedProxySettings(), ...proxySettings })}`,
  );

  log('starting Kafka broker…');
  const broker = await LocalBroker.start({ dir: join(dir, 'kafka'), autoCreateTopics: false });
  resources.broker = broker;
  const brokerPid = childPids(process.pid, 'java')[0] ?? null;
  const kafka = new Kafka({ clientId: 'bench-consume', brokers: [broker.bootstrapServers], logLevel: logLevel.WARN });
  const admin = kafka.admin();
  resources.admin = admin;
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [DATA_TOPIC, IDLE_TOPIC].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
  });

  // ---- pre-produce -------------------------------------------------------------------------
  log(`producing ${RECORDS} records into ${DATA_TOPIC} (${PARTITIONS} partitions)…`);
  const produce = await preProduce(kafka);
  const offsets = await admin.fetchTopicOffsets(DATA_TOPIC);
  const highWatermarks = Array.from({ length: PARTITIONS }, (_, p) => Number(offsets.find((o) => o.partition === p)?.high ?? 0));
  const lowWatermarks = offsets.map((o) => Number(o.low));
  const inTopic = highWatermarks.reduce((a, b) => a + b, 0);
  log(`produced in ${produce.seconds} s (${produce.recordsPerSec} records/s); high watermarks ${JSON.stringify(highWatermarks)}`);
  if (inTopic !== RECORDS || lowWatermarks.some((l) => l !== 0)) {
    throw new Error(`the topic holds ${inTopic} records (low watermarks ${JSON.stringify(lowWatermarks)}), expected ${RECORDS} from offset 0`);
  }

  const journalPath = join(dir, 'journal.db');
  const settings = { ...proxySettings, 'bootstrap.servers': broker.bootstrapServers, 'journal.path': journalPath };

  // ---- (a) throughput ----------------------------------------------------------------------
  const profileDir = process.env.BENCH_PROXY_CPU_PROF;
  const proxyA = spawnProxyChild(settings, {
    port: await freePort(),
    label: 'proxy#1',
    nodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
  });
  resources.proxies.push(proxyA);
  const coldRootAt = await waitForStatus(proxyA, '/', { intervalMs: 5 });
  await waitForStatus(proxyA, '/topics', { intervalMs: 50 });
  const coldStartMs = round(coldRootAt - proxyA.spawnedAt, 0);
  log(`proxy#1 pid ${proxyA.pid} at ${proxyA.url}: GET / answered ${coldStartMs} ms after spawn`);

  let rest: RestConsumeRun | null = null;
  let native: ConsumeRun | null = null;
  const sectionErrors: Record<string, string> = {};
  try {
    log('a. REST consumer reading…');
    rest = await restConsume(proxyA, new OffsetTracker(highWatermarks), brokerPid);
    log(
      `a. REST: ${rest.distinct}/${RECORDS} distinct in ${rest.elapsedS} s = ${rest.recordsPerSec} records/s, ${rest.mibPerSec} MiB/s, ` +
        `${rest.requests} reads (${rest.emptyResponses} empty, ${rest.recordsPerResponse} records/read), cpu % proxy ${rest.cpu?.proxyCpuPct} broker ${rest.cpu?.brokerCpuPct} bench ${rest.cpu?.benchCpuPct}` +
        (rest.errors.total ? `  !!! ${rest.errors.total} ERRORS ${JSON.stringify(rest.errors.counts)}` : ''),
    );
  } catch (error) {
    sectionErrors.restConsume = describeError(error);
    log(`!!! a. REST consume failed: ${sectionErrors.restConsume}`);
  }
  try {
    log('a. native kafkajs consumer reading…');
    native = await nativeConsume(kafka, new OffsetTracker(highWatermarks), proxyA.pid, brokerPid);
    log(`a. native: ${native.distinct}/${RECORDS} distinct in ${native.elapsedS} s = ${native.recordsPerSec} records/s, ${native.mibPerSec} MiB/s`);
  } catch (error) {
    sectionErrors.nativeConsume = describeError(error);
    log(`!!! a. native consume failed: ${sectionErrors.nativeConsume}`);
  }
  const code = await proxyA.stop();
  if (code !== 0) log(`proxy#1 exited with code ${code}`);

  // ---- (b) memory per idle instance --------------------------------------------------------
  // A fresh proxy: after (a) its heap holds garbage from 200 MiB of responses, which would hide
  // or inflate what the instances cost.
  const port = await freePort();
  const proxyB = spawnProxyChild(settings, { port, label: 'proxy#2', nodeArgs: GC_NODE_ARGS });
  resources.proxies.push(proxyB);
  const proxyBRootAt = await waitForStatus(proxyB, '/', { intervalMs: 5 });
  await waitForStatus(proxyB, '/topics', { intervalMs: 50 });
  log(`proxy#2 pid ${proxyB.pid} at ${proxyB.url}: GET / answered ${round(proxyBRootAt - proxyB.spawnedAt, 0)} ms after spawn`);
  const memory = await idleInstances(proxyB);
  log(
    `b. RSS ${memory.rssBeforeMiB} → ${memory.rssAfterMiB} MiB for ${memory.ready}/${IDLE_INSTANCES} instances: ${memory.mibPerInstance} MiB each; ` +
      `set-up ${memory.setupS} s, subscribe (join) p50 ${memory.subscribeMs.p50Ms} ms max ${memory.subscribeMs.maxMs} ms` +
      (memory.errors.total ? `  !!! ${memory.errors.total} ERRORS ${JSON.stringify(memory.errors.counts)}` : ''),
  );

  // ---- (c) recovery ------------------------------------------------------------------------
  let recovery: Awaited<ReturnType<typeof recover>> | null = null;
  if (memory.baseUris.length === 0) {
    sectionErrors.recovery = 'no idle instance was created, nothing to recover';
  } else {
    try {
      recovery = await recover(proxyB, settings, port, memory.baseUris);
      log(
        `c. restart → GET / ${recovery.rootMs} ms, → all ${recovery.ready}/${memory.baseUris.length} instances 200 ${recovery.allReadyMs ?? 'never'} ms ` +
          `(p50 ${recovery.readyMs.p50Ms} ms); 404s ${recovery.notFound}, other statuses ${JSON.stringify(recovery.otherStatuses)}, connection errors ${recovery.connectionErrors}`,
      );
    } catch (error) {
      sectionErrors.recovery = describeError(error);
      log(`!!! c. recovery failed: ${sectionErrors.recovery}`);
    }
  }

  const ratio = rest && native && native.recordsPerSec > 0 ? round(rest.recordsPerSec / native.recordsPerSec, 3) : 0;
  const exactRest = !!rest && rest.distinct === RECORDS && rest.duplicates === 0 && rest.unexpected === 0 && rest.badValues === 0 && rest.extraRecordsAfterAll === 0;
  const exactNative = !!native && native.distinct === RECORDS && native.unexpected === 0 && native.badValues === 0;
  const memoryValid = memory.ready === IDLE_INSTANCES && memory.errors.total === 0;
  const recoveryValid = !!recovery && recovery.ready === memory.baseUris.length && memory.baseUris.length === IDLE_INSTANCES;
  const result = {
    config: {
      records: RECORDS,
      valueBytes: VALUE_BYTES,
      partitions: PARTITIONS,
      maxBytes: MAX_BYTES,
      readTimeoutMs: READ_TIMEOUT_MS,
      idleInstances: IDLE_INSTANCES,
      pollConcurrency: POLL_CONCURRENCY,
      cpus: availableParallelism(),
      node: process.version,
      proxyEnv: { ...inheritedProxySettings(), ...proxySettings },
    },
    produce,
    throughput: {
      rest,
      native,
      ratio,
      target: TARGET_RATIO,
      pass: ratio >= TARGET_RATIO && exactRest,
      restExact: exactRest,
      nativeExact: exactNative,
    },
    memory: {
      ...memory,
      baseUris: undefined,
      target: TARGET_MIB_PER_INSTANCE,
      pass: memoryValid && memory.mibPerInstance <= TARGET_MIB_PER_INSTANCE,
    },
    recovery: recovery
      ? { ...recovery, target: TARGET_RECOVERY_MS, pass: recoveryValid && recovery.allReadyMs !== null && recovery.allReadyMs < TARGET_RECOVERY_MS }
      : null,
    coldStartRootMs: coldStartMs,
    proxyOutput: resources.proxies.map((p) => ({ pid: p.pid, ...p.output(), samples: p.output().samples.slice(0, 3) })),
    sectionErrors,
  };

  printTable(result);
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

// ---------------------------------------------------------------------------------------------
// Pre-produce.

async function preProduce(kafka: InstanceType<typeof Kafka>): Promise<{ seconds: number; recordsPerSec: number }> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  resources.producer = producer;
  await producer.connect();
  const payloads = Array.from({ length: 64 }, () => randomBytes(VALUE_BYTES));
  const batch = (size: number, from: number): Message[] => Array.from({ length: size }, (_, i) => ({ value: payloads[(from + i) % payloads.length]! }));
  const full = batch(PRODUCE_BATCH, 0);
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < RECORDS) {
      const size = Math.min(PRODUCE_BATCH, RECORDS - next);
      next += size;
      await producer.sendBatch({ topicMessages: [{ topic: DATA_TOPIC, messages: size === PRODUCE_BATCH ? full : batch(size, 0) }], acks: -1 });
    }
  };
  await Promise.all(Array.from({ length: PRODUCE_CONCURRENCY }, worker));
  const seconds = (performance.now() - start) / 1000;
  await producer.disconnect();
  resources.producer = undefined;
  return { seconds: round(seconds, 2), recordsPerSec: Math.round(RECORDS / seconds) };
}

// ---------------------------------------------------------------------------------------------
// (a) REST and native consumers.

async function restConsume(proxy: ProxyChild, tracker: OffsetTracker, brokerPid: number | null): Promise<RestConsumeRun> {
  const client = new ConsumeClient(1);
  resources.clients.push(client);
  const errors = new Samples();
  const setupStart = performance.now();
  const { reply: created, baseUri } = await client.create(proxy.url, 'bench-rest-consume', {
    name: 'c1',
    format: 'binary',
    'auto.offset.reset': 'earliest',
    'auto.commit.enable': 'false',
  });
  if (!baseUri) throw new Error(`POST /consumers/bench-rest-consume: ${describeReply(created)}`);
  const subscribed = await client.subscribe(baseUri, [DATA_TOPIC]);
  if (subscribed.status !== 204) throw new Error(`POST ${baseUri}/subscription: ${describeReply(subscribed)}`);
  const setupMs = performance.now() - setupStart;

  const cpu = new CpuMeter(proxy.pid, brokerPid);
  const latencies: number[] = [];
  let requests = 0;
  let emptyResponses = 0;
  let wireBytes = 0;
  let parseMs = 0;
  let consecutiveErrors = 0;
  const slowReads = { count: 0, records: 0, seconds: 0 };
  const perRead: number[] = [];
  const start = performance.now();
  const deadline = start + CONSUME_DEADLINE_MS;
  let lastProgress = start;
  let end = start;
  cpu.begin();
  while (tracker.distinct < RECORDS && performance.now() < deadline && performance.now() - lastProgress < STALL_MS) {
    let reply: Reply;
    try {
      reply = await client.records(baseUri, { timeoutMs: READ_TIMEOUT_MS, maxBytes: MAX_BYTES });
    } catch (error) {
      errors.add(`GET records: ${describeError(error)}`);
      if (++consecutiveErrors >= 20) break;
      await sleep(50);
      continue;
    }
    requests++;
    latencies.push(reply.endedAt - reply.startedAt);
    if (reply.status !== 200) {
      errors.add(`GET records: ${describeReply(reply)}`);
      if (++consecutiveErrors >= 20) break;
      await sleep(50);
      continue;
    }
    consecutiveErrors = 0;
    wireBytes += reply.body.length;
    const t0 = performance.now();
    let records: BinaryRecord[];
    try {
      records = JSON.parse(reply.body.toString('utf8')) as BinaryRecord[];
      if (!Array.isArray(records)) throw new Error('not an array');
    } catch (error) {
      errors.add(`GET records: unparsable body (${describeError(error)}): ${reply.body.toString('utf8').slice(0, 200)}`);
      continue;
    }
    parseMs += performance.now() - t0;
    if (records.length === 0) emptyResponses++;
    else perRead.push(records.length);
    const took = reply.endedAt - reply.startedAt;
    if (took >= 0.9 * READ_TIMEOUT_MS) {
      slowReads.count++;
      slowReads.records += records.length;
      slowReads.seconds += took / 1000;
    }
    const before = tracker.distinct;
    for (const r of records) {
      if (r.topic !== DATA_TOPIC || r.key !== null || typeof r.value !== 'string' || r.value.length !== BASE64_VALUE_CHARS) tracker.badValues++;
      tracker.add(r.partition, r.offset);
    }
    if (tracker.distinct > before) {
      lastProgress = performance.now();
      end = reply.endedAt;
    }
  }
  const usage = cpu.end();
  const elapsedS = (end - start) / 1000;

  // Nothing may follow: a last short read must come back empty.
  let extraRecordsAfterAll: number | null = null;
  if (tracker.distinct === RECORDS) {
    try {
      const reply = await client.records(baseUri, { timeoutMs: 500, maxBytes: MAX_BYTES });
      if (reply.status === 200) {
        const extra = JSON.parse(reply.body.toString('utf8')) as BinaryRecord[];
        extraRecordsAfterAll = extra.length;
        for (const r of extra) tracker.add(r.partition, r.offset);
      } else errors.add(`final GET records: ${describeReply(reply)}`);
    } catch (error) {
      errors.add(`final GET records: ${describeError(error)}`);
    }
  }
  let deleteStatus: number | null = null;
  try {
    const deleted = await client.delete(baseUri);
    deleteStatus = deleted.status;
    if (deleted.status !== 204) errors.add(`DELETE instance: ${describeReply(deleted)}`);
  } catch (error) {
    errors.add(`DELETE instance: ${describeError(error)}`);
  }
  client.close();

  const okRecords = tracker.distinct;
  return {
    records: okRecords + tracker.duplicates,
    distinct: tracker.distinct,
    duplicates: tracker.duplicates,
    unexpected: tracker.unexpected,
    badValues: tracker.badValues,
    complete: tracker.distinct === RECORDS,
    elapsedS: round(elapsedS, 3),
    recordsPerSec: elapsedS > 0 ? Math.round(okRecords / elapsedS) : 0,
    mibPerSec: elapsedS > 0 ? round((okRecords * VALUE_BYTES) / 2 ** 20 / elapsedS, 1) : 0,
    elapsedWithSetupS: round((end - setupStart) / 1000, 3),
    setupMs: round(setupMs, 1),
    cpu: usage,
    errors,
    requests,
    emptyResponses,
    recordsPerResponse: requests > emptyResponses ? round(okRecords / (requests - emptyResponses), 1) : 0,
    recordsPerRead: perRead.length
      ? { min: Math.min(...perRead), p50: summarize(perRead).p50Ms, max: Math.max(...perRead) }
      : { min: 0, p50: 0, max: 0 },
    wireMiB: round(wireBytes / 2 ** 20, 1),
    wireMiBPerSec: elapsedS > 0 ? round(wireBytes / 2 ** 20 / elapsedS, 1) : 0,
    readLatency: summarize(latencies),
    slowReads: { ...slowReads, seconds: round(slowReads.seconds, 2) },
    clientParseMs: round(parseMs, 0),
    extraRecordsAfterAll,
    deleteStatus,
  };
}

async function nativeConsume(kafka: InstanceType<typeof Kafka>, tracker: OffsetTracker, proxyPid: number, brokerPid: number | null): Promise<ConsumeRun> {
  const errors = new Samples();
  const consumer = kafka.consumer({ groupId: 'bench-native-consume' });
  resources.consumers.push(consumer);
  const cpu = new CpuMeter(proxyPid, brokerPid);
  const setupStart = performance.now();
  let joinedAt: number | null = null;
  let end = setupStart;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (joinedAt !== null) return;
    joinedAt = performance.now();
    cpu.begin();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => errors.add(`consumer crash: ${describeError(payload.error)}`));
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [DATA_TOPIC], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        if (m.key !== null || m.value?.length !== VALUE_BYTES) tracker.badValues++;
        tracker.add(batch.partition, Number(m.offset));
      }
      end = performance.now();
      if (tracker.distinct >= RECORDS) done();
    },
  });
  const deadline = setTimeout(done, CONSUME_DEADLINE_MS);
  await finished;
  clearTimeout(deadline);
  const usage = joinedAt === null ? null : cpu.end();
  const start = joinedAt ?? setupStart;
  const elapsedS = (end - start) / 1000;
  await consumer.disconnect();
  resources.consumers = resources.consumers.filter((c) => c !== consumer);
  const okRecords = tracker.distinct;
  return {
    records: okRecords + tracker.duplicates,
    distinct: tracker.distinct,
    duplicates: tracker.duplicates,
    unexpected: tracker.unexpected,
    badValues: tracker.badValues,
    complete: tracker.distinct === RECORDS,
    elapsedS: round(elapsedS, 3),
    recordsPerSec: elapsedS > 0 ? Math.round(okRecords / elapsedS) : 0,
    mibPerSec: elapsedS > 0 ? round((okRecords * VALUE_BYTES) / 2 ** 20 / elapsedS, 1) : 0,
    elapsedWithSetupS: round((end - setupStart) / 1000, 3),
    setupMs: round(start - setupStart, 1),
    cpu: usage,
    errors,
  };
}

// ---------------------------------------------------------------------------------------------
// (b) idle instances.

async function idleInstances(proxy: ProxyChild) {
  const client = new ConsumeClient(SETUP_CONCURRENCY);
  resources.clients.push(client);
  const errors = new Samples();
  const body = (name: string) => ({ name, format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });

  /** Create, subscribe (returns once joined), one short read. */
  const setUp = async (group: string, name: string, timings?: { subscribe: number[]; read: number[] }): Promise<string | null> => {
    try {
      const { reply, baseUri } = await client.create(proxy.url, group, body(name));
      if (!baseUri) {
        errors.add(`POST /consumers/${group}: ${describeReply(reply)}`);
        return null;
      }
      const sub = await client.subscribe(baseUri, [IDLE_TOPIC]);
      if (sub.status !== 204) {
        errors.add(`POST subscription: ${describeReply(sub)}`);
        return baseUri;
      }
      timings?.subscribe.push(sub.endedAt - sub.startedAt);
      const read = await client.records(baseUri, { timeoutMs: 100 });
      if (read.status !== 200) errors.add(`GET records: ${describeReply(read)}`);
      else timings?.read.push(read.endedAt - read.startedAt);
      return baseUri;
    } catch (error) {
      errors.add(`set-up: ${describeError(error)}`);
      return null;
    }
  };

  // Warm the consumer code paths once, so what is loaded lazily is not counted per instance.
  const warm = await setUp('bench-idle-warmup', 'w');
  if (warm) {
    const deleted = await client.delete(warm).catch((error: unknown) => describeError(error));
    if (typeof deleted === 'string' || deleted.status !== 204) errors.add(`DELETE warm-up instance: ${typeof deleted === 'string' ? deleted : describeReply(deleted)}`);
  }
  await sleep(2000);
  const rssBefore = await settledRss(proxy.pid);
  const rssBeforeGc = await rssAfterGc(proxy.pid);

  const timings = { subscribe: [] as number[], read: [] as number[] };
  const baseUris: string[] = [];
  const setupStart = performance.now();
  let next = 0;
  const setupDeadline = setupStart + 180_000;
  await Promise.all(
    Array.from({ length: SETUP_CONCURRENCY }, async () => {
      while (next < IDLE_INSTANCES && performance.now() < setupDeadline) {
        const i = next++;
        const uri = await setUp(`bench-idle-${i}`, `c${i}`, timings);
        if (uri) baseUris.push(uri);
      }
    }),
  );
  const setupS = (performance.now() - setupStart) / 1000;
  await sleep(3000);
  const rssAfter = await settledRss(proxy.pid);
  const rssAfterGcKiB = await rssAfterGc(proxy.pid);
  client.close();
  const ready = timings.read.length;
  const perInstance = (before: number, after: number) => (baseUris.length > 0 ? round((after - before) / 1024 / baseUris.length, 3) : 0);
  return {
    instances: baseUris.length,
    ready,
    /** After a forced full GC (the figure the verdict uses: it does not depend on where the collector happened to be). */
    rssBeforeMiB: mib(rssBeforeGc),
    rssAfterMiB: mib(rssAfterGcKiB),
    mibPerInstance: perInstance(rssBeforeGc, rssAfterGcKiB),
    /** Without forcing a GC: plain samples after settling 2 s / 3 s. */
    raw: { rssBeforeMiB: mib(rssBefore), rssAfterMiB: mib(rssAfter), mibPerInstance: perInstance(rssBefore, rssAfter) },
    setupS: round(setupS, 2),
    subscribeMs: summarize(timings.subscribe),
    firstReadMs: summarize(timings.read),
    errors,
    baseUris,
  };
}

/** Full GC in the proxy (SIGUSR2, see lib/gc-on-signal.mjs), a second to settle, then settledRss. */
async function rssAfterGc(pid: number): Promise<number> {
  process.kill(pid, 'SIGUSR2');
  await sleep(1000);
  return settledRss(pid);
}

/** Median of five RSS samples 200 ms apart (KiB). */
async function settledRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const rss = readRssKiB(pid);
    if (rss !== null) samples.push(rss);
    await sleep(200);
  }
  if (samples.length === 0) throw new Error(`cannot read the RSS of pid ${pid}`);
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
}

// ---------------------------------------------------------------------------------------------
// (c) recovery.

async function recover(victim: ProxyChild, settings: Record<string, string>, port: number, baseUris: string[]) {
  log(`c. SIGKILL proxy#2 (pid ${victim.pid}) with ${baseUris.length} live instances`);
  await victim.kill();
  const proxy = spawnProxyChild(settings, { port, label: 'proxy#3', nodeArgs: GC_NODE_ARGS });
  resources.proxies.push(proxy);
  const t0 = proxy.spawnedAt;
  const deadline = t0 + RECOVERY_DEADLINE_MS;

  // The instance polls start once the process answers at all, so they do not hammer a closed port.
  const rootAt = waitForStatus(proxy, '/', { intervalMs: 5, timeoutMs: RECOVERY_DEADLINE_MS });
  const client = new ConsumeClient(POLL_CONCURRENCY);
  resources.clients.push(client);
  const readyAt: number[] = [];
  let notFound = 0;
  let connectionErrors = 0;
  let retries = 0;
  const otherStatuses: Record<string, number> = {};
  const samples = new Samples();
  let next = 0;

  let listening: number;
  try {
    listening = await rootAt;
  } catch (error) {
    client.close();
    throw error;
  }
  await Promise.all(
    Array.from({ length: Math.min(POLL_CONCURRENCY, baseUris.length) }, async () => {
      while (next < baseUris.length) {
        const uri = baseUris[next++]!;
        for (let attempt = 0; performance.now() < deadline; attempt++) {
          if (attempt > 0) retries++;
          let reply: Reply;
          try {
            reply = await client.records(uri, { timeoutMs: 100 }, Math.max(1000, deadline - performance.now()));
          } catch (error) {
            connectionErrors++;
            samples.add(`GET records: ${describeError(error)}`);
            await sleep(20);
            continue;
          }
          if (reply.status === 200) {
            readyAt.push(reply.endedAt - t0);
            break;
          }
          if (reply.status === 404) notFound++;
          else otherStatuses[reply.status] = (otherStatuses[reply.status] ?? 0) + 1;
          samples.add(`GET records: ${describeReply(reply)}`);
          await sleep(20);
        }
      }
    }),
  );
  const ready = readyAt.length;
  const allReadyMs = ready === baseUris.length ? round(Math.max(...readyAt), 0) : null;

  // Answering 200 is not the same as having rejoined: check each is a group member again.
  await sleep(1000);
  let rejoined = 0;
  const assignmentProblems = new Samples();
  next = 0;
  await Promise.all(
    Array.from({ length: Math.min(SETUP_CONCURRENCY, baseUris.length) }, async () => {
      while (next < baseUris.length) {
        const uri = baseUris[next++]!;
        try {
          const reply = await client.assignments(uri);
          const parsed = reply.status === 200 ? (JSON.parse(reply.body.toString('utf8')) as { partitions?: unknown[] }) : null;
          if (parsed?.partitions?.length === PARTITIONS) rejoined++;
          else assignmentProblems.add(`GET assignments: ${describeReply(reply)}`);
        } catch (error) {
          assignmentProblems.add(`GET assignments: ${describeError(error)}`);
        }
      }
    }),
  );
  const rssRecoveredMiB = mib(await rssAfterGc(proxy.pid));

  // Tidy up: delete the instances (bounded), so the graceful stop has nothing left to close.
  const deleteStart = performance.now();
  let deleted = 0;
  const deleteProblems = new Samples();
  next = 0;
  await Promise.all(
    Array.from({ length: Math.min(SETUP_CONCURRENCY, baseUris.length) }, async () => {
      while (next < baseUris.length && performance.now() - deleteStart < 60_000) {
        const uri = baseUris[next++]!;
        try {
          const reply = await client.delete(uri);
          if (reply.status === 204) deleted++;
          else deleteProblems.add(`DELETE: ${describeReply(reply)}`);
        } catch (error) {
          deleteProblems.add(`DELETE: ${describeError(error)}`);
        }
      }
    }),
  );
  const deleteS = round((performance.now() - deleteStart) / 1000, 2);
  client.close();

  return {
    rootMs: round(listening - t0, 0),
    allReadyMs,
    ready,
    readyMs: summarize(readyAt),
    notFound,
    otherStatuses,
    connectionErrors,
    retries,
    errorSamples: samples.counts,
    rejoined,
    assignmentProblems: assignmentProblems.counts,
    rssRecoveredMiB,
    deleted,
    deleteS,
    deleteProblems: deleteProblems.counts,
  };
}

// ---------------------------------------------------------------------------------------------
// Output.

function printTable(r: {
  throughput: { rest: RestConsumeRun | null; native: ConsumeRun | null; ratio: number; pass: boolean; restExact: boolean; nativeExact: boolean };
  memory: { rssBeforeMiB: number; rssAfterMiB: number; mibPerInstance: number; raw: { rssBeforeMiB: number; rssAfterMiB: number; mibPerInstance: number }; instances: number; ready: number; pass: boolean; errors: Samples; setupS: number };
  recovery: (Awaited<ReturnType<typeof recover>> & { pass: boolean }) | null;
  coldStartRootMs: number;
  sectionErrors: Record<string, string>;
}): void {
  const { rest, native } = r.throughput;
  const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
  const rec = r.recovery;
  printRows([
    ['metric', 'REST proxy', 'native kafkajs', 'target', 'verdict'],
    ['a. records/s (after join)', fmt(rest?.recordsPerSec), fmt(native?.recordsPerSec), '', ''],
    ['a. MiB/s of values', String(rest?.mibPerSec ?? '-'), String(native?.mibPerSec ?? '-'), '', ''],
    ['a. seconds for all records (incl. set-up)', `${rest?.elapsedS ?? '-'} (${rest?.elapsedWithSetupS ?? '-'})`, `${native?.elapsedS ?? '-'} (${native?.elapsedWithSetupS ?? '-'})`, '', ''],
    ['a. REST / native', String(r.throughput.ratio), '', `≥ ${TARGET_RATIO}`, verdict(r.throughput.pass)],
    [
      `a. distinct (partition,offset) of ${fmt(RECORDS)}`,
      rest ? `${fmt(rest.distinct)} dup ${rest.duplicates} bad ${rest.unexpected + rest.badValues} extra ${rest.extraRecordsAfterAll ?? '?'}` : '-',
      native ? `${fmt(native.distinct)} dup ${native.duplicates} bad ${native.unexpected + native.badValues}` : '-',
      `= ${fmt(RECORDS)}`,
      `${verdict(r.throughput.restExact)} / ${verdict(r.throughput.nativeExact)}`,
    ],
    ['a. CPU % of a core: proxy / broker / bench', rest?.cpu ? `${rest.cpu.proxyCpuPct} / ${rest.cpu.brokerCpuPct} / ${rest.cpu.benchCpuPct}` : '-', native?.cpu ? `${native.cpu.proxyCpuPct} / ${native.cpu.brokerCpuPct} / ${native.cpu.benchCpuPct}` : '-', '', ''],
    ['a. REST reads: count / empty / records per read', rest ? `${rest.requests} / ${rest.emptyResponses} / ${rest.recordsPerResponse}` : '-', '', '', ''],
    ['a. REST records per non-empty read min / p50 / max', rest ? `${rest.recordsPerRead.min} / ${rest.recordsPerRead.p50} / ${rest.recordsPerRead.max}` : '-', '', '', ''],
    ['a. REST reads hitting the 1 s timeout: count / records / s', rest ? `${rest.slowReads.count} / ${rest.slowReads.records} / ${rest.slowReads.seconds}` : '-', '', '', ''],
    ['a. REST read latency p50 / p99 / max (ms)', rest ? `${rest.readLatency.p50Ms} / ${rest.readLatency.p99Ms} / ${rest.readLatency.maxMs}` : '-', '', '', ''],
    ['a. REST wire MiB/s, bench JSON.parse ms total', rest ? `${rest.wireMiBPerSec}, ${rest.clientParseMs}` : '-', '', '', ''],
    [`b. proxy RSS before → after ${IDLE_INSTANCES} instances, after GC (MiB)`, `${r.memory.rssBeforeMiB} → ${r.memory.rssAfterMiB}`, '', '', ''],
    ['b. RSS per idle instance, after GC (MiB)', String(r.memory.mibPerInstance), '', `≤ ${TARGET_MIB_PER_INSTANCE}`, verdict(r.memory.pass)],
    ['b. same without forcing GC: before → after, per instance', `${r.memory.raw.rssBeforeMiB} → ${r.memory.raw.rssAfterMiB}, ${r.memory.raw.mibPerInstance}`, '', '', ''],
    ['b. instances created / joined+read / set-up s', `${r.memory.instances} / ${r.memory.ready} / ${r.memory.setupS}`, '', `${IDLE_INSTANCES}`, ''],
    ['c. cold start: spawn → GET / (ms)', String(r.coldStartRootMs), '', '', ''],
    ['c. restart: spawn → GET / (ms)', rec ? String(rec.rootMs) : '-', '', '', ''],
    [`c. restart: spawn → all instances read 200 (ms)`, rec ? String(rec.allReadyMs ?? `never (${rec.ready} ready)`) : '-', '', `< ${TARGET_RECOVERY_MS}`, rec ? verdict(rec.pass) : 'FAIL'],
    ['c. per-instance ready p50 / max (ms)', rec ? `${rec.readyMs.p50Ms} / ${rec.readyMs.maxMs}` : '-', '', '', ''],
    ['c. 404s / other statuses / conn errors', rec ? `${rec.notFound} / ${JSON.stringify(rec.otherStatuses)} / ${rec.connectionErrors}` : '-', '', '0', ''],
    ['c. rejoined (6 partitions assigned)', rec ? `${rec.rejoined} / ${r.memory.instances}` : '-', '', '', ''],
    ['c. RSS after recovery, after GC (MiB)', rec ? String(rec.rssRecoveredMiB) : '-', '', '', ''],
  ]);
  console.log();
  const failed: string[] = [];
  if (r.throughput.ratio < TARGET_RATIO) failed.push(`a. REST/native ratio ${r.throughput.ratio} < ${TARGET_RATIO}`);
  if (!r.throughput.restExact) failed.push('a. REST consumer did not get exactly the produced (partition, offset) pairs');
  if (!r.memory.pass) failed.push('b. memory per idle instance');
  if (!rec?.pass) failed.push('c. recovery time');
  const problems: string[] = [];
  for (const [section, message] of Object.entries(r.sectionErrors)) problems.push(`${section}: ${message}`);
  if (rest?.errors.total) problems.push(`a. REST errors: ${JSON.stringify(rest.errors.counts)}`);
  if (native?.errors.total) problems.push(`a. native errors: ${JSON.stringify(native.errors.counts)}`);
  if (r.memory.errors.total) problems.push(`b. set-up errors: ${JSON.stringify(r.memory.errors.counts)}`);
  if (rec && (rec.notFound || rec.connectionErrors || Object.keys(rec.otherStatuses).length)) problems.push(`c. recovery answers: ${JSON.stringify(rec.errorSamples)}`);
  if (rec && Object.keys(rec.assignmentProblems).length) problems.push(`c. assignments after recovery: ${JSON.stringify(rec.assignmentProblems)}`);
  if (rec && Object.keys(rec.deleteProblems).length) problems.push(`c. deletes: ${JSON.stringify(rec.deleteProblems)}`);
  for (const p of problems) console.log(`!!! ${p}`);
  if (failed.length > 0) console.log(`\n!!!!!!!! TARGETS MISSED: ${failed.join('; ')} !!!!!!!!`);
  else console.log('all targets met');
  console.log();
}

function printRows(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log();
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
}

const fmt = (n: number | undefined) => (n === undefined ? '-' : n.toLocaleString('en-US'));
const mib = (kib: number) => round(kib / 1024, 1);

function cleanUpSteps(): CleanUpStep[] {
  for (const client of resources.clients) client.close();
  return [
    ...resources.consumers.map((c): [string, () => Promise<unknown>] => ['native consumer disconnect', () => c.disconnect()]),
    ['producer disconnect', async () => resources.producer?.disconnect()],
    ['admin disconnect', async () => resources.admin?.disconnect()],
    ...resources.proxies.map((p): [string, () => Promise<unknown>] => [
      `proxy pid ${p.pid} stop`,
      async () => {
        if (p.hasExited()) return;
        const code = await p.stop();
        if (code !== 0) log(`proxy pid ${p.pid} exited with code ${code}`);
      },
    ]),
    ['broker stop', async () => resources.broker?.stop()],
  ];
}

await runBenchmark({ main, cleanUpSteps, dir: () => resources.dir });
