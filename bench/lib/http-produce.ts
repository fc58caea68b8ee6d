/**
 * v2 binary produce over plain `node:http` with a keep-alive agent, so the number of TCP
 * connections is exactly the agent's `maxSockets`. Every answer is checked: HTTP status, body
 * shape, one offset per record, and each record's error_code.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { OpResult } from './load.ts';
import { checkProduceAnswer } from './produce-answer.ts';

const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';
const V2 = 'application/vnd.kafka.v2+json';
/** A request stuck this long counts as failed; keeps every run bounded in time. */
const REQUEST_TIMEOUT_MS = 30_000;

/** `count` distinct request bodies of `records` records with random `valueBytes`-byte values. */
export function binaryBodies(count: number, records: number, valueBytes: number): Buffer[] {
  return Array.from({ length: count }, () =>
    Buffer.from(JSON.stringify({ records: Array.from({ length: records }, () => ({ value: randomBytes(valueBytes).toString('base64') })) })),
  );
}

export class ProduceClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, connections: number) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    // maxSockets = connections and keep-alive: the load uses exactly that many reused connections.
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  /** POSTs one pre-encoded body to /topics/{topic} and checks the answer for `records` records. */
  async produce(topic: string, body: Buffer, records: number): Promise<OpResult> {
    const { status, text } = await this.post(`/topics/${encodeURIComponent(topic)}`, body);
    return checkProduceAnswer(status, text, records);
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
          headers: { 'Content-Type': BINARY_V2, Accept: V2, 'Content-Length': body.length },
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
