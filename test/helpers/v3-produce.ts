/**
 * Clients for the v3 produce API (a stream of records in, a stream of receipts out) and a native
 * kafkajs reader that sees what was written, headers and timestamps included.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { bootstrapServers, nativeKafka, readRecords, type ConsumedRecord } from './cluster.ts';

export const JSON_TYPE = 'application/json';

export interface StreamReply {
  status: number;
  type: string | null;
  /** Every line of the body, parsed (the body itself when it is not a stream of lines). */
  entries: any[];
  /** The raw body. */
  text: string;
}

export const recordsPath = (clusterId: string, topic: string) => `/v3/clusters/${clusterId}/topics/${topic}/records`;

/** Sends the objects (or a string) as one body and reads every receipt. */
export async function produceStream(url: string, body: unknown[] | string, contentType = JSON_TYPE): Promise<StreamReply> {
  const text = typeof body === 'string' ? body : body.map((o) => JSON.stringify(o)).join('\n');
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body: Buffer.from(text, contentType.toLowerCase().includes('iso-8859-1') ? 'latin1' : 'utf8') });
  return readReply(response.status, response.headers.get('content-type'), await response.text());
}

export function readReply(status: number, type: string | null, text: string): StreamReply {
  if (!text.includes('\r\n')) return { status, type, text, entries: text ? [JSON.parse(text)] : [] };
  assertLines(text);
  return { status, type, text, entries: text.split('\r\n').filter((l) => l !== '').map((l) => JSON.parse(l)) };
}

/** Each receipt is one line ended by \r\n. */
function assertLines(text: string): void {
  if (!text.endsWith('\r\n')) throw new Error(`the stream does not end with \\r\\n: ${JSON.stringify(text.slice(-40))}`);
}

/**
 * One chunked request kept open: `send` writes an object, `receipt` waits for the next line of the
 * response. Both directions are used at once, as a streaming client does.
 */
export class DuplexStream {
  readonly request: ClientRequest;
  readonly response: Promise<IncomingMessage>;
  private buffered = '';
  private readonly lines: string[] = [];
  private waiting: Array<(line: string | null) => void> = [];
  private ended = false;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.request = request(url, { method: 'POST', headers: { 'Content-Type': JSON_TYPE, 'Transfer-Encoding': 'chunked', ...headers } });
    this.request.on('error', () => undefined); // a test that cuts the connection checks the outcome itself
    this.response = new Promise((resolve, reject) => {
      this.request.once('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.take(chunk));
        res.on('end', () => this.finish());
        res.on('error', () => this.finish());
        res.on('close', () => this.finish());
        resolve(res);
      });
      this.request.once('error', reject);
    });
    this.request.flushHeaders();
  }

  send(object: unknown): boolean {
    return this.request.write(`${JSON.stringify(object)}\n`);
  }

  /** The next receipt, or null when the response ended. */
  receipt(): Promise<any> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(JSON.parse(line));
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.waiting.push((next) => resolve(next === null ? null : JSON.parse(next))));
  }

  end(): void {
    this.request.end();
  }

  /** Every receipt left, until the response ends. */
  async rest(): Promise<any[]> {
    const out: any[] = [];
    for (let next = await this.receipt(); next !== null; next = await this.receipt()) out.push(next);
    return out;
  }

  private take(chunk: string): void {
    this.buffered += chunk;
    for (let at = this.buffered.indexOf('\r\n'); at >= 0; at = this.buffered.indexOf('\r\n')) {
      const line = this.buffered.slice(0, at);
      this.buffered = this.buffered.slice(at + 2);
      const waiter = this.waiting.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const waiter of this.waiting.splice(0)) waiter(null);
  }
}

export type StoredRecord = ConsumedRecord;

/** The first `count` records of a topic (every partition), sorted by partition and offset. */
export function readBack(topic: string, count: number, timeoutMs = 60_000): Promise<StoredRecord[]> {
  return readRecords(topic, count, { timeoutMs });
}

/** A topic with topic-level configs (e.g. max.message.bytes, message.timestamp.type). */
export async function createTopicWith(name: string, partitions: number, configs: Record<string, string>): Promise<string> {
  const admin = nativeKafka(bootstrapServers()).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1, configEntries: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  return name;
}

/** The local cluster's id, as v3 names it. */
export async function localClusterId(): Promise<string> {
  const admin = nativeKafka(bootstrapServers()).admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).clusterId;
  } finally {
    await admin.disconnect();
  }
}
