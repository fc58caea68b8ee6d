/**
 * HTTP listeners for a Koa app, one per configured URL, that can close gracefully: stop accepting,
 * drop idle keep-alive connections, let requests in flight finish (within a budget), then cut
 * whatever is left. An https:// URL gets a TLS server with the proxy's shared TLS (ServerTls).
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { StartupError } from '../startup-error.ts';
import { within } from '../within.ts';
import { listenError, listenHost, listenPort } from './listen-error.ts';
import type { ServerTls } from './tls/server-tls.ts';

export interface ListenerOptions {
  /** The configuration key of the URLs, for the error when one cannot be bound; default `listeners`. */
  setting?: string;
  /** Replaces Node's 300 s limit on receiving a whole request (v3 produce streams stay open longer). */
  requestTimeoutMs?: number;
  /** Needed when a URL is https. */
  tls?: ServerTls | null;
  /** Never share the port with other processes of a node:cluster (each worker's own address). */
  exclusive?: boolean;
}

export class HttpListeners {
  private closing = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly servers: Array<{ server: Server; scheme: 'http' | 'https' }> = [];

  private constructor(
    private readonly app: Koa,
    private readonly options: ListenerOptions,
  ) {}

  static async open(app: Koa, listeners: URL[], options: ListenerOptions = {}): Promise<HttpListeners> {
    const opened = new HttpListeners(app, options);
    try {
      for (const listener of listeners) await opened.listen(listener, options.setting ?? 'listeners');
    } catch (error) {
      await opened.close(0);
      throw error;
    }
    return opened;
  }

  /** One `http://host:port` or `https://host:port` per listener, with the port actually bound. */
  get urls(): string[] {
    return this.servers.map(({ server, scheme }) => {
      const { address, port } = server.address() as AddressInfo;
      return `${scheme}://${address.includes(':') ? `[${address}]` : address}:${port}`;
    });
  }

  async close(graceMs: number): Promise<void> {
    this.closing = true;
    const servers = this.servers.map(({ server }) => server);
    const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const server of servers) server.closeIdleConnections();
    await within(graceMs, Promise.all(this.inFlight));
    for (const server of servers) server.closeAllConnections();
    await Promise.all(closed);
    for (const { server, scheme } of this.servers) if (scheme === 'https') this.options.tls?.detach(server as HttpsServer);
  }

  private async listen(listener: URL, setting: string): Promise<void> {
    const handler = this.app.callback();
    const timeout = this.options.requestTimeoutMs === undefined ? {} : { requestTimeout: this.options.requestTimeoutMs };
    const serve = (req: Parameters<typeof handler>[0], res: Parameters<typeof handler>[1]) => {
      if (this.closing) res.setHeader('Connection', 'close');
      const done = new Promise<void>((resolve) => res.once('close', resolve));
      this.inFlight.add(done);
      void done.then(() => this.inFlight.delete(done));
      void handler(req, res);
    };
    const https = listener.protocol === 'https:';
    const tls = this.options.tls;
    // Config refuses an https URL without a keystore; this guards a caller that forgot to pass it.
    if (https && !tls) throw new StartupError(`${listener.href} (${setting}) is https but no TLS keystore was loaded: set ssl.keystore.location`);
    const server: Server = https ? createHttpsServer({ ...tls!.serverOptions, ...timeout }, serve) : createServer(timeout, serve);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(listener, setting, error)));
      server.listen({ port: listenPort(listener), host: listenHost(listener), exclusive: this.options.exclusive ?? false }, () => resolve());
    });
    if (https) tls!.attach(server as HttpsServer);
    this.servers.push({ server, scheme: https ? 'https' : 'http' });
  }
}
