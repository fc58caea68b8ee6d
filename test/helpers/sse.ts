/**
 * A small server-sent events client on node:http (no EventSource in Node 20), for the record
 * stream tests: parses events and comments as they arrive and can disconnect at any moment.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Everything received, for checking the raw wire format. */
  raw = '';
  /** Resolves when the server ends the response (or the connection goes). */
  readonly ended: Promise<void>;
  /** True once the server finished the body properly; false while open or when the connection was cut. */
  completed = false;
  private pending = '';
  private waiters: Array<() => void> = [];

  private constructor(private readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    this.ended = new Promise((resolve) => {
      response.on('end', () => {
        this.completed = true;
        resolve();
      });
      response.on('close', resolve);
      response.on('error', () => resolve());
    });
    response.on('data', (chunk: string) => this.feed(chunk));
  }

  /** Opens a stream; resolves once the response headers came (any status). */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => resolve(new SseClient(res)));
      req.on('error', reject);
      req.end();
    });
  }

  get status(): number {
    return this.response.statusCode!;
  }

  get headers(): IncomingHttpHeaders {
    return this.response.headers;
  }

  /** The events named `record`, their data parsed. */
  get records(): Array<{ id: string | undefined; record: any }> {
    return this.events.filter((e) => e.event === 'record').map((e) => ({ id: e.id, record: JSON.parse(e.data) }));
  }

  /** Waits until `count` events came; rejects after `timeoutMs` with what did come. */
  async waitForEvents(count: number, timeoutMs = 30_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`got ${this.events.length} of ${count} events: ${this.raw.slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.events.slice(0, count);
  }

  /** The body as JSON, for answers that are not streams (errors). */
  async json(): Promise<any> {
    await this.ended;
    return JSON.parse(this.raw);
  }

  /** Stops reading: the client's buffers fill and the server's writes stop flushing. */
  pause(): void {
    this.response.pause();
    this.response.socket?.pause();
  }

  /** Disconnects abruptly, as a client that goes away does. */
  close(): void {
    this.response.destroy();
    this.response.socket?.destroy();
  }

  private feed(chunk: string): void {
    this.raw += chunk;
    if (!String(this.response.headers['content-type'] ?? '').startsWith('text/event-stream')) return;
    this.pending += chunk;
    // An event ends at a blank line (the stream only ever sends \n line ends).
    for (let end = this.pending.indexOf('\n\n'); end >= 0; end = this.pending.indexOf('\n\n')) {
      const block = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 2);
      this.parse(block);
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  private parse(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.events.push({ id, event, data: data.join('\n') });
  }
}
