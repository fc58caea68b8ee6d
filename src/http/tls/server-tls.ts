/**
 * The TLS shared by every https listener of the proxy (REST, management, schema registry): the
 * loaded keystore and truststore, the client-certificate policy, and, with ssl.keystore.reload,
 * a watch on the keystore file that swaps the certificate of every listener without a restart.
 *
 * Client certificates: REQUIRED fails the handshake without a valid one (Node's rejectUnauthorized).
 * REQUESTED asks for one but lets a client without one in; one that does not verify against the
 * truststore is refused by closing the connection. Handlers read the verified certificate with
 * `req.socket.getPeerCertificate()` when `req.socket.authorized` is true.
 */
import { statSync } from 'node:fs';
import type { Server as HttpsServer, ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { TlsSettings } from '../../config/tls-settings.ts';
import { loadTlsMaterial, type TlsMaterial } from './tls-options.ts';

/** How often the keystore file is looked at (stat) when ssl.keystore.reload is on. */
const WATCH_INTERVAL_MS = 1000;
/** A file seen changing is read this long after, so that a copy in progress is not read half-written. */
const SETTLE_MS = 250;

export class ServerTls {
  private material: TlsMaterial;
  private readonly servers = new Set<HttpsServer>();
  private watching: NodeJS.Timeout | null = null;
  private settle: NodeJS.Timeout | null = null;
  /** The watched file as last seen: a change is any difference from it, however late the first look. */
  private seen: FileIdentity | null;

  /** Throws a StartupError when the stores cannot be read. */
  constructor(
    private readonly settings: TlsSettings,
    private readonly logger: Logger,
  ) {
    this.material = loadTlsMaterial(settings);
    this.seen = settings.reloadWatch ? identity(settings.reloadWatch) : null;
  }

  /** Options for https.createServer. */
  get serverOptions(): ServerOptions {
    const auth = this.material.clientAuthentication;
    return { ...this.material.context, requestCert: auth !== 'NONE', rejectUnauthorized: auth === 'REQUIRED' };
  }

  /** Follows the server from now on (reloads, client-certificate checks) until `detach`. */
  attach(server: HttpsServer): void {
    if (this.material.clientAuthentication === 'REQUESTED') {
      // Before the HTTP layer sees the socket: an invalid certificate never reaches a handler.
      server.prependListener('secureConnection', (socket: TLSSocket) => {
        if (!socket.authorized && Object.keys(socket.getPeerCertificate()).length > 0) socket.destroy();
      });
    }
    this.servers.add(server);
    if (this.settings.reloadWatch && !this.watching) {
      const file = this.settings.reloadWatch;
      this.watching = setInterval(() => this.look(file), WATCH_INTERVAL_MS);
      this.watching.unref();
    }
  }

  detach(server: HttpsServer): void {
    this.servers.delete(server);
    if (this.servers.size > 0 || !this.watching) return;
    clearInterval(this.watching);
    this.watching = null;
    if (this.settle) clearTimeout(this.settle);
  }

  // Compared with what was seen before, not with a baseline the first poll takes: a file replaced
  // just after start-up still counts as changed.
  private look(file: string): void {
    const current = identity(file);
    if (current === null) return; // removed: wait for the new file
    if (this.seen && current.mtimeMs === this.seen.mtimeMs && current.ino === this.seen.ino && current.size === this.seen.size) return;
    this.seen = current;
    if (this.settle) clearTimeout(this.settle);
    this.settle = setTimeout(() => this.reload(), SETTLE_MS);
    this.settle.unref();
  }

  private reload(): void {
    this.settle = null;
    let material: TlsMaterial;
    try {
      material = loadTlsMaterial(this.settings);
    } catch (error) {
      this.logger.error({ keystore: this.settings.keystore.location }, `TLS keystore not reloaded, the listeners keep their certificate: ${(error as Error).message}`);
      return;
    }
    this.material = material;
    for (const server of this.servers) server.setSecureContext(material.context);
    this.logger.info({ keystore: this.settings.keystore.location, listeners: this.servers.size }, 'TLS keystore reloaded; new connections get the new certificate');
  }
}

interface FileIdentity {
  mtimeMs: number;
  ino: number;
  size: number;
}

function identity(file: string): FileIdentity | null {
  try {
    const { mtimeMs, ino, size } = statSync(file);
    return { mtimeMs, ino, size };
  } catch {
    return null;
  }
}
