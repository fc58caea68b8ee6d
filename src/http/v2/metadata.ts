/**
 * API v2 metadata: the root, brokers, topics and partitions (Confluent's RootResource,
 * BrokersResource, TopicsResource and PartitionsResource).
 */
import type Router from '@koa/router';
import type { ClusterMetadata } from '../../kafka/cluster-metadata.ts';
import { Errors } from '../../errors.ts';
import { consumes, produces } from '../content.ts';
import { MediaType, V2_RESPONSE } from '../media-types.ts';
import { partitionParam } from './params.ts';
import type { RequestBody } from '../app.ts';
import { NO_BODY } from '../body.ts';

export function registerMetadataRoutes(router: Router, metadata: ClusterMetadata, body: RequestBody): void {
  const v2 = produces(V2_RESPONSE);

  router.get('/', v2, (ctx) => {
    ctx.body = {};
  });

  router.post('/', consumes([MediaType.V2]), v2, async (ctx) => {
    const payload = await body.read(ctx);
    if (payload !== NO_BODY && (typeof payload !== 'object' || payload === null || Array.isArray(payload))) {
      throw Errors.badRequest('The request body must be a JSON object.');
    }
    ctx.body = {};
  });

  router.get('/brokers', v2, async (ctx) => {
    ctx.body = { brokers: await metadata.brokerIds() };
  });

  router.get('/topics', v2, async (ctx) => {
    ctx.body = await metadata.topicNames();
  });

  router.get('/topics/:topic', v2, async (ctx) => {
    const topic = await metadata.topic(ctx.params.topic!);
    if (!topic) throw Errors.topicNotFound(ctx.params.topic!);
    const configs = await metadata.topicConfigs(topic.name);
    ctx.body = { name: topic.name, configs, partitions: topic.partitions };
  });

  router.get('/topics/:topic/partitions', v2, async (ctx) => {
    const topic = await metadata.topic(ctx.params.topic!);
    if (!topic) throw Errors.topicNotFound(ctx.params.topic!);
    ctx.body = topic.partitions;
  });

  router.get('/topics/:topic/partitions/:partition', v2, async (ctx) => {
    const partition = partitionParam(ctx.params.partition);
    const topic = await metadata.topic(ctx.params.topic!);
    if (!topic) throw Errors.topicNotFound(ctx.params.topic!);
    const found = topic.partitions.find((p) => p.partition === partition);
    if (!found) throw Errors.partitionNotFound();
    ctx.body = found;
  });

  router.get('/topics/:topic/partitions/:partition/offsets', v2, async (ctx) => {
    const partition = partitionParam(ctx.params.partition);
    const topic = await metadata.topic(ctx.params.topic!);
    if (!topic) throw Errors.topicNotFound(ctx.params.topic!);
    if (!topic.partitions.some((p) => p.partition === partition)) throw Errors.partitionNotFound();
    const offsets = await metadata.partitionOffsets(topic.name, partition);
    if (!offsets) throw Errors.partitionNotFound();
    ctx.body = offsets;
  });
}
