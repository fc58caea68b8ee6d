/**
 * REST consume: `instances` consumer instances (binary, earliest, no auto-commit) in one group,
 * subscribed to the data topic, each reading in its own loop on its own connection with
 * `max_bytes`, until together they have every record. Reading starts only once the group has
 * settled (every partition assigned, to exactly one instance), so no partition moves while the
 * clock runs; then a last short read per instance must come back empty.
 */
import { ConsumeClient, describeReply, OffsetTracker, type BinaryRecord, type Reply } from './http-consume.ts';
import { describeError, round, sleep, summarize } from './load.ts';
import { CpuMeter, type CpuUse, type ProxyPids } from './proc.ts';
import type { ProxyChild } from './proxy-child.ts';
import { Samples, tally, type DataSet, type RestConsumeRun } from './consume-types.ts';

export interface RestConsumeOptions {
  group: string;
  instances: number;
  maxBytes: number;
  readTimeoutMs: number;
  deadlineMs: number;
  /** Give up when no new record arrived for this long. */
  stallMs: number;
  brokerPid: number | null;
  /** Clients are registered here so the benchmark's clean-up closes them whatever happens. */
  clients: ConsumeClient[];
  /**
   * Where to reach an instance once created, from the base_uri the proxy answered (default: that
   * base_uri): bench/cluster.ts reads an instance at its owner instead of through the balancer.
   */
  rebase?: (baseUri: string, group: string, name: string) => Promise<string>;
}

/** The proxy a run talks to: its URL, and the process(es) whose CPU is measured. */
export type ConsumeTarget = Pick<ProxyChild, 'url'> & { pid: ProxyPids };

