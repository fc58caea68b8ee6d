/**
 * Cost of TLS and authentication on batched produce: on one local broker, in one run, the batched
 * case of bench/produce.ts (100 × 1 KiB records per request, 16 connections; native: `sendBatch`
 * of 100, 16 concurrent) against
 *
 *   native    kafkajs, the baseline
 *   http      the proxy over plaintext, keep-alive
 *   https     TLS 1.3, PKCS12 keystore, keep-alive (handshakes are not what is measured)
 *   https-new the same, but a new connection and full handshake per request (the handshake's cost)
 *   basic     https + Basic authentication, a plain-text user of the Jetty password file
 *   bcrypt    https + Basic authentication, a bcrypt user (verified once, then cached by the proxy)
 *
 * and, once, the latency of a first request of the bcrypt user (bcrypt runs) and of its next one
 * (cached). Each proxy configuration is its own child process; all three stay up, and the
 * scenarios run in rounds whose order is reversed every other round (bench/lib/rounds.ts), so a
 * shared machine's changing load weighs on all of them alike: the ratios are the result.
 *
 * Env: BENCH_SECONDS (12: measured seconds per scenario, split over the rounds), BENCH_ROUNDS (4),
 * BENCH_WARMUP_SECONDS (2, before each scenario in the first round; 1 in later ones), BENCH_BCRYPT_COST (10). KAFKA_REST_*
 * settings pass through to the proxies. Prints a table and one `BENCH_RESULT {json}` line.
 */
import bcrypt from 'bcryptjs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Producer } from 'kafkajs';
import type { LocalBroker } from '../src/broker/local-broker.ts';
import { createCa, issueCertificate, STORE_PASSWORD } from '../test/helpers/tls.ts';
import { BATCH_CONCURRENCY, BATCH_RECORDS, cycle, messageSets, nativeBatchOp, nativeProducer, PARTITIONS, PAYLOAD_VARIANTS, VALUE_BYTES } from './lib/batched-produce.ts';
import { envNumber, inheritedProxySettings, log, printRows, runBenchmark, type CleanUpStep } from './lib/harness.ts';
import { startBroker } from './lib/broker.ts';
import { binaryBodies, ProduceClient } from './lib/http-produce.ts';
import { HttpsProduceClient, type TlsConnections } from './lib/https-produce.ts';
import { round, type OpResult } from './lib/load.ts';
import { CpuMeter } from './lib/proc.ts';
import { inRounds, type Merged } from './lib/rounds.ts';
import { startProxyProcess, type ProxyProcess } from './lib/proxy-process.ts';


