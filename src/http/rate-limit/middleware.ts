/**
 * Koa side of the limits: the request rate limit (429, error_code 429, Retry-After), the cap on
 * concurrent connections (`server.connection.limit`), and the admission of v3 produce records.
 */
import type { Context, Middleware } from 'koa';
import type { Socket } from 'node:net';
import { RestError } from '../../errors.ts';
import { costOf, type Costs } from './costs.ts';
import type { ProduceRateLimiter, RequestRateLimiter } from './limiter.ts';

/** Confluent's words for every rate limit, in responses and in v3 produce entries. */
export const RATE_LIMITED = 'Request rate limit exceeded: The rate limit of requests per second has been exceeded.';
export const RATE_LIMITED_ENTRY = { error_code: 429, message: RATE_LIMITED } as const;
/** Not Confluent's (Jetty pauses accepting instead): a request on a connection beyond server.connection.limit. */
export const TOO_MANY_CONNECTIONS = 42902;

export interface RequestRateLimit {
  readonly limiter: RequestRateLimiter;
  readonly costs: Costs;
  readonly defaultCost: number;
}

const retryAfterSeconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function rateLimit({ limiter, costs, defaultCost }: RequestRateLimit): Middleware {
  return async (ctx, next) => {
    const cost = costOf({ method: ctx.method, path: ctx.path, contentType: ctx.get('content-type'), accept: ctx.get('accept') }, costs, defaultCost);
    const acquired = limiter.acquire(cost);
    if (!acquired.ok) {
      ctx.set('Retry-After', retryAfterSeconds(acquired.retryAfterMs));
      throw new RestError(429, RATE_LIMITED);
    }
    if (acquired.waitMs > 0) await sleep(acquired.waitMs); // rate.limit.timeout.ms: the permits are reserved
    await next();
  };
}

/**
 * At most `limit` connections are served at once. A connection is counted from its first request
 * until it closes; the requests of one beyond the limit are answered 429 (42902) and the
 * connection is closed, so a client learns why instead of seeing a reset.
 */
export function connectionLimit(limit: number): Middleware {
  const open = new Set<Socket>();
  return async (ctx, next) => {
    const socket = ctx.req.socket;
    if (!open.has(socket)) {
      if (open.size >= limit) {
        ctx.set('Connection', 'close');
        ctx.set('Retry-After', '1');
        throw new RestError(TOO_MANY_CONNECTIONS, `Too many connections: this proxy serves at most ${limit} at once (server.connection.limit); retry later.`, 429);
      }
      open.add(socket);
      socket.once('close', () => open.delete(socket));
    }
    await next();
  };
}

/** Whose produce limits a request counts against: its principal, else its client's address. */
export function limitKey(ctx: Context): string {
  const principal = (ctx.state as { principal?: { name: string } }).principal;
  return principal ? `principal:${principal.name}` : `address:${ctx.req.socket.remoteAddress ?? ''}`;
}

/** Per v3 produce request, a check of each record: null when admitted, else its 429 entry. */
export type ProduceAdmission = (ctx: Context) => (bytes: number) => typeof RATE_LIMITED_ENTRY | null;

export function produceAdmission(limiter: ProduceRateLimiter): ProduceAdmission {
  return (ctx) => {
    const key = limitKey(ctx);
    return (bytes) => (limiter.admit(key, bytes) ? null : RATE_LIMITED_ENTRY);
  };
}
