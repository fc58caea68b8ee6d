/**
 * A listener that cannot be bound is a deployment mistake, not a bug: one sentence naming the
 * address, the setting it came from and what to do. Used both before anything starts (so a second
 * copy fails at once rather than after starting a broker) and when a listener is actually opened.
 */
import { createServer } from 'node:net';
import { StartupError } from '../startup-error.ts';

export const listenPort = (url: URL): number => Number(url.port || (url.protocol === 'https:' ? 443 : 80));
export const listenHost = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '');

export function listenError(url: URL, setting: string, error: NodeJS.ErrnoException): Error {
  const address = `${listenHost(url)}:${listenPort(url)}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new StartupError(`${address} (${setting}) is already in use — another kafka-rest, or another server: stop it, or change ${setting}`, { cause: error });
    case 'EACCES':
      return new StartupError(`not allowed to listen on ${address} (${setting}): ports below 1024 need privileges; choose another port in ${setting}`, { cause: error });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new StartupError(`${listenHost(url)} (${setting}) is not an address of this machine: use one of its addresses, or 0.0.0.0`, { cause: error });
    default:
      return error;
  }
}

/** Binds and releases each URL's address; throws listenError for the first that cannot be bound. */
export async function assertCanListen(urls: readonly URL[], setting: string): Promise<void> {
  for (const url of urls) {
    if (listenPort(url) === 0) continue;
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(url, setting, error)));
      server.listen({ port: listenPort(url), host: listenHost(url), exclusive: true }, () => server.close(() => resolve()));
    });
  }
}
