/**
 * Schema (Avro) produce benchmark: the same records produced through the proxy (a child process)
 * as v2 binary and as v2 Avro with the embedded schema registry, on one local broker this script
 * starts itself.
 *
 *   (1) binary: 100 × 1 KiB records per request (base64 of random bytes), 16 keep-alive connections
 *   (2) avro:   the same records as {"id": long, "data": bytes} (bytes in Avro's JSON encoding: a
 *       string of code points 0-255), 100 per request, 16 connections. The schema is registered
 *       once first (a produce request with `value_schema`); every measured request then carries
 *       only `value_schema_id`, as real clients do.
 *
 * Each scenario gets its own fresh 6-partition topic. Payload MiB/s counts the 1 KiB of random
 * bytes per record (identical in both scenarios), not the request bodies, whose sizes differ by
 * encoding (both are reported too). At the end the topics' end offsets are checked against the
 * records the proxy acknowledged.
 *
 * Env: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (2). KAFKA_REST_* settings pass through to the
 * proxy, except listeners, bootstrap servers and journal path, which the benchmark owns.
 *
 * Prints a table and one `BENCH_RESULT {json}` line. Exits 0 when the run completed, even if
 * requests failed (the output then says so loudly); non-zero only if it could not run at all.
 */
import { envNumber, inheritedProxySettings, log, printRows, runBenchmark, type CleanUpStep } from './lib/harness.ts';
import { startBroker } from './lib/broker.ts';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import type { LocalBroker } from '../src/broker/local-broker.ts';
import { binaryBodies, ProduceClient } from './lib/http-produce.ts';
import { closedLoop, sleep, round, type OpResult, type RunStats } from './lib/load.ts';
import { CpuMeter, RssSampler, type CpuUse } from './lib/proc.ts';
import { startProxyProcess, type ProxyProcess } from './lib/proxy-process.ts';


const SECONDS = envNumber('BENCH_SECONDS', 10);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 2);
const PARTITIONS = 6;
const VALUE_BYTES = 1024;
const BATCH_RECORDS = 100;
const CONCURRENCY = 16;
/** Distinct pre-built request bodies cycled through: the generator must not spend its CPU building them. */
const PAYLOAD_VARIANTS = 64;
const TARGET_RATIO = 0.7;
/** Other programs using more than this (% of one core) during a run make its figures noise-prone. */
const BUSY_MACHINE_PCT = 30;

const AVRO_V2 = 'application/vnd.kafka.avro.v2+json';
const V2 = 'application/vnd.kafka.v2+json';
const REQUEST_TIMEOUT_MS = 30_000;
const VALUE_SCHEMA = JSON.stringify({
  type: 'record',
  name: 'Payload',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'data', type: 'bytes' },
  ],
});

interface Measured extends CpuUse {
  stats: RunStats;
  /** Records acknowledged during the warm-up (they are on the topic too). */
  warmupOkRecords: number;
  /** Errors seen during the warm-up, which is not measured but must not fail silently either. */
  warmupErrors: number;
  payloadMiBPerSec: number;
  requestBodyMiBPerSec: number;
  avgRequestBodyBytes: number;
  proxyRssPeakMiB: number;
}

