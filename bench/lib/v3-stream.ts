/**
 * v3 streaming produce as a load: `connections` chunked `POST .../records` requests at once, each
 * writing its share of the records while it reads their receipts (full duplex). A stream keeps at
 * most `window` records written but not yet answered; each batch of receipts that arrives lets it
 * write as many more, in one chunk. Every receipt is checked (`error_code` 200 and a numeric
 * offset; receipts come in input order, so the n-th line answers the n-th record) and timed from
 * the moment its record was handed to the socket.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { describeError } from './load.ts';

/** A stream that neither sends nor receives for this long counts as failed; keeps every run bounded. */
const IDLE_TIMEOUT_MS = 30_000;
const MAX_ERROR_SAMPLES = 5;

/** `count` distinct v3 records `{"value":{"type":"BINARY","data":"<base64>"}}` of `valueBytes` random bytes. */
export function v3BinaryRecords(count: number, valueBytes: number): Buffer[] {
  return Array.from({ length: count }, () => Buffer.from(JSON.stringify({ value: { type: 'BINARY', data: randomBytes(valueBytes).toString('base64') } })));
}

export interface StreamLoad {
  /** Records acknowledged with error_code 200 and an offset. */
  okRecords: number;
  /** Receipts with another error_code or without an offset. */
  recordErrors: number;
  /** Streams that failed as a whole (HTTP status, socket error, ended before every receipt). */
  requestErrors: number;
  /** Records written that never got a receipt. */
  unanswered: number;
  elapsedS: number;
  /** One per answered record, ms from its write to its receipt. */
  latencies: Float64Array;
  errorSamples: Record<string, number>;
}

export class V3StreamClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly connections: number,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  /** Sends `total` records (cycling through `records`) over the connections, `window` in flight on each. */
  async produce(path: string, records: Buffer[], total: number, window: number): Promise<StreamLoad> {
    const latencies = new Float64Array(total);
    const load: StreamLoad = { okRecords: 0, recordErrors: 0, requestErrors: 0, unanswered: 0, elapsedS: 0, latencies, errorSamples: {} };
    const note = (message: string) => {
      const key = message.slice(0, 200);
      if (key in load.errorSamples) load.errorSamples[key]!++;
      else if (Object.keys(load.errorSamples).length < MAX_ERROR_SAMPLES) load.errorSamples[key] = 1;
    };
    let answered = 0;
    const start = performance.now();
    const shares = Array.from({ length: this.connections }, (_, c) => Math.floor(total / this.connections) + (c < total % this.connections ? 1 : 0));
    let first = 0;
    await Promise.all(
      shares.map((count) => {
        const offset = first;
        first += count;
        return this.stream(path, records, offset, count, window, {
          answer: (latencyMs, line) => {
            latencies[answered++] = latencyMs;
            const problem = checkReceipt(line);
            if (problem === null) load.okRecords++;
            else {
              load.recordErrors++;
              note(`record: ${problem}`);
            }
          },
          fail: (message, unanswered) => {
            load.requestErrors++;
            load.unanswered += unanswered;
            note(message);
          },
        });
      }),
    );
    load.elapsedS = (performance.now() - start) / 1000;
    load.latencies = latencies.subarray(0, answered);
    return load;
  }

  close(): void {
    this.agent.destroy();
  }

  /** One stream of `count` records, starting at `records[offset % length]`; resolves when it ended, never rejects. */
  private stream(
    path: string,
    records: Buffer[],
    offset: number,
    count: number,
    window: number,
    on: { answer: (latencyMs: number, line: string) => void; fail: (message: string, unanswered: number) => void },
  ): Promise<void> {
    return new Promise((resolve) => {
      const sentAt = new Float64Array(count);
      let sent = 0;
      let answered = 0;
      let blocked = false;
      let settled = false;
      const finish = (failure: string | null) => {
        if (settled) return;
        settled = true;
        if (failure === null && answered < count) failure = `stream ended after ${answered} of ${count} receipts`;
        if (failure !== null) on.fail(failure, sent - answered);
        resolve();
      };
      const req = http.request({
        host: this.host,
        port: this.port,
        path,
        method: 'POST',
        agent: this.agent,
        headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      });
      req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`stream idle for ${IDLE_TIMEOUT_MS} ms`)));
      req.on('error', (error) => finish(describeError(error)));

      /** Writes as many records as the window has room for, in one chunk. */
      const pump = () => {
        if (blocked || settled) return;
        const room = Math.min(window - (sent - answered), count - sent);
        if (room > 0) {
          const batch: Buffer[] = [];
          const now = performance.now();
          for (let i = 0; i < room; i++) {
            batch.push(records[(offset + sent) % records.length]!);
            sentAt[sent++] = now;
          }
          if (!req.write(Buffer.concat(batch))) {
            blocked = true;
            req.once('drain', () => {
              blocked = false;
              pump();
            });
          }
        }
        if (sent === count && !req.writableEnded) req.end();
      };

      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => finish(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 160)}`));
          return;
        }
        res.setEncoding('utf8');
        let buffered = '';
        res.on('data', (chunk: string) => {
          buffered += chunk;
          const now = performance.now();
          let from = 0;
          for (let at = buffered.indexOf('\r\n'); at >= 0; at = buffered.indexOf('\r\n', from)) {
            const line = buffered.slice(from, at);
            from = at + 2;
            if (answered >= sent) {
              req.destroy();
              finish(`receipt without a record: ${line.slice(0, 160)}`);
              return;
            }
            on.answer(now - sentAt[answered++]!, line);
          }
          buffered = buffered.slice(from);
          pump();
        });
        res.on('end', () => finish(buffered === '' ? null : `stream ended inside a receipt: ${buffered.slice(0, 160)}`));
        res.on('error', (error) => finish(describeError(error)));
        res.on('close', () => finish(res.complete ? null : 'response cut off'));
      });
      req.flushHeaders();
      pump();
    });
  }
}

/** Null for a receipt of a written record, else what is wrong with the line. */
function checkReceipt(line: string): string | null {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return `not JSON: ${line.slice(0, 120)}`;
  }
  if (typeof entry !== 'object' || entry === null) return `not an object: ${line.slice(0, 120)}`;
  const { error_code: code, offset, message } = entry as Record<string, unknown>;
  if (code === 200 && typeof offset === 'number') return null;
  return code === 200 ? 'error_code 200 without an offset' : `${String(code)} ${typeof message === 'string' ? message : ''}`;
}