const SECONDS = envNumber('BENCH_SECONDS', 12);
const WARMUP_SECONDS = envNumber('BENCH_WARMUP_SECONDS', 2);
const ROUNDS = envNumber('BENCH_ROUNDS', 4);
const BCRYPT_COST = envNumber('BENCH_BCRYPT_COST', 10);
const BUSY_MACHINE_PCT = 30;
const USERS = { plain: { user: 'alice', password: 'alice-secret' }, bcrypt: { user: 'bob', password: 'bob-secret' } };
const SCENARIOS = ['native', 'http', 'https', 'https-new', 'basic', 'bcrypt'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Measured extends Merged {
  /** CPU per acknowledged record: the proxy's (native: this process's, i.e. kafkajs). */
  cpuUsPerRecord: number;
  /** TLS connections the client opened over the whole run, warm-ups included. */
  tls?: TlsConnections;
}

const resources: { dir?: string; broker?: LocalBroker; admin?: Admin; proxies: ProxyProcess[]; producers: Producer[]; clients: Array<{ close(): void }> } = {
  proxies: [],
  producers: [],
  clients: [],
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-bench-security-'));
  resources.dir = dir;
  log(
    `cpus ${availableParallelism()}, node ${process.version}, ${ROUNDS} rounds of ${SECONDS / ROUNDS}s per scenario, warm-up ${WARMUP_SECONDS}s then ${Math.min(1, WARMUP_SECONDS)}s, ` +
      `bcrypt cost ${BCRYPT_COST}, proxy env ${JSON.stringify(inheritedProxySettings())}`,
  );

  const ca = createCa(dir, 'Bench CA');
  const server = issueCertificate(ca, dir, 'localhost', { server: true, file: 'server' });
  const caPem = readFileSync(ca.cert);
  const tls = { 'ssl.keystore.location': server.p12, 'ssl.keystore.type': 'PKCS12', 'ssl.keystore.password': STORE_PASSWORD, 'ssl.enabled.protocols': 'TLSv1.3' };
  const bcryptHash = bcrypt.hashSync(USERS.bcrypt.password, BCRYPT_COST);
  const usersFile = join(dir, 'password.properties');
  writeFileSync(usersFile, `${USERS.plain.user}: ${USERS.plain.password},producer\n${USERS.bcrypt.user}: ${bcryptHash},producer\n`);
  const basic = { 'authentication.method': 'BASIC', 'authentication.basic.users.file': usersFile };
  const authorization = ({ user, password }: { user: string; password: string }) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  const { broker, brokerPid, kafka, admin } = await startBroker(dir, 'bench-security', resources);
  const topic = (s: Scenario | 'cold') => `bench-security-${s}`;
  await admin.createTopics({ waitForLeaders: true, topics: [...SCENARIOS, 'cold' as const].map((s) => ({ topic: topic(s), numPartitions: PARTITIONS, replicationFactor: 1 })) });
  const proxySettings = (name: string) => ({ 'bootstrap.servers': broker.bootstrapServers, 'journal.path': join(dir, `journal-${name}.db`) });
  const started = (proxy: ProxyProcess) => {
    resources.proxies.push(proxy);
    log(`proxy pid ${proxy.pid} at ${proxy.url}`);
    return proxy;
  };
  const client = <T extends { close(): void }>(c: T): T => {
    resources.clients.push(c);
    return c;
  };

  // Three proxies, all up for the whole run: the rounds alternate between them. Idle, each uses
  // next to no CPU (the "other" column shows it).
  log('starting proxies: http, https, https + Basic…');
  const plain = started(await startProxyProcess(proxySettings('http')));
  const secure = started(await startProxyProcess({ ...proxySettings('https'), ...tls }, { https: { ca: caPem } }));
  const authed = started(await startProxyProcess({ ...proxySettings('basic'), ...tls, ...basic }, { https: { ca: caPem, authorization: authorization(USERS.plain) } }));

  const cold = await firstRequests(authed.url, caPem, bodiesFor(1)[0]!, topic('cold'), authorization(USERS.plain), authorization(USERS.bcrypt));
  const compareMs = timed(() => bcrypt.compareSync(USERS.bcrypt.password, bcryptHash));
  log(`first request on a new connection: plain user ${cold.plainFirstMs} ms, bcrypt user ${cold.bcryptFirstMs} ms, its next ${cold.bcryptNextMs} ms; bcrypt.compare here ${compareMs} ms`);

  const producer = await nativeProducer(kafka);
  resources.producers.push(producer);
  const bodies = bodiesFor(PAYLOAD_VARIANTS);
  const proxyOp = (c: { produce: (topic: string, body: Buffer, records: number) => Promise<OpResult> }, s: Scenario) => cycle(bodies, (body) => c.produce(topic(s), body, BATCH_RECORDS));
  const httpsClient = (url: string, keepAlive: boolean, auth?: string) =>
    client(new HttpsProduceClient(url, { connections: BATCH_CONCURRENCY, ca: caPem, keepAlive, ...(auth ? { authorization: auth } : {}) }));
  const clients: Partial<Record<Scenario, HttpsProduceClient>> = {
    https: httpsClient(secure.url, true),
    'https-new': httpsClient(secure.url, false),
    basic: httpsClient(authed.url, true, authorization(USERS.plain)),
    bcrypt: httpsClient(authed.url, true, authorization(USERS.bcrypt)),
  };
  const pidOf: Record<Scenario, number | null> = { native: null, http: plain.pid, https: secure.pid, 'https-new': secure.pid, basic: authed.pid, bcrypt: authed.pid };
  const ops: Record<Scenario, () => Promise<OpResult>> = {
    native: nativeBatchOp(producer, topic('native'), messageSets(PAYLOAD_VARIANTS, BATCH_RECORDS)),
    http: proxyOp(client(new ProduceClient(plain.url, BATCH_CONCURRENCY)), 'http'),
    https: proxyOp(clients.https!, 'https'),
    'https-new': proxyOp(clients['https-new']!, 'https-new'),
    basic: proxyOp(clients.basic!, 'basic'),
    bcrypt: proxyOp(clients.bcrypt!, 'bcrypt'),
  };
  // No proxy for the native run: pid -1 reads as zero CPU.
  const merged = await inRounds(
    SCENARIOS.map((name) => ({ name, op: ops[name], cpu: new CpuMeter(pidOf[name] ?? -1, brokerPid) })),
    { rounds: ROUNDS, seconds: SECONDS / ROUNDS, warmupSeconds: WARMUP_SECONDS, concurrency: BATCH_CONCURRENCY },
  );
  const runs = Object.fromEntries(
    SCENARIOS.map((s) => {
      const m = merged.get(s)!;
      const own = s === 'native' ? m.benchCpuPct : m.proxyCpuPct;
      const tlsUse = clients[s]?.connections();
      return [s, { ...m, cpuUsPerRecord: m.stats.recordsPerSec > 0 ? round((own * 1e4) / m.stats.recordsPerSec, 2) : 0, ...(tlsUse ? { tls: tlsUse } : {}) }];
    }),
  ) as Record<Scenario, Measured>;

  const errors = Object.values(runs).reduce((n, r) => n + r.stats.requestErrors + r.stats.recordErrors + r.warmupErrors, 0);
  const result = {
    config: {
      seconds: SECONDS,
      rounds: ROUNDS,
      warmupSeconds: WARMUP_SECONDS,
      bcryptCost: BCRYPT_COST,
      records: BATCH_RECORDS,
      valueBytes: VALUE_BYTES,
      concurrency: BATCH_CONCURRENCY,
      cpus: availableParallelism(),
      proxyEnv: inheritedProxySettings(),
    },
    runs,
    ratios: Object.fromEntries(SCENARIOS.map((s) => [s, { toNative: ratio(runs[s], runs.native), toPlaintext: ratio(runs[s], runs.http) }])),
    bcrypt: { ...cold, compareMs },
    proxyLogLines: resources.proxies.reduce((n, p) => n + p.outputLines(), 0),
    errors,
  };
  printTable(runs, result.bcrypt, errors);
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

const bodiesFor = (count: number) => binaryBodies(count, BATCH_RECORDS, VALUE_BYTES);

/**
 * Single batched requests, each user's first on a new connection: plain user, then bcrypt user
 * twice. The two first requests both pay a handshake; the bcrypt one also pays bcrypt, which the
 * proxy then caches, so its next request pays neither.
 */
async function firstRequests(url: string, ca: Buffer, body: Buffer, topic: string, plainAuth: string, bcryptAuth: string) {
  const fresh = (authorization: string) => new HttpsProduceClient(url, { connections: 1, ca, keepAlive: true, authorization });
  const timeOne = async (c: HttpsProduceClient) => {
    const t0 = performance.now();
    const answer = await c.produce(topic, body, BATCH_RECORDS);
    if (answer.requestError !== null) throw new Error(`produce as a Basic user failed: ${answer.requestError}`);
    return round(performance.now() - t0, 2);
  };
  // The proxy's producers connect to Kafka on its first produce: not part of what is compared.
  const warm = fresh(plainAuth);
  try {
    await timeOne(warm);
  } finally {
    warm.close();
  }
  const plain = fresh(plainAuth);
  const hashed = fresh(bcryptAuth);
  try {
    const plainFirstMs = await timeOne(plain);
    const bcryptFirstMs = await timeOne(hashed);
    const bcryptNextMs = await timeOne(hashed);
    return { plainFirstMs, bcryptFirstMs, bcryptNextMs };
  } finally {
    plain.close();
    hashed.close();
  }
}

function timed(f: () => unknown): number {
  const t0 = performance.now();
  f();
  return round(performance.now() - t0, 2);
}

const ratio = (a: Measured, b: Measured) => (b.stats.recordsPerSec > 0 ? round(a.stats.recordsPerSec / b.stats.recordsPerSec, 3) : 0);
const fmt = (n: number) => n.toLocaleString('en-US');

const LABELS: Record<Scenario, string> = {
  native: 'native kafkajs sendBatch',
  http: 'proxy http, keep-alive',
  https: 'proxy https TLS 1.3, keep-alive',
  'https-new': 'proxy https, new connection per request',
  basic: 'proxy https + Basic, plain user',
  bcrypt: 'proxy https + Basic, bcrypt user',
};

function printTable(runs: Record<Scenario, Measured>, cold: { plainFirstMs: number; bcryptFirstMs: number; bcryptNextMs: number; compareMs: number }, errors: number): void {
  const errs = (m: Measured) => m.stats.requestErrors + m.stats.recordErrors + m.warmupErrors;
  printRows([
    ['batched 100×1KiB, 16 in flight', 'records/s', 'per round', 'p50 / p99 ms', '÷ native', '÷ http', 'CPU µs/record', 'proxy CPU %', 'other CPU %', 'TLS conns opened', 'errors'],
    ...SCENARIOS.map((s) => {
      const m = runs[s];
      return [
        LABELS[s],
        fmt(m.stats.recordsPerSec),
        m.perRound.map(fmt).join(' · '),
        `${m.stats.latency.p50Ms} / ${m.stats.latency.p99Ms}`,
        String(ratio(m, runs.native)),
        s === 'native' ? '' : String(ratio(m, runs.http)),
        `${m.cpuUsPerRecord}${s === 'native' ? ' (client)' : ''}`,
        s === 'native' ? '' : String(m.proxyCpuPct),
        String(m.otherCpuPct),
        m.tls ? `${m.tls.opened}${m.tls.resumed ? ` (${m.tls.resumed} resumed)` : ''}` : '',
        String(errs(m)),
      ];
    }),
  ]);
  const tls = runs.https.tls;
  if (tls) console.log(`   negotiated: ${tls.protocol} ${tls.cipher}`);
  console.log(
    `   one request of 100 records on a new connection: plain user ${cold.plainFirstMs} ms, bcrypt user ${cold.bcryptFirstMs} ms first (bcrypt verifies), ${cold.bcryptNextMs} ms next (cached); bcrypt.compare at cost ${BCRYPT_COST} in this process: ${cold.compareMs} ms`,
  );
  const disturbed = SCENARIOS.filter((s) => runs[s].otherCpuPct > BUSY_MACHINE_PCT);
  if (disturbed.length > 0) console.log(`\n!!! other programs used > ${BUSY_MACHINE_PCT}% of a core during: ${disturbed.join(', ')} — those figures are disturbed; rerun on a quiet machine`);
  if (errors > 0) console.log(`\n!!!!!!!! THIS RUN HAD ${errors} ERRORS (HTTP/request failures + per-record error_code != null); figures are not trustworthy !!!!!!!!`);
  else console.log('\nno errors: every request answered 200 with an offset and error_code null for every record');
  console.log();
}

function cleanUpSteps(): CleanUpStep[] {
  for (const c of resources.clients) c.close();
  return [
    ...resources.producers.map((p): CleanUpStep => ['producer disconnect', () => p.disconnect()]),
    ['admin disconnect', async () => resources.admin?.disconnect()],
    ...resources.proxies.map((p): CleanUpStep => [
      'proxy stop',
      async () => {
        const code = await p.stop();
        if (code !== 0) log(`proxy ${p.pid} exited with code ${code}`);
      },
    ]),
    ['broker stop', async () => resources.broker?.stop()],
  ];
}

await runBenchmark({ main, cleanUpSteps, dir: () => resources.dir });