/** Everything the finally block has to take down, filled in as it comes up. */
const resources: {
  dir?: string;
  broker?: LocalBroker;
  proxy?: ProxyProcess;
  admin?: Admin;
  clients: Array<{ close(): void }>;
  sampler?: RssSampler;
} = { clients: [] };

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-bench-schema-'));
  resources.dir = dir;
  log(`cpus ${availableParallelism()}, node ${process.version}, ${SECONDS}s per run after ${WARMUP_SECONDS}s warm-up, proxy env ${JSON.stringify(inheritedProxySettings())}`);

  const { broker, brokerPid, admin } = await startBroker(dir, 'bench-schema', resources);
  const topics = { binary: 'bench-schema-binary', avro: 'bench-schema-avro' };
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
  });

  log('starting proxy (embedded schema registry)…');
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
  await sleep(1000);
  log(`proxy pid ${proxy.pid} at ${proxy.url}, broker pid ${brokerPid ?? '?'}`);

  // The same records in both formats: the Avro bodies are derived from the binary ones.
  const binary = binaryBodies(PAYLOAD_VARIANTS, BATCH_RECORDS, VALUE_BYTES);
  const payloads = binary.map(decodeBinaryBody);

  const measure = async (label: string, bodies: Buffer[], run: (seconds: number) => Promise<RunStats>): Promise<Measured> => {
    log(`${label}: warm-up ${WARMUP_SECONDS}s…`);
    const warmup = await run(WARMUP_SECONDS);
    const warmupErrors = warmup.requestErrors + warmup.recordErrors;
    if (warmupErrors > 0) log(`!!! ${label}: ${warmupErrors} errors during warm-up: ${JSON.stringify(warmup.errorSamples)}`);
    sampler.resetWindow();
    cpu.begin();
    const stats = await run(SECONDS);
    const usage = cpu.end();
    const peak = sampler.resetWindow();
    const errors = stats.requestErrors + stats.recordErrors;
    const avgBody = Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length);
    const m: Measured = {
      stats,
      warmupOkRecords: warmup.okRecords,
      warmupErrors,
      ...usage,
      payloadMiBPerSec: round((stats.recordsPerSec * VALUE_BYTES) / 2 ** 20, 1),
      requestBodyMiBPerSec: round((stats.requestsPerSec * avgBody) / 2 ** 20, 1),
      avgRequestBodyBytes: avgBody,
      proxyRssPeakMiB: mib(peak),
    };
    log(
      `${label}: ${stats.recordsPerSec} records/s (${m.payloadMiBPerSec} MiB/s payload), ${stats.requestsPerSec} req/s, p50 ${stats.latency.p50Ms} ms, p99 ${stats.latency.p99Ms} ms, ` +
        `cpu % proxy ${usage.proxyCpuPct} broker ${usage.brokerCpuPct} bench ${usage.benchCpuPct} other ${usage.otherCpuPct}${errors ? `  !!! ${errors} ERRORS ${JSON.stringify(stats.errorSamples)}` : ''}`,
    );
    return m;
  };

  // (1) binary
  const binaryClient = new ProduceClient(proxy.url, CONCURRENCY);
  resources.clients.push(binaryClient);
  const binaryRun = await measure('1. binary', binary, (seconds) =>
    closedLoop({ concurrency: CONCURRENCY, seconds, op: cycle(binary, (body) => binaryClient.produce(topics.binary, body, BATCH_RECORDS)) }),
  );
  binaryClient.close();

  // (2) avro: register once (one request with the raw schema), then schema id on every request.
  const avroClient = new SchemaProduceClient(proxy.url, CONCURRENCY, AVRO_V2);
  resources.clients.push(avroClient);
  const registration = await avroClient.produce(
    topics.avro,
    Buffer.from(JSON.stringify({ value_schema: VALUE_SCHEMA, records: [{ value: { id: -1, data: payloads[0]![0]!.toString('latin1') } }] })),
    1,
  );
  if (registration.requestError !== null || registration.recordErrors > 0 || typeof registration.valueSchemaId !== 'number') {
    throw new Error(`registering the Avro schema failed: ${JSON.stringify(registration)}`);
  }
  const schemaId = registration.valueSchemaId;
  log(`Avro schema registered as id ${schemaId} (subject ${topics.avro}-value)`);
  let nextId = 0;
  const avro = payloads.map((values) =>
    Buffer.from(JSON.stringify({ value_schema_id: schemaId, records: values.map((data) => ({ value: { id: nextId++, data: data.toString('latin1') } })) })),
  );
  const wrongIds = new Set<unknown>();
  const avroRun = await measure('2. avro', avro, (seconds) =>
    closedLoop({
      concurrency: CONCURRENCY,
      seconds,
      op: cycle(avro, async (body) => {
        const result = await avroClient.produce(topics.avro, body, BATCH_RECORDS);
        // The answer must name the schema the records were written with.
        if (result.requestError === null && result.valueSchemaId !== schemaId) {
          wrongIds.add(result.valueSchemaId);
          return { okRecords: 0, recordErrors: 0, requestError: `value_schema_id ${String(result.valueSchemaId)} in the answer, expected ${schemaId}` };
        }
        return result;
      }),
    }),
  );
  avroClient.close();

  // Did every acknowledged record land on its topic, and nothing else?
  const landed = {
    binary: await endOffsetSum(admin, topics.binary),
    avro: await endOffsetSum(admin, topics.avro),
  };
  const expected = {
    binary: binaryRun.warmupOkRecords + binaryRun.stats.okRecords,
    avro: 1 + avroRun.warmupOkRecords + avroRun.stats.okRecords,
  };
  const landedOk = landed.binary === expected.binary && landed.avro === expected.avro;

  const errors =
    binaryRun.stats.requestErrors + binaryRun.stats.recordErrors + binaryRun.warmupErrors + avroRun.stats.requestErrors + avroRun.stats.recordErrors + avroRun.warmupErrors;
  const ratio = binaryRun.stats.recordsPerSec > 0 ? round(avroRun.stats.recordsPerSec / binaryRun.stats.recordsPerSec, 3) : 0;
  const result = {
    config: {
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      partitions: PARTITIONS,
      valueBytes: VALUE_BYTES,
      recordsPerRequest: BATCH_RECORDS,
      connections: CONCURRENCY,
      cpus: availableParallelism(),
      brokerPid,
      proxyEnv: inheritedProxySettings(),
      valueSchema: VALUE_SCHEMA,
      valueSchemaId: schemaId,
    },
    binary: binaryRun,
    avro: avroRun,
    ratio: { avroOverBinary: ratio, target: TARGET_RATIO, pass: ratio >= TARGET_RATIO },
    landed: { ...landed, expected, ok: landedOk },
    proxyRssPeakMiB: mib(sampler.peakKiB),
    proxyLogLines: proxy.outputLines(),
    errors,
  };

  printTable(result);
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/** The raw values of one binary request body (base64 → bytes). */
function decodeBinaryBody(body: Buffer): Buffer[] {
  const { records } = JSON.parse(body.toString('utf8')) as { records: Array<{ value: string }> };
  return records.map((r) => Buffer.from(r.value, 'base64'));
}

