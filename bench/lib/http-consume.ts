/**
 * v2 consumer API over plain `node:http` with a keep-alive agent: create an instance, subscribe,
 * read records, delete. Every call returns the raw status and body so the benchmark can report
 * exactly what the proxy answered; nothing here throws on an HTTP status.
 */
import http from 'node:http';

export const V2 = 'application/vnd.kafka.v2+json';
export const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';

export interface Reply {
  status: number;
  body: Buffer;
  /** performance.now() when the request started and when its answer was complete. */
  startedAt: number;
  endedAt: number;
}

export interface BinaryRecord {
  topic: string;
  key: string | null;
  value: string | null;
  partition: number;
  offset: number;
}

export class ConsumeClient {
  private readonly agent: http.Agent;

  constructor(connections: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  close(): void {
    this.agent.destroy();
  }

  /** POST /consumers/{group}: base_uri on 200, else null (the reply says why). */
  async create(proxyUrl: string, group: string, body: Record<string, unknown>, timeoutMs = 30_000): Promise<{ reply: Reply; baseUri: string | null }> {
    const reply = await this.request('POST', `${proxyUrl}/consumers/${encodeURIComponent(group)}`, { body, timeoutMs });
    if (reply.status !== 200) return { reply, baseUri: null };
    try {
      const parsed = JSON.parse(reply.body.toString('utf8')) as { base_uri?: unknown };
      return { reply, baseUri: typeof parsed.base_uri === 'string' ? parsed.base_uri : null };
    } catch {
      return { reply, baseUri: null };
    }
  }

  subscribe(baseUri: string, topics: string[], timeoutMs = 60_000): Promise<Reply> {
    return this.request('POST', `${baseUri}/subscription`, { body: { topics }, timeoutMs });
  }

  /** GET records; `timeoutMs` is the `timeout` query parameter, the socket gets that plus `slackMs`. */
  records(baseUri: string, query: { timeoutMs: number; maxBytes?: number }, slackMs = 30_000): Promise<Reply> {
    const q = `timeout=${query.timeoutMs}${query.maxBytes !== undefined ? `&max_bytes=${query.maxBytes}` : ''}`;
    return this.request('GET', `${baseUri}/records?${q}`, { accept: BINARY_V2, timeoutMs: query.timeoutMs + slackMs });
  }

  assignments(baseUri: string, timeoutMs = 10_000): Promise<Reply> {
    return this.request('GET', `${baseUri}/assignments`, { timeoutMs });
  }

  delete(baseUri: string, timeoutMs = 30_000): Promise<Reply> {
    return this.request('DELETE', baseUri, { timeoutMs });
  }

  request(method: string, url: string, options: { body?: unknown; accept?: string; timeoutMs: number }): Promise<Reply> {
    const target = new URL(url);
    const payload = options.body === undefined ? null : Buffer.from(JSON.stringify(options.body));
    const headers: http.OutgoingHttpHeaders = { Accept: options.accept ?? V2 };
    if (payload) {
      headers['Content-Type'] = V2;
      headers['Content-Length'] = payload.length;
    }
    const startedAt = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: target.hostname, port: Number(target.port), path: target.pathname + target.search, method, agent: this.agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), startedAt, endedAt: performance.now() }));
          res.on('error', reject);
        },
      );
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload ?? undefined);
    });
  }
}

/** The body of a reply, shortened, for error reports. */
export function describeReply(reply: Reply, max = 300): string {
  return `HTTP ${reply.status} ${reply.body.toString('utf8').slice(0, max)}`;
}

/**
 * Which (partition, offset) pairs arrived, against the partitions' high watermarks at the start:
 * distinct pairs, duplicates, and pairs that should not exist. One bit per expected offset.
 */
export class OffsetTracker {
  private readonly seen: Uint8Array[];
  distinct = 0;
  duplicates = 0;
  unexpected = 0;
  badValues = 0;

  constructor(readonly highWatermarks: number[]) {
    this.seen = highWatermarks.map((hw) => new Uint8Array(Math.ceil(hw / 8)));
  }

  get expected(): number {
    return this.highWatermarks.reduce((a, b) => a + b, 0);
  }

  add(partition: number, offset: number): void {
    const hw = this.highWatermarks[partition];
    if (hw === undefined || !Number.isInteger(offset) || offset < 0 || offset >= hw) {
      this.unexpected++;
      return;
    }
    const bits = this.seen[partition]!;
    const byte = offset >> 3;
    const mask = 1 << (offset & 7);
    if (bits[byte]! & mask) {
      this.duplicates++;
    } else {
      bits[byte]! |= mask;
      this.distinct++;
    }
  }
}
