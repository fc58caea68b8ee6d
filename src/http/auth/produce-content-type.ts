/**
 * With authentication on, a produce request must say what it sends: a cross-site HTML form can
 * post to the proxy with the browser's stored Basic credentials but cannot set a JSON media type,
 * so refusing a produce without Content-Type (415) closes that CSRF route. Jersey (and the proxy
 * without authentication) lets a missing Content-Type through as a wildcard.
 */
import type { Context, Next } from 'koa';
import { Errors } from '../../errors.ts';

/** v2 `POST /topics/{t}[/partitions/{p}]`, v3 `POST /v3/clusters/{c}/topics/{t}/records[:batch]`. */
const PRODUCE_PATHS = [/^\/topics\/[^/]+(\/partitions\/[^/]+)?\/?$/, /^\/v3\/clusters\/[^/]+\/topics\/[^/]+\/records(:batch)?\/?$/];

export function isProduceRequest(method: string, path: string): boolean {
  return method === 'POST' && PRODUCE_PATHS.some((p) => p.test(path));
}

export async function requireProduceContentType(ctx: Context, next: Next): Promise<void> {
  if (isProduceRequest(ctx.method, ctx.path) && !ctx.get('content-type').trim()) throw Errors.unsupportedMediaType();
  await next();
}
