/**
 * API v3 (Confluent's `/v3`): JSON only, one cluster — the one behind `bootstrap.servers`. This
 * file mounts the resource modules and holds what they share: the cluster-id check (an unknown id
 * is 404 "Cluster <id> cannot be found."), the links of a request, and reading a JSON body.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { Errors, RestError, ErrorCode } from '../../errors.ts';
import type { ClusterMetadata } from '../../kafka/cluster-metadata.ts';
import type { RequestBody } from '../app.ts';
import { NO_BODY } from '../body.ts';
import { consumes, produces } from '../content.ts';
import { MediaType } from '../media-types.ts';
import { publicOrigin } from '../origin.ts';
import { V3Links } from './resources.ts';
import { registerAclRoutes } from './acls.ts';
import { registerClusterRoutes } from './clusters.ts';
import { registerConfigRoutes } from './configs.ts';
import { registerConsumerGroupRoutes } from './consumer-groups.ts';
import { registerPartitionRoutes } from './partitions.ts';
import { registerProduceRoutes, type V3ProduceServices } from './produce.ts';
import { registerTopicRoutes } from './topics.ts';

export interface V3Services {
  /** `confluent.resource.name.authority`: `crn://<authority>/…`. */
  resourceNameAuthority: string;
  metadata: ClusterMetadata;
  body: RequestBody;
  advertisedListeners: readonly URL[];
  logger: Logger;
  produce: V3ProduceServices;
}

/** What a v3 handler needs from its request: the cluster's links, its body. */
export interface V3 {
  readonly services: V3Services;
  /** Checks `:cluster_id` against the local cluster (404 when it is another) and gives its links. */
  links(ctx: Context): Promise<V3Links>;
  /** The request's JSON body; null when it is empty (handlers answer Confluent's 422 for that). */
  body(ctx: Context): Promise<unknown>;
}

export const JSON_ONLY = [{ type: MediaType.JSON, qs: 1 }] as const;

export function registerV3Routes(router: Router, services: V3Services): void {
  const v3 = new Router({ prefix: '/v3' });
  let clusterId: string | null = null;
  const localClusterId = async () => (clusterId ??= await services.metadata.clusterId());
  const api: V3 = {
    services,
    async links(ctx) {
      const local = await localClusterId();
      const asked = ctx.params.cluster_id;
      if (asked !== undefined && asked !== local) throw clusterNotFound(asked);
      return new V3Links(publicOrigin(ctx, services.advertisedListeners), local, services.resourceNameAuthority);
    },
    async body(ctx) {
      const payload = await services.body.read(ctx);
      return payload === NO_BODY ? null : payload;
    },
  };
  v3.use(produces(JSON_ONLY), jsonBodies);
  registerClusterRoutes(v3, api);
  registerConfigRoutes(v3, api);
  registerTopicRoutes(v3, api);
  registerPartitionRoutes(v3, api);
  registerConsumerGroupRoutes(v3, api);
  registerAclRoutes(v3, api);
  registerProduceRoutes(v3, api);
  router.use(v3.routes());
}

/** Bodies are JSON (415 otherwise; none given reads as JSON, as in Jersey). */
const json = consumes([MediaType.JSON]);
function jsonBodies(ctx: Context, next: Next): Promise<void> {
  return ctx.method === 'GET' || ctx.method === 'DELETE' ? next() : json(ctx, next);
}

export const clusterNotFound = (clusterId: string) => new RestError(ErrorCode.NotFound, `Cluster ${clusterId} cannot be found.`);

/** Confluent's answer to an empty body where data is required. */
export const emptyBody = () => new RestError(ErrorCode.InvalidPayload, 'Payload error. Request body is empty. Data is required.');

/** Confluent's v3 StatusCodeException: error_code is the HTTP status, the message `<title>: <detail>`. */
export const statusError = (status: number, title: string, detail: string) => new RestError(status, `${title}: ${detail}`);

export { Errors };
