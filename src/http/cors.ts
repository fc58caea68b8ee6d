/**
 * CORS with rest-utils' keys, behaving like the Jetty CrossOriginFilter Confluent installs:
 * `access.control.allow.origin` (a comma list of origins, `*` for any, `*` inside an entry as a
 * wildcard: `https://*.example.com`), `access.control.allow.methods` (Jetty's default
 * GET,POST,HEAD) and `access.control.allow.headers` (Jetty's default
 * X-Requested-With,Content-Type,Accept,Origin). Empty allow.origin: no CORS at all.
 *
 * A preflight (OPTIONS with Origin and Access-Control-Request-Method) from an allowed origin is
 * answered here, 204, before authentication and before the router (which would say 405); one
 * from another origin goes on to the router like any OPTIONS. Every other request from an allowed
 * origin, GET included, gets Access-Control-Allow-Origin on its answer, errors too.
 *
 * One departure from Jetty, for safety: with `*` the answer is `Access-Control-Allow-Origin: *`
 * without credentials (Jetty echoes any origin and allows credentials, which would let every web
 * page use a browser's stored Basic credentials); a listed origin is echoed, with
 * `Access-Control-Allow-Credentials: true` and `Vary: Origin`.
 */
import type { Middleware } from 'koa';

export interface CorsSettings {
  /** Empty: CORS off. */
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
}

export const JETTY_ALLOWED_METHODS = ['GET', 'POST', 'HEAD'] as const;
export const JETTY_ALLOWED_HEADERS = ['X-Requested-With', 'Content-Type', 'Accept', 'Origin'] as const;
/** Jetty's preflightMaxAge: how long a browser may cache a preflight answer (s). */
const PREFLIGHT_MAX_AGE = '1800';

const escapeRegExp = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
const originPattern = (origin: string) => new RegExp(`^${origin.split('*').map(escapeRegExp).join('.*')}$`, 'i');
const splitHeader = (value: string) => value.split(',').map((v) => v.trim()).filter((v) => v !== '');

export function cors(settings: CorsSettings): Middleware {
  const anyOrigin = settings.allowOrigins.includes('*');
  const patterns = settings.allowOrigins.filter((o) => o !== '*').map(originPattern);
  const methods = settings.allowMethods.length > 0 ? settings.allowMethods : JETTY_ALLOWED_METHODS;
  const headers = settings.allowHeaders.length > 0 ? settings.allowHeaders : JETTY_ALLOWED_HEADERS;
  const anyHeader = headers.includes('*');
  const allowedHeaders = new Set(headers.map((h) => h.toLowerCase()));
  const allowedMethods = new Set(methods.map((m) => m.toUpperCase()));

  return async (ctx, next) => {
    const origin = ctx.get('origin');
    if (!anyOrigin) ctx.vary('Origin'); // caches must not serve one origin's answer to another
    const allowed = origin !== '' && (anyOrigin || patterns.some((p) => p.test(origin)));
    if (!allowed) return next();

    ctx.set('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    if (!anyOrigin) ctx.set('Access-Control-Allow-Credentials', 'true');
    const requestedMethod = ctx.get('access-control-request-method');
    if (ctx.method !== 'OPTIONS' || requestedMethod === '') return next();

    // A preflight: answered here. An unlisted method or header gets no Allow-* headers: the browser refuses.
    ctx.status = 204;
    const requestedHeaders = splitHeader(ctx.get('access-control-request-headers'));
    if (!allowedMethods.has(requestedMethod.toUpperCase())) return;
    if (!anyHeader && !requestedHeaders.every((h) => allowedHeaders.has(h.toLowerCase()))) return;
    ctx.set('Access-Control-Allow-Methods', methods.join(','));
    ctx.set('Access-Control-Allow-Headers', anyHeader ? requestedHeaders.join(',') : headers.join(','));
    ctx.set('Access-Control-Max-Age', PREFLIGHT_MAX_AGE);
  };
}
