/**
 * The management listener answers only requests whose Host names it: the hosts of
 * `management.listeners`, `localhost`, `127.0.0.1` and `[::1]` when it is bound to loopback (or to
 * every interface), and the names in `management.allowed.hosts`. Anything else is 403. This
 * closes DNS rebinding: a web page whose name was re-pointed at 127.0.0.1 reaches the port, but
 * its requests carry its own name and are refused, so it cannot read the inspector or metrics.
 */
import type { Middleware } from 'koa';
import { RestError } from '../../errors.ts';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const isLoopback = (host: string) => host === 'localhost' || host === '[::1]' || /^127\./.test(host);
const isWildcard = (host: string) => host === '0.0.0.0' || host === '[::]';

/** The host names (lower case, IPv6 in brackets, no port) a management request may carry. */
export function allowedHosts(listeners: readonly URL[], extra: readonly string[]): Set<string> {
  const hosts = new Set<string>(extra.map((h) => h.toLowerCase()));
  for (const listener of listeners) {
    const host = listener.hostname.toLowerCase();
    if (!isWildcard(host)) hosts.add(host);
    if (isLoopback(host) || isWildcard(host)) for (const name of LOOPBACK_NAMES) hosts.add(name);
  }
  return hosts;
}

/** The host of a Host header without its port: `example.com:8083` → `example.com`, `[::1]:8083` → `[::1]`. */
export function hostOf(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1);
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

export function hostCheck(hosts: ReadonlySet<string>): Middleware {
  return async (ctx, next) => {
    if (!hosts.has(hostOf(ctx.get('host')))) {
      throw new RestError(403, 'Forbidden: the Host header does not name this management listener (add it to management.allowed.hosts).');
    }
    await next();
  };
}