/** Sum over partitions of the topic's end offset: how many records it holds (fresh topic). */
async function endOffsetSum(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}

/**
 * Produce with a schema-based embedded format over `node:http` with a keep-alive agent
 * (`connections` sockets exactly), checking every answer like ProduceClient does (status, one
 * offset per record, each record's error_code) and returning the answer's value_schema_id.
 * (ProduceClient sends only the binary content type.)
 */
class SchemaProduceClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    connections: number,
    private readonly contentType: string,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  async produce(topic: string, body: Buffer, records: number): Promise<OpResult & { valueSchemaId?: unknown }> {
    const { status, text } = await this.post(`/topics/${encodeURIComponent(topic)}`, body);
    if (status !== 200) return { okRecords: 0, recordErrors: 0, requestError: `HTTP ${status}: ${text.slice(0, 160)}` };
    let parsed: { offsets?: unknown; value_schema_id?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      return { okRecords: 0, recordErrors: 0, requestError: `malformed produce response: ${text.slice(0, 160)}` };
    }
    if (typeof parsed !== 'object' || parsed === null || !Array.isArray(parsed.offsets)) {
      return { okRecords: 0, recordErrors: 0, requestError: `malformed produce response: ${text.slice(0, 160)}` };
    }
    const offsets = parsed.offsets as Array<Record<string, unknown> | null>;
    if (offsets.length !== records) return { okRecords: 0, recordErrors: 0, requestError: `${offsets.length} offsets for ${records} records` };
    let okRecords = 0;
    let recordErrors = 0;
    let recordErrorSample: string | undefined;
    for (const o of offsets) {
      const code = o?.error_code;
      if (o !== null && (code === null || code === undefined) && typeof o.offset === 'number') {
        okRecords++;
      } else {
        recordErrors++;
        recordErrorSample ??= code === null || code === undefined ? 'no offset and no error' : `${String(code)} ${typeof o?.error === 'string' ? o.error : ''}`;
      }
    }
    const result: OpResult & { valueSchemaId?: unknown } = { okRecords, recordErrors, requestError: null, valueSchemaId: parsed.value_schema_id };
    if (recordErrorSample !== undefined) result.recordErrorSample = recordErrorSample;
    return result;
  }

  close(): void {
    this.agent.destroy();
  }

  private post(path: string, body: Buffer): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          path,
          method: 'POST',
          agent: this.agent,
          headers: { 'Content-Type': this.contentType, Accept: V2, 'Content-Length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** An operation that walks through pre-built payloads round robin. */
function cycle<T>(items: T[], send: (item: T) => Promise<OpResult>): () => Promise<OpResult> {
  let i = 0;
  return () => send(items[i++ % items.length]!);
}

/** The caller's KAFKA_REST_* variables, which reach the proxy (except the three the benchmark sets). */

const mib = (kib: number) => round(kib / 1024, 1);

interface TableInput {
  binary: Measured;
  avro: Measured;
  ratio: { avroOverBinary: number; target: number; pass: boolean };
  landed: { binary: number; avro: number; expected: { binary: number; avro: number }; ok: boolean };
  errors: number;
}

function printTable(r: TableInput): void {
  const errs = (m: Measured) => `${m.stats.requestErrors} http / ${m.stats.recordErrors} record / ${m.warmupErrors} warm-up`;
  const runs: Array<[string, Measured]> = [
    ['1. binary 100×1KiB, 16 conns', r.binary],
    ['2. avro   100×1KiB, 16 conns (schema id)', r.avro],
  ];
  printRows([
    ['scenario', 'records/s', 'payload MiB/s', 'req/s', 'body B/req', 'body MiB/s', 'p50 ms', 'p99 ms', 'proxy CPU %', 'broker CPU %', 'bench CPU %', 'other CPU %', 'errors'],
    ...runs.map(([name, m]) => [
      name,
      fmt(m.stats.recordsPerSec),
      String(m.payloadMiBPerSec),
      fmt(m.stats.requestsPerSec),
      fmt(m.avgRequestBodyBytes),
      String(m.requestBodyMiBPerSec),
      String(m.stats.latency.p50Ms),
      String(m.stats.latency.p99Ms),
      String(m.proxyCpuPct),
      String(m.brokerCpuPct),
      String(m.benchCpuPct),
      String(m.otherCpuPct),
      errs(m),
    ]),
  ]);
  console.log();
  console.log(`avro / binary records/s: ${r.ratio.avroOverBinary}  (target ≥ ${r.ratio.target}: ${r.ratio.pass ? 'PASS' : 'FAIL'})`);
  console.log(
    `proxy CPU per 1000 records/s: binary ${perK(r.binary)} %, avro ${perK(r.avro)} % of a core  (machine: ${availableParallelism()} cores; the proxy, broker and this generator share them)`,
  );
  const disturbed = runs.filter(([, m]) => m.otherCpuPct > BUSY_MACHINE_PCT).map(([name]) => name);
  if (disturbed.length > 0) {
    console.log(`\n!!! other programs used > ${BUSY_MACHINE_PCT}% of a core during: ${disturbed.join(', ')} — those figures are disturbed; rerun on a quiet machine`);
  }
  if (!r.landed.ok) {
    console.log(
      `\n!!!!!!!! RECORDS ON THE TOPICS DO NOT MATCH THE ACKNOWLEDGED ONES: binary ${r.landed.binary} vs ${r.landed.expected.binary}, avro ${r.landed.avro} vs ${r.landed.expected.avro} !!!!!!!!`,
    );
  }
  if (r.errors > 0) {
    console.log(`\n!!!!!!!! THIS RUN HAD ${r.errors} ERRORS (HTTP/request failures + per-record error_code != null); figures are not trustworthy !!!!!!!!`);
  } else {
    console.log('\nno errors: every request answered 200 with an offset and error_code null for every record');
  }
  console.log();
}

const perK = (m: Measured) => (m.stats.recordsPerSec > 0 ? round((m.proxyCpuPct * 1000) / m.stats.recordsPerSec, 2) : 0);

const fmt = (n: number) => n.toLocaleString('en-US');

function cleanUpSteps(): CleanUpStep[] {
  resources.sampler?.stop();
  for (const client of resources.clients) client.close();
    return [
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
