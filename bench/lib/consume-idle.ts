/**
 * (b) memory per idle instance: proxy RSS (after a forced full GC) before and after creating
 * `instances` subscribed instances (one group each, on an empty topic, each joined and read once),
 * delta / instances. (c) recovery: SIGKILL the proxy with those instances live, restart it on the
 * same journal and port, time from spawn until GET / answers and until every instance answers
 * GET records?timeout=100 with 200 (polled concurrently, bounded).
 */
import { ConsumeClient, describeReply, type Reply } from './http-consume.ts';
import { describeError, round, sleep, summarize } from './load.ts';
import { readRssKiB } from './proc.ts';
import { spawnProxyChild, waitForStatus, type ProxyChild } from './proxy-child.ts';
import { Samples } from './consume-types.ts';
import { log } from './harness.ts';

export interface IdleOptions {
  instances: number;
  topic: string;
  partitions: number;
  setupConcurrency: number;
  pollConcurrency: number;
  recoveryDeadlineMs: number;
  /** Node options of the restarted proxy (the SIGUSR2 → full GC hook). */
  gcNodeArgs: string[];
  clients: ConsumeClient[];
  proxies: ProxyChild[];
}

export type IdleResult = Awaited<ReturnType<typeof idleInstances>>;
export type RecoveryResult = Awaited<ReturnType<typeof recover>>;

const mib = (kib: number) => round(kib / 1024, 1);

export async function idleInstances(proxy: ProxyChild, o: IdleOptions) {
  const client = new ConsumeClient(o.setupConcurrency);
  o.clients.push(client);
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
      const sub = await client.subscribe(baseUri, [o.topic]);
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
    Array.from({ length: o.setupConcurrency }, async () => {
      while (next < o.instances && performance.now() < setupDeadline) {
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


export async function recover(victim: ProxyChild, settings: Record<string, string>, port: number, baseUris: string[], o: IdleOptions) {
  log(`c. SIGKILL proxy#2 (pid ${victim.pid}) with ${baseUris.length} live instances`);
  await victim.kill();
  const proxy = spawnProxyChild(settings, { port, label: 'proxy#3', nodeArgs: o.gcNodeArgs });
  o.proxies.push(proxy);
  const t0 = proxy.spawnedAt;
  const deadline = t0 + o.recoveryDeadlineMs;

  // The instance polls start once the process answers at all, so they do not hammer a closed port.
  const rootAt = waitForStatus(proxy, '/', { intervalMs: 5, timeoutMs: o.recoveryDeadlineMs });
  const client = new ConsumeClient(o.pollConcurrency);
  o.clients.push(client);
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
    Array.from({ length: Math.min(o.pollConcurrency, baseUris.length) }, async () => {
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
    Array.from({ length: Math.min(o.setupConcurrency, baseUris.length) }, async () => {
      while (next < baseUris.length) {
        const uri = baseUris[next++]!;
        try {
          const reply = await client.assignments(uri);
          const parsed = reply.status === 200 ? (JSON.parse(reply.body.toString('utf8')) as { partitions?: unknown[] }) : null;
          if (parsed?.partitions?.length === o.partitions) rejoined++;
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
    Array.from({ length: Math.min(o.setupConcurrency, baseUris.length) }, async () => {
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
