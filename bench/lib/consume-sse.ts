/**
 * SSE consume: one consumer instance (binary, earliest, no auto-commit) read as a server-sent
 * event stream (`GET .../records` with `Accept: text/event-stream`, src/http/v2/record-stream.ts):
 * one `event: record` per record, `id: topic/partition/offset`, `data:` the record's JSON. The
 * stream is parsed as it arrives; once every record is in, the client closes it (what the proxy
 * had in flight then goes back in line) and a last short REST read must come back empty.
 */
import http from 'node:http';
import { ConsumeClient, describeReply, OffsetTracker, type BinaryRecord } from './http-consume.ts';
import { describeError, round } from './load.ts';
import { CpuMeter } from './proc.ts';
import type { ProxyChild } from './proxy-child.ts';
import type { RestConsumeOptions } from './consume-rest.ts';
import { Samples, tally, type DataSet, type SseConsumeRun } from './consume-types.ts';

export const EVENT_STREAM = 'text/event-stream';

/** One stream, so everything a REST run takes but the instance count. */
export type SseConsumeOptions = Omit<RestConsumeOptions, 'instances'>;

export async function sseConsume(proxy: ProxyChild, data: DataSet, options: SseConsumeOptions): Promise<SseConsumeRun> {
  const tracker = new OffsetTracker(data.highWatermarks);
  const errors = new Samples();
  const client = new ConsumeClient(2);
  options.clients.push(client);
  const setupStart = performance.now();
  const body = { name: 'c1', format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' };
  const { reply: created, baseUri } = await client.create(proxy.url, options.group, body);
  if (!baseUri) throw new Error(`POST /consumers/${options.group}: ${describeReply(created)}`);
  const subscribed = await client.subscribe(baseUri, [data.topic]);
  if (subscribed.status !== 204) throw new Error(`POST ${baseUri}/subscription: ${describeReply(subscribed)}`);
  const setupMs = performance.now() - setupStart;

  const cpu = new CpuMeter(proxy.pid, options.brokerPid);
  let events = 0;
  let errorEvents = 0;
  let wireBytes = 0;
  let parseMs = 0;
  let status = 0;
  let headersMs = 0;
  const start = performance.now();
  let end = start;
  let lastProgress = start;
  cpu.begin();

  const target = new URL(`${baseUri}/records?timeout=${options.readTimeoutMs}&max_bytes=${options.maxBytes}`);
  await new Promise<void>((resolve) => {
    let partial = '';
    let finished = false;
    const finish = (problem?: string) => {
      if (finished) return;
      finished = true;
      clearInterval(watchdog);
      if (problem) errors.add(problem);
      req.destroy();
      resolve();
    };
    /** One event block (the lines between blank lines). */
    const onEvent = (block: string) => {
      let event = 'message';
      let payload = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) payload = line.slice(6);
      }
      if (event === 'error') {
        errorEvents++;
        errors.add(`event: error ${payload.slice(0, 200)}`);
        return;
      }
      if (event !== 'record') return; // comments (keep-alives) have no event line and no data
      events++;
      const t0 = performance.now();
      let r: BinaryRecord;
      try {
        r = JSON.parse(payload) as BinaryRecord;
      } catch (error) {
        errors.add(`unparsable record event (${describeError(error)}): ${payload.slice(0, 200)}`);
        return;
      }
      parseMs += performance.now() - t0;
      const id = /^id: (.*)$/m.exec(block)?.[1];
      if (id !== `${r.topic}/${r.partition}/${r.offset}`) tracker.badValues++;
      if (r.topic !== data.topic || r.key !== null || typeof r.value !== 'string' || r.value.length !== data.base64Chars) tracker.badValues++;
      const before = tracker.distinct;
      tracker.add(r.partition, r.offset);
      if (tracker.distinct > before) lastProgress = end = performance.now();
    };
    const req = http.request(
      { host: target.hostname, port: Number(target.port), path: target.pathname + target.search, method: 'GET', agent: false, headers: { Accept: EVENT_STREAM } },
      (res) => {
        status = res.statusCode ?? 0;
        headersMs = performance.now() - start;
        if (status !== 200 || !String(res.headers['content-type']).startsWith(EVENT_STREAM)) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => finish(`GET records (SSE): HTTP ${status} ${res.headers['content-type']} ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          wireBytes += Buffer.byteLength(chunk);
          const blocks = (partial + chunk).split('\n\n');
          partial = blocks.pop() ?? '';
          for (const block of blocks) onEvent(block);
          if (tracker.distinct >= data.records) finish();
        });
        res.on('end', () => finish(tracker.distinct < data.records ? 'the event stream ended before every record arrived' : undefined));
        res.on('error', (error) => finish(`event stream: ${describeError(error)}`));
      },
    );
    req.on('error', (error) => finish(`GET records (SSE): ${describeError(error)}`));
    req.end();
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (now - start > options.deadlineMs) finish(`deadline: ${tracker.distinct}/${data.records} records`);
      else if (now - lastProgress > options.stallMs) finish(`stalled: no record for ${options.stallMs} ms (${tracker.distinct}/${data.records})`);
    }, 200);
  });
  const usage = cpu.end();
  const elapsedS = (end - start) / 1000;

  // Closing the stream put back what was in flight: nothing of the data set may come again.
  if (tracker.distinct === data.records) {
    try {
      const reply = await client.records(baseUri, { timeoutMs: 500, maxBytes: options.maxBytes });
      if (reply.status !== 200) errors.add(`final GET records: ${describeReply(reply)}`);
      else if ((JSON.parse(reply.body.toString('utf8')) as unknown[]).length > 0) errors.add('final GET records: records after the stream had them all');
    } catch (error) {
      errors.add(`final GET records: ${describeError(error)}`);
    }
  }
  let deleteStatus: number | null = null;
  try {
    deleteStatus = (await client.delete(baseUri)).status;
    if (deleteStatus !== 204) errors.add(`DELETE instance: HTTP ${deleteStatus}`);
  } catch (error) {
    errors.add(`DELETE instance: ${describeError(error)}`);
  }
  client.close();

  return {
    ...tally(tracker, data, elapsedS),
    elapsedWithSetupS: round((end - setupStart) / 1000, 3),
    setupMs: round(setupMs, 1),
    cpu: usage,
    errors,
    events,
    errorEvents,
    wireMiB: round(wireBytes / 2 ** 20, 1),
    wireMiBPerSec: elapsedS > 0 ? round(wireBytes / 2 ** 20 / elapsedS, 1) : 0,
    clientParseMs: round(parseMs, 0),
    headersMs: round(headersMs, 1),
    status,
    deleteStatus,
  };
}
