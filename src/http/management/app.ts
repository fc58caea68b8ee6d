/**
 * The management listener: the actor inspector (page, JSON API and live event stream), Prometheus
 * metrics, the OpenAPI document and health checks. It is a separate listener, bound to loopback
 * by default, so none of this is exposed where the REST API is unless an operator chooses to.
 */
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { Logger } from 'pino';
import { Errors } from '../../errors.ts';
import type { Inspector } from '../../inspector/inspector.ts';
import type { ReadinessProbe } from '../../observability/readiness.ts';
import { errorHandler } from '../error-handler.ts';
import { registerHealthRoutes } from '../health.ts';
import { requestLog } from '../request-log.ts';
import { hostCheck } from './host-check.ts';

const PAGE = readFileSync(new URL('../../inspector/page.html', import.meta.url), 'utf8');
const KEEPALIVE_MS = 15_000;

export interface ManagementServices {
  inspector: Inspector | null;
  metrics: { contentType: string; render(): Promise<string> } | null;
  openApi: unknown;
  readiness: ReadinessProbe;
  logger: Logger;
  /** Host names the listener answers (host-check.ts); others get 403. */
  allowedHosts: ReadonlySet<string>;
  /** Authentication when management.authentication.enable (auth/setup.ts); after the Host check. */
  authentication?: readonly Middleware[];
}

export function createManagementApp(services: ManagementServices): Koa {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  registerHealthRoutes(router, services.readiness);

  if (services.openApi) {
    router.get('/openapi.json', (ctx) => {
      ctx.body = services.openApi;
    });
  }

  const { metrics } = services;
  if (metrics) {
    router.get('/metrics', async (ctx) => {
      ctx.type = metrics.contentType;
      ctx.body = await metrics.render();
    });
  }

  const { inspector } = services;
  if (inspector) {
    router.get('/inspector', (ctx) => {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = PAGE;
    });
    router.get('/inspector/api/actors', (ctx) => {
      ctx.body = inspector.list();
    });
    router.get('/inspector/api/cluster', (ctx) => {
      const cluster = inspector.cluster();
      if (!cluster) throw Errors.notFound();
      ctx.body = cluster;
    });
    router.get('/inspector/api/actors/:id', async (ctx) => {
      const detail = await inspector.detail(ctx.params.id!);
      if (!detail) throw Errors.notFound();
      ctx.body = detail;
    });
    router.get('/inspector/api/stream', (ctx) => {
      // Server-sent events: one `journal` event per journal entry, as it is written.
      const stream = new PassThrough();
      const send = (event: string, data: unknown) => stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const unsubscribe = inspector.subscribe((entry) => send('journal', entry));
      const keepalive = setInterval(() => stream.write(': keepalive\n\n'), KEEPALIVE_MS);
      const stop = () => {
        clearInterval(keepalive);
        unsubscribe();
        stream.end();
      };
      ctx.req.once('close', stop);
      ctx.set({ 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      ctx.type = 'text/event-stream';
      ctx.status = 200;
      ctx.body = stream;
      stream.write(': connected\n\n');
    });
  }

  app.use(requestLog(services.logger));
  app.use(errorHandler);
  app.use(hostCheck(services.allowedHosts)); // DNS rebinding: before any route
  for (const middleware of services.authentication ?? []) app.use(middleware);
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true, methodNotAllowed: () => Errors.methodNotAllowed() }));
  return app;
}
