/**
 * Principal propagation's client cache: each authenticated principal reaches Kafka through a
 * client set of its own, logged in with its own credentials, so the brokers' ACLs apply to the
 * principal rather than to the proxy. Sets are made on a principal's first request, kept while
 * in use, closed after `idleMs` without use, and at most `max` are kept (the least recently used
 * idle one is closed first; sets in use are never closed under a request).
 *
 * Credentials live in memory only, never in the journal: a consumer instance recovered after a
 * restart waits (retrying its join) until its owner's next request brings them again.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode, RestError } from '../errors.ts';
import type { ClientSet } from './client-set.ts';

/** How a principal logs in to Kafka: a SASL user and password, or a TLS client certificate (PEM). */
export type KafkaLogin = { readonly username: string; readonly password: string } | { readonly key: string; readonly cert: string };

export interface PrincipalClientsOptions {
  /** Builds a principal's set; `tag` is short, stable and safe in journal ids. */
  create(login: KafkaLogin, tag: string): ClientSet;
  /** Logins the proxy knows without a request (SSL propagation's keystore); null: only from requests. */
  known?: (name: string) => KafkaLogin | null;
  max: number;
  idleMs: number;
  logger: Logger;
}

interface Entry {
  readonly name: string;
  readonly digest: Buffer;
  readonly login: KafkaLogin;
  clients: ClientSet | null;
  inUse: number;
  lastUsed: number;
  /** Replaced by newer credentials: closed when its last request ends. */
  retired: boolean;
}

/** A principal's clients for the length of one request: `release` when its response is done. */
export interface Lease {
  readonly clients: ClientSet;
  release(): void;
}

const CREDENTIALS_PER_CLIENT_SET = 10;

const digestOf = (login: KafkaLogin) => createHash('sha256').update(JSON.stringify(login)).digest();
const tagOf = (name: string) => createHash('sha256').update(name).digest('hex').slice(0, 12);

export class PrincipalClients {
  /** By principal name, least recently used first (Map order, refreshed on each use). */
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly closing: Array<Promise<void>> = [];
  private warnedFull = false;

  constructor(private readonly options: PrincipalClientsOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, Math.min(options.idleMs / 4, 60_000)));
    this.sweeper.unref();
  }

  /** How many principals have open clients (for /metrics and tests). */
  get open(): number {
    let open = 0;
    for (const entry of this.entries.values()) if (entry.clients) open++;
    return open;
  }

  /** The clients of a principal who just authenticated with `login`; new credentials replace old ones. */
  lease(name: string, login: KafkaLogin): Lease {
    const digest = digestOf(login);
    let entry = this.entries.get(name);
    if (entry && !(entry.digest.length === digest.length && timingSafeEqual(entry.digest, digest))) {
      // A changed password: the old login's clients go once nothing uses them.
      this.retire(entry);
      entry = undefined;
    }
    entry ??= { name, digest, login, clients: null, inUse: 0, lastUsed: 0, retired: false };
    const clients = this.open_(entry);
    entry.inUse++;
    let released = false;
    return {
      clients,
      release: () => {
        if (released) return;
        released = true;
        entry.inUse--;
        entry.lastUsed = Date.now();
        if (entry.retired && entry.inUse === 0) this.closeClients(entry);
      },
    };
  }

  /**
   * The clients of a principal for work of its own outside a request (its consumer instances):
   * opened again from the credentials it last presented, or a retriable error when it has not
   * presented any since the proxy started.
   */
  of(name: string): ClientSet {
    const known = this.entries.has(name) ? null : this.options.known?.(name);
    if (known) this.entries.set(name, { name, digest: digestOf(known), login: known, clients: null, inUse: 0, lastUsed: 0, retired: false });
    const entry = this.entries.get(name);
    if (!entry) {
      throw new RestError(
        ErrorCode.KafkaRetriableError,
        `No Kafka credentials for ${name} since the proxy started: its consumer instances resume with its next request.`,
      );
    }
    return this.open_(entry);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const open = [...this.entries.values()].flatMap((entry) => (entry.clients ? [entry.clients.close()] : []));
    this.entries.clear();
    await Promise.all([...open, ...this.closing]);
  }

  private open_(entry: Entry): ClientSet {
    this.entries.delete(entry.name);
    this.entries.set(entry.name, entry); // most recently used last
    entry.lastUsed = Date.now();
    if (!entry.clients) {
      this.makeRoom();
      entry.clients = this.options.create(entry.login, tagOf(entry.name));
    }
    this.forgetOldest();
    return entry.clients;
  }

  /** Credentials of principals without open clients are kept for up to CREDENTIALS_PER_CLIENT_SET × max principals. */
  private forgetOldest(): void {
    let excess = this.entries.size - this.options.max * CREDENTIALS_PER_CLIENT_SET;
    for (const entry of this.entries.values()) {
      if (excess <= 0) return;
      if (!entry.clients) {
        this.entries.delete(entry.name);
        excess--;
      }
    }
  }

  /** Closes the least recently used idle sets beyond `max - 1`; sets in use stay (the bound is then exceeded, and said once). */
  private makeRoom(): void {
    let open = this.open;
    for (const entry of this.entries.values()) {
      if (open < this.options.max) return;
      if (entry.clients && entry.inUse === 0) {
        this.closeClients(entry);
        open--;
      }
    }
    if (open >= this.options.max && !this.warnedFull) {
      this.warnedFull = true;
      this.options.logger.warn({ max: this.options.max }, 'more principals are using Kafka at once than principal.clients.max; their clients are kept until their requests end (raise principal.clients.max if this is normal)');
    }
  }

  /** Closes sets idle for longer than idleMs; the credentials stay, for the principal's consumer instances. */
  private sweep(): void {
    const before = Date.now() - this.options.idleMs;
    for (const entry of this.entries.values()) if (entry.clients && entry.inUse === 0 && entry.lastUsed < before) this.closeClients(entry);
  }

  private retire(entry: Entry): void {
    this.entries.delete(entry.name);
    entry.retired = true;
    if (entry.inUse === 0) this.closeClients(entry);
  }

  private closeClients(entry: Entry): void {
    const clients = entry.clients;
    entry.clients = null;
    if (clients) this.track(clients.close());
  }

  private track(closing: Promise<void>): void {
    const tracked = closing.catch((error: unknown) => this.options.logger.warn({ err: error }, 'closing a principal\'s Kafka clients failed'));
    this.closing.push(tracked);
    void tracked.finally(() => this.closing.splice(this.closing.indexOf(tracked), 1));
  }
}
