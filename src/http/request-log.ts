/**
 * One pino line per request with a request id (taken from X-Request-Id when the client sends one,
 * echoed back either way), and a child logger on ctx.log so every line about a request carries it.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';

declare module 'koa' {
  interface BaseContext {
    log: Logger;
    requestId: string;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function requestLog(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const given = ctx.get('x-request-id');
    ctx.requestId = REQUEST_ID.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', ctx.requestId);
    ctx.log = logger.child({ reqId: ctx.requestId });
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.log.info(
        { method: ctx.method, url: ctx.originalUrl, status: ctx.status, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    }
  };
}
