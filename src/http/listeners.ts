/**
 * HTTP listeners for a Koa app, one per configured URL, that can close gracefully: stop accepting,
 * drop idle keep-alive connections, let requests in flight finish (within a budget), then cut
 * whatever is left.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { listenError, listenHost, listenPort } from './listen-error.ts';

export class HttpListeners {
  private closing = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly servers: Server[] = [];

  private constructor(
    private readonly app: Koa,
    private readonly requestTimeoutMs: number | undefined,
  ) {}

  /**
   * `setting` names the configuration key of `listeners`, for the error when one cannot be bound;
   * `requestTimeoutMs` replaces Node's 300 s limit on receiving a whole request (v3 produce streams
   * stay open for streaming.connection.max.duration.ms).
   */
  static async open(app: Koa, listeners: URL[], setting = 'listeners', requestTimeoutMs?: number): Promise<HttpListeners> {
    const opened = new HttpListeners(app, requestTimeoutMs);
    try {
      for (const listener of listeners) await opened.listen(listener, setting);
    } catch (error) {
      await opened.close(0);
      throw error;
    }
    return opened;
  }

  /** One `http://host:port` per listener, with the port actually bound. */
  get urls(): string[] {
    return this.servers.map((server) => {
      const { address, port } = server.address() as AddressInfo;
      return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    });
  }

  async close(graceMs: number): Promise<void> {
    this.closing = true;
    const closed = this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const server of this.servers) server.closeIdleConnections();
    await Promise.race([Promise.all(this.inFlight), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    for (const server of this.servers) server.closeAllConnections();
    await Promise.all(closed);
  }

  private async listen(listener: URL, setting: string): Promise<void> {
    const handler = this.app.callback();
    const server = createServer(this.requestTimeoutMs === undefined ? {} : { requestTimeout: this.requestTimeoutMs }, (req, res) => {
      if (this.closing) res.setHeader('Connection', 'close');
      const done = new Promise<void>((resolve) => res.once('close', resolve));
      this.inFlight.add(done);
      void done.then(() => this.inFlight.delete(done));
      void handler(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(listener, setting, error)));
      server.listen(listenPort(listener), listenHost(listener), () => resolve());
    });
    this.servers.push(server);
  }
}