export async function restConsume(proxy: ConsumeTarget, data: DataSet, options: RestConsumeOptions): Promise<RestConsumeRun> {
  const { group, instances, maxBytes, readTimeoutMs } = options;
  const tracker = new OffsetTracker(data.highWatermarks);
  const errors = new Samples();
  const setupStart = performance.now();
  const clients = Array.from({ length: instances }, () => new ConsumeClient(1));
  options.clients.push(...clients);
  const baseUris: string[] = [];
  for (let i = 0; i < instances; i++) {
    const body = { name: `c${i + 1}`, format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' };
    const { reply, baseUri } = await clients[i]!.create(proxy.url, group, body);
    if (!baseUri) throw new Error(`POST /consumers/${group}: ${describeReply(reply)}`);
    baseUris.push(options.rebase ? await options.rebase(baseUri, group, body.name) : baseUri);
  }
  await Promise.all(
    baseUris.map(async (uri, i) => {
      const reply = await clients[i]!.subscribe(uri, [data.topic]);
      if (reply.status !== 204) throw new Error(`POST ${uri}/subscription: ${describeReply(reply)}`);
    }),
  );
  await settled(clients[0]!, baseUris, data.partitions, 60_000);
  const setupMs = performance.now() - setupStart;

  const cpu = new CpuMeter(proxy.pid, options.brokerPid);
  const latencies: number[] = [];
  const perRead: number[] = [];
  const perInstance = new Array<number>(instances).fill(0);
  const slowReads = { count: 0, records: 0, seconds: 0 };
  let requests = 0;
  let emptyResponses = 0;
  let wireBytes = 0;
  let parseMs = 0;
  const start = performance.now();
  const deadline = start + options.deadlineMs;
  let lastProgress = start;
  let end = start;
  let stop = false;
  let usage: CpuUse | null = null;
  cpu.begin();

  const loop = async (i: number) => {
    let consecutiveErrors = 0;
    const client = clients[i]!;
    const uri = baseUris[i]!;
    while (!stop && tracker.distinct < data.records && performance.now() < deadline && performance.now() - lastProgress < options.stallMs) {
      let reply: Reply;
      try {
        reply = await client.records(uri, { timeoutMs: readTimeoutMs, maxBytes });
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
      if (took >= 0.9 * readTimeoutMs) {
        slowReads.count++;
        slowReads.records += records.length;
        slowReads.seconds += took / 1000;
      }
      const before = tracker.distinct;
      for (const r of records) {
        if (r.topic !== data.topic || r.key !== null || typeof r.value !== 'string' || r.value.length !== data.base64Chars) tracker.badValues++;
        tracker.add(r.partition, r.offset);
      }
      if (tracker.distinct > before) {
        perInstance[i]! += tracker.distinct - before;
        lastProgress = performance.now();
        end = Math.max(end, reply.endedAt);
        // CPU up to the last record: instances done earlier may still sit in an empty read.
        if (tracker.distinct >= data.records) usage ??= cpu.end();
      }
    }
  };
  await Promise.all(baseUris.map((_, i) => loop(i)));
  stop = true;
  usage ??= cpu.end();
  const elapsedS = (end - start) / 1000;

  // Nothing may follow: a last short read of every instance must come back empty.
  let extraRecordsAfterAll: number | null = null;
  if (tracker.distinct === data.records) {
    extraRecordsAfterAll = 0;
    await Promise.all(
      baseUris.map(async (uri, i) => {
        try {
          const reply = await clients[i]!.records(uri, { timeoutMs: 500, maxBytes });
          if (reply.status !== 200) return errors.add(`final GET records: ${describeReply(reply)}`);
          const extra = JSON.parse(reply.body.toString('utf8')) as BinaryRecord[];
          extraRecordsAfterAll! += extra.length;
          for (const r of extra) tracker.add(r.partition, r.offset);
        } catch (error) {
          errors.add(`final GET records: ${describeError(error)}`);
        }
      }),
    );
  }
  let deleteStatus: number | null = null;
  for (const [i, uri] of baseUris.entries()) {
    try {
      const deleted = await clients[i]!.delete(uri);
      if (deleted.status !== 204 || deleteStatus === null) deleteStatus = deleted.status;
      if (deleted.status !== 204) errors.add(`DELETE instance: ${describeReply(deleted)}`);
    } catch (error) {
      errors.add(`DELETE instance: ${describeError(error)}`);
    }
  }
  for (const client of clients) client.close();

  const okRecords = tracker.distinct;
  const perSec = (n: number) => (elapsedS > 0 ? n / elapsedS : 0);
  return {
    instances,
    perInstance,
    ...tally(tracker, data, elapsedS),
    elapsedWithSetupS: round((end - setupStart) / 1000, 3),
    setupMs: round(setupMs, 1),
    cpu: usage,
    errors,
    requests,
    emptyResponses,
    recordsPerResponse: requests > emptyResponses ? round(okRecords / (requests - emptyResponses), 1) : 0,
    recordsPerRead: perRead.length ? { min: Math.min(...perRead), p50: summarize(perRead).p50Ms, max: Math.max(...perRead) } : { min: 0, p50: 0, max: 0 },
    wireMiB: round(wireBytes / 2 ** 20, 1),
    wireMiBPerSec: round(perSec(wireBytes / 2 ** 20), 1),
    readLatency: summarize(latencies),
    slowReads: { ...slowReads, seconds: round(slowReads.seconds, 2) },
    clientParseMs: round(parseMs, 0),
    extraRecordsAfterAll,
    deleteStatus,
  };
}

/** Waits until the instances' assignments cover every partition exactly once. */
async function settled(client: ConsumeClient, baseUris: string[], partitions: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline) {
    const owned: number[] = [];
    let idle = 0;
    for (const uri of baseUris) {
      const reply = await client.assignments(uri);
      if (reply.status !== 200) throw new Error(`GET ${uri}/assignments: ${describeReply(reply)}`);
      const parsed = JSON.parse(reply.body.toString('utf8')) as { partitions: Array<{ partition: number }> };
      owned.push(...parsed.partitions.map((p) => p.partition));
      if (parsed.partitions.length === 0) idle++;
    }
    last = JSON.stringify(owned.sort((a, b) => a - b));
    // A member still joining holds nothing; one of an older generation overlaps the others.
    const everyoneHolds = idle === 0 || baseUris.length > partitions;
    if (everyoneHolds && owned.length === partitions && new Set(owned).size === partitions) return;
    await sleep(100);
  }
  throw new Error(`the group did not settle within ${timeoutMs} ms: partitions assigned ${last}`);
}
