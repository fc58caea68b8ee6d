/**
 * Which client set a request uses. With principal propagation, the propagation middleware runs
 * the rest of a request inside `withClients(principal's set)`; the HTTP layer holds `scoped`
 * stand-ins for the producer pool, metadata, partitions and fetcher, which forward each call to
 * the current request's set, or to the proxy's own outside one. Handlers stay as they are: they
 * never learn whose clients they use, and cannot pick the wrong ones.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ClientSet } from './client-set.ts';

const current = new AsyncLocalStorage<ClientSet>();

/** Runs `work` (and everything it starts) with `clients` as the current set. */
export function withClients<T>(clients: ClientSet, work: () => T): T {
  return current.run(clients, work);
}

/** A stand-in for `own` whose every member is looked up, at use, on the current set's counterpart. */
export function scoped<T extends object>(own: T, counterpart: (clients: ClientSet) => T, onOwnUse?: () => void): T {
  return forwarding(own, () => {
    const clients = current.getStore();
    if (clients) return counterpart(clients);
    onOwnUse?.();
    return own;
  });
}

/** A stand-in (shaped like `shape`) whose every member is looked up, at use, on `resolve()`'s object. */
export function forwarding<T extends object>(shape: T, resolve: () => T): T {
  return new Proxy(shape, {
    get(_, property) {
      const chosen = resolve();
      const value: unknown = Reflect.get(chosen, property, chosen);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(chosen) : value;
    },
  });
}
