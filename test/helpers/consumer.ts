/** Small clients for the v2 consumer API, used by the consumer tests. */
import { BINARY, call, V2, type Reply } from './proxy.ts';

export interface RestRecord {
  topic: string;
  key: string | null;
  value: any; // base64 text (binary) or any JSON (json)
  partition: number;
  offset: number;
}

export async function createConsumer(url: string, group: string, body: Record<string, unknown> = {}): Promise<string> {
  const reply = await call(`${url}/consumers/${group}`, { method: 'POST', headers: { 'Content-Type': V2 }, body });
  if (reply.status !== 200) throw new Error(`create consumer: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.base_uri as string;
}

export function post(uri: string, body?: unknown): Promise<Reply> {
  return call(uri, { method: 'POST', headers: { 'Content-Type': V2 }, body });
}

export function records(base: string, query = 'timeout=1000', accept = BINARY): Promise<Reply> {
  return call(`${base}/records?${query}`, { headers: { Accept: accept } });
}

/** Reads until `count` records arrived (or the deadline), in the order received. */
export async function readUntil(base: string, count: number, timeoutMs = 30_000, accept = BINARY): Promise<RestRecord[]> {
  const got: RestRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count && Date.now() < deadline) {
    const reply = await records(base, 'timeout=500', accept);
    if (reply.status !== 200) throw new Error(`records: ${reply.status} ${JSON.stringify(reply.body)}`);
    got.push(...(reply.body as RestRecord[]));
  }
  return got;
}

export const b64 = (text: string) => Buffer.from(text).toString('base64');
export const text = (value: string | null) => (value === null ? null : Buffer.from(value, 'base64').toString());
