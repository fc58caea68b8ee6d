/**
 * The Koa application: request log → error envelope → routes. Handlers turn REST calls into
 * calls on the actor layer and the cluster metadata service; they never hold a Kafka client.
 */
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import type { Logger } from 'pino';
import type { ClusterMetadata } from '../kafka/cluster-metadata.ts';
import { readJsonBody } from './body.ts';
import { errorHandler } from './error-handler.ts';
import { requestLog } from './request-log.ts';
import { registerMetadataRoutes } from './v2/metadata.ts';
import { registerProduceRoutes, type Producer } from './v2/produce.ts';
import { Errors } from '../errors.ts';

export interface RequestBody {
  read(ctx: Context): Promise<unknown>;
}

export interface AppServices {
  metadata: ClusterMetadata;
  producer: Producer;
  logger: Logger;
  requestBodyMaxBytes: number;
}

export function createApp(services: AppServices): Koa {
  const app = new Koa();
  app.proxy = true;
  app.silent = true; // errors are logged by the request log and the error handler

  const body: RequestBody = { read: (ctx) => readJsonBody(ctx.req, services.requestBodyMaxBytes) };
  const router = new Router();
  registerMetadataRoutes(router, services.metadata, body);
  registerProduceRoutes(router, services.producer, body);

  app.use(requestLog(services.logger));
  app.use(errorHandler);
  app.use(router.routes());
  app.use(
    router.allowedMethods({
      throw: true,
      methodNotAllowed: () => Errors.methodNotAllowed(),
      notImplemented: () => Errors.methodNotAllowed(),
    }),
  );
  return app;
}
