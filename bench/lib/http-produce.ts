/**
 * v2 binary produce over plain `node:http` with a keep-alive agent, so the number of TCP
 * connections is exactly the agent's `maxSockets`. Every answer is checked: HTTP status, body
 * shape, one offset per record, and each record's error_code.
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { OpResult } from './load.ts';

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
    if (status !== 200) return { okRecords: 0, recordErrors: 0, requestError: `HTTP ${status}: ${text.slice(0, 160)}` };
    const offsets = parseOffsets(text);
    if (offsets === null) return { okRecords: 0, recordErrors: 0, requestError: `malformed produce response: ${text.slice(0, 160)}` };
    if (offsets.length !== records) return { okRecords: 0, recordErrors: 0, requestError: `${offsets.length} offsets for ${records} records` };
    let okRecords = 0;
    let recordErrors = 0;
    let recordErrorSample: string | undefined;
    for (const o of offsets) {
      // error_code != null is the documented failure; an answer with neither error nor offset is one too.
      if (o.error_code === null && typeof o.offset === 'number') {
        okRecords++;
      } else {
        recordErrors++;
        recordErrorSample ??= o.error_code === null ? 'no offset and no error' : `${o.error_code} ${o.error ?? ''}`;
      }
    }
    return recordErrorSample === undefined ? { okRecords, recordErrors, requestError: null } : { okRecords, recordErrors, requestError: null, recordErrorSample };
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

interface Offset {
  offset: unknown;
  error_code: number | null;
  error: string | null;
}

function parseOffsets(text: string): Offset[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || !('offsets' in parsed) || !Array.isArray(parsed.offsets)) return null;
  const offsets: Offset[] = [];
  for (const entry of parsed.offsets as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return null;
    const { offset, error_code: code, error } = entry as Record<string, unknown>;
    offsets.push({
      offset,
      error_code: typeof code === 'number' ? code : code === null || code === undefined ? null : -1,
      error: typeof error === 'string' ? error : null,
    });
  }
  return offsets;
}
