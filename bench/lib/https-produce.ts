/**
 * v2 binary produce over `node:https`, optionally with an Authorization header. With `keepAlive`
 * the agent holds exactly `connections` TLS connections and reuses them, so what is measured is
 * encryption and authentication per request, not handshakes; without it every request opens a
 * new connection with a full handshake (no session cache, no resumption) and closes it, which is
 * the handshake's cost. Counts the TLS connections it opened, so a run shows which of the two it was.
 */
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { OpResult } from './load.ts';
import { checkProduceAnswer } from './produce-answer.ts';

const BINARY_V2 = 'application/vnd.kafka.binary.v2+json';
const V2 = 'application/vnd.kafka.v2+json';
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpsProduceOptions {
  connections: number;
  /** PEM CA certificates the proxy's certificate must chain to. */
  ca: Buffer;
  /** Sent on every request, e.g. `Basic …`. */
  authorization?: string;
  /** true: a pool of `connections` reused connections; false: a new connection per request. */
  keepAlive: boolean;
}

export interface TlsConnections {
  opened: number;
  resumed: number;
  /** Version and cipher of the first connection, e.g. TLSv1.3 TLS_AES_256_GCM_SHA384. */
  protocol: string | null;
  cipher: string | null;
}

export class HttpsProduceClient {
  private readonly agent: https.Agent | false;
  private readonly url: URL;
  private readonly seen = new WeakSet<TLSSocket>();
  private readonly tls: TlsConnections = { opened: 0, resumed: 0, protocol: null, cipher: null };

  constructor(
    baseUrl: string,
    private readonly options: HttpsProduceOptions,
  ) {
    this.url = new URL(baseUrl);
    const { connections, ca, keepAlive } = options;
    // agent: false gives every request an agent of its own: no pooled socket, no cached session.
    this.agent = keepAlive ? new https.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, ca, minVersion: 'TLSv1.3' }) : false;
  }

  connections(): TlsConnections {
    return { ...this.tls };
  }

  /** POSTs one pre-encoded body to /topics/{topic} and checks the answer for `records` records. */
  async produce(topic: string, body: Buffer, records: number): Promise<OpResult> {
    const { status, text } = await this.post(`/topics/${encodeURIComponent(topic)}`, body);
    return checkProduceAnswer(status, text, records);
  }

  close(): void {
    if (this.agent) this.agent.destroy();
  }

  private post(path: string, body: Buffer): Promise<{ status: number; text: string }> {
    const headers: Record<string, string | number> = { 'Content-Type': BINARY_V2, Accept: V2, 'Content-Length': body.length };
    if (this.options.authorization) headers.Authorization = this.options.authorization;
    if (!this.agent) headers.Connection = 'close';
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: this.url.hostname,
          port: Number(this.url.port),
          path,
          method: 'POST',
          agent: this.agent,
          ...(this.agent ? {} : { ca: this.options.ca, minVersion: 'TLSv1.3' as const }),
          headers,
        },
        (res) => {
          this.note(res.socket as TLSSocket);
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

  private note(socket: TLSSocket): void {
    if (this.seen.has(socket)) return;
    this.seen.add(socket);
    this.tls.opened++;
    if (socket.isSessionReused()) this.tls.resumed++;
    this.tls.protocol ??= socket.getProtocol();
    this.tls.cipher ??= socket.getCipher().name;
  }
}
