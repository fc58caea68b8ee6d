/**
 * The Koa application: request log → error envelope → routes. Handlers turn REST calls into
 * calls on the actor layer and the cluster metadata service; they never hold a Kafka client.
 */
import Router from '@koa/router';
import Koa, { type Context, type Middleware } from 'koa';
import type { Logger } from 'pino';
import type { ClusterMetadata } from '../kafka/cluster-metadata.ts';
import { readJsonBody } from './body.ts';
import { errorHandler } from './error-handler.ts';
import { requestLog } from './request-log.ts';
import { registerMetadataRoutes } from './v2/metadata.ts';
import { registerProduceRoutes, type Producer } from './v2/produce.ts';
import { registerConsumerRoutes } from './v2/consumers.ts';
import type { ConsumerDefaults, SubscriptionLimits } from './v2/consumer-requests.ts';
import { registerSimpleConsumerRoute } from './v2/messages.ts';
import type { ConsumerPort } from '../actors/consumer/protocol.ts';
import type { FetcherPool } from '../kafka/fetcher-pool.ts';
import { Errors } from '../errors.ts';
import type { ReadinessProbe } from '../observability/readiness.ts';
import type { ProxyMetrics } from '../observability/metrics.ts';
import type { SchemaCodecs } from '../codecs/schema-codecs.ts';
import { registerHealthRoutes } from './health.ts';
import { registerV3Routes } from './v3/routes.ts';
import type { V3ProduceServices } from './v3/produce.ts';
import { cors, type CorsSettings } from './cors.ts';
import { connectionLimit, rateLimit, type RequestRateLimit } from './rate-limit/middleware.ts';

export interface RequestBody {
  read(ctx: Context): Promise<unknown>;
}

export interface AppServices {
  readiness: ReadinessProbe;
  metrics: ProxyMetrics;
  schemas: SchemaCodecs;
  metadata: ClusterMetadata;
  producer: Producer;
  consumers: ConsumerPort;
  /** The simple consumer's fetchers (simpleconsumer.pool.*). */
  simpleConsumers: FetcherPool;
  consumerDefaults: ConsumerDefaults;
  subscriptionLimits: SubscriptionLimits;
  advertisedListeners: URL[];
  /** How long the simple consumer waits for records, and its response size cap. */
  simpleConsumer: { waitMs: number; maxBytes: number };
  logger: Logger;
  requestBodyMaxBytes: number;
  /** API v3 on or off (`api.v3.enable`), and the authority of its resource names. */
  v3: { enable: boolean; resourceNameAuthority: string };
  /** What v3 produce needs beyond the producer pool and codecs. */
  v3Produce: V3ProduceServices;
  /** `access.control.*`: CORS, answered before authentication. */
  cors: CorsSettings;
  /** `rate.limit.*` (null: off) and `server.connection.limit` (0: none). */
  limits: { requestRate: RequestRateLimit | null; connections: number };
  /** Authentication (sets ctx.state.principal) and the produce Content-Type rule; see auth/setup.ts. */
  authentication?: readonly Middleware[];
}

export function createApp(services: AppServices): Koa {
  const app = new Koa();
  app.silent = true; // errors are logged by the request log and the error handler

  const body: RequestBody = { read: (ctx) => readJsonBody(ctx.req, services.requestBodyMaxBytes) };
  const router = new Router();
  registerMetadataRoutes(router, services.metadata, body);
  registerHealthRoutes(router, services.readiness);
  registerProduceRoutes(router, services.producer, body, services.schemas);
  registerSimpleConsumerRoute(router, {
    metadata: services.metadata,
    fetchers: services.simpleConsumers,
    metrics: services.metrics,
    ...services.simpleConsumer,
  });
  registerConsumerRoutes(router, {
    consumers: services.consumers,
    body,
    defaults: services.consumerDefaults,
    subscriptionLimits: services.subscriptionLimits,
    advertisedListeners: services.advertisedListeners,
    answerWithinMs: 60_000,
  });
  if (services.v3.enable) registerV3Routes(router, {
    resourceNameAuthority: services.v3.resourceNameAuthority,
    metadata: services.metadata,
    body,
    advertisedListeners: services.advertisedListeners,
    logger: services.logger,
    produce: services.v3Produce,
  });

  app.use(requestLog(services.logger));
  app.use(services.metrics.httpMiddleware()); // outside the error handler: it sees the final status
  app.use(errorHandler);
  if (services.cors.allowOrigins.length > 0) app.use(cors(services.cors));
  if (services.limits.connections > 0) app.use(connectionLimit(services.limits.connections));
  for (const middleware of services.authentication ?? []) app.use(middleware);
  if (services.limits.requestRate) app.use(rateLimit(services.limits.requestRate));
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
