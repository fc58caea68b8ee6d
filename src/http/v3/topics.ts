/**
 * v3 topics (Confluent's TopicsResource): list, create (201 with `Location`, 200 when only
 * validated), get, add partitions (PATCH) and delete. A topic is `KafkaTopic` with its counts and
 * links to its partitions, configs and reassignments; `authorized_operations` is always empty.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { ErrorCode, RestError } from '../../errors.ts';
import type { Admin } from '../../kafka/client.ts';
import { describeKafkaError } from '../../kafka/kafka-error.ts';
import { createTopic, deleteTopic, describeTopic, increasePartitions, listTopics, type TopicDescription } from '../../kafka/v3/topics.ts';
import type { V3Links } from './resources.ts';
import type { V3 } from './routes.ts';
import { createTopicRequest, partitionsCountRequest } from './topic-requests.ts';

export interface TopicSummary {
  name: string;
  internal: boolean;
  partitionsCount: number;
  replicationFactor: number;
}

export function registerTopicRoutes(router: Router, v3: V3): void {
  const admin = () => v3.services.metadata.connectedAdmin();

  router.get('/clusters/:cluster_id/topics', async (ctx) => {
    const links = await v3.links(ctx);
    const topics = await listTopics(await admin());
    ctx.body = links.collection('KafkaTopicList', links.url('topics'), topics.map((t) => topicData(links, summaryOf(t))));
  });

  router.post('/clusters/:cluster_id/topics', async (ctx) => {
    // Confluent reads and checks the body before it looks the cluster up.
    const request = createTopicRequest(await v3.body(ctx));
    const links = await v3.links(ctx);
    const created = await createTopic(await admin(), request).catch(asBadRequest);
    if (!created) throw new RestError(ErrorCode.KafkaBadRequest, `Topic '${request.name}' already exists.`);
    const data = topicData(links, { name: request.name, internal: false, ...created });
    ctx.status = request.validateOnly ? 200 : 201;
    ctx.set('Location', data.metadata.self);
    ctx.body = data;
  });

  router.get('/clusters/:cluster_id/topics/:topic_name', async (ctx) => {
    const links = await v3.links(ctx);
    ctx.body = topicData(links, summaryOf(await existingTopic(ctx, await admin())));
  });

  router.patch('/clusters/:cluster_id/topics/:topic_name', async (ctx) => {
    const count = partitionsCountRequest(await v3.body(ctx));
    const links = await v3.links(ctx);
    const kafka = await admin();
    const topic = await existingTopic(ctx, kafka);
    await increasePartitions(kafka, topic.name, count);
    ctx.body = topicData(links, summaryOf(await existingTopic(ctx, kafka)));
  });

  router.delete('/clusters/:cluster_id/topics/:topic_name', async (ctx) => {
    await v3.links(ctx);
    const kafka = await admin();
    // Checked first: kafkajs retries the deletion of a missing topic for seconds before failing.
    const topic = await existingTopic(ctx, kafka);
    await deleteTopic(kafka, topic.name);
    ctx.status = 204;
  });
}

/** The `KafkaTopic` resource. */
export function topicData(links: V3Links, topic: TopicSummary) {
  const name = topic.name;
  return links.resource('KafkaTopic', links.url('topics', name), links.crn(['topic', name]), {
    cluster_id: links.clusterId,
    topic_name: name,
    is_internal: topic.internal,
    replication_factor: topic.replicationFactor,
    partitions_count: topic.partitionsCount,
    partitions: links.related('topics', name, 'partitions'),
    configs: links.related('topics', name, 'configs'),
    partition_reassignments: links.related('topics', name, 'partitions', '-', 'reassignment'),
    authorized_operations: [] as string[],
  });
}

/** Counts as Java's TopicManager takes them: the replication factor is the first partition's. */
export function summaryOf(topic: TopicDescription): TopicSummary {
  return {
    name: topic.name,
    internal: topic.internal,
    partitionsCount: topic.partitions.length,
    replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
  };
}

/** The `:topic_name` of the request, described; 404/40403 (Kafka's UnknownTopicOrPartition) when missing. */
export async function existingTopic(ctx: Context, admin: Admin): Promise<TopicDescription> {
  const topic = await describeTopic(admin, ctx.params.topic_name!);
  if (!topic) throw unknownTopic();
  return topic;
}

/** Java's admin client says this of a topic the cluster does not have. */
export const unknownTopic = () => new RestError(ErrorCode.UnknownTopicOrPartition, 'This server does not host this topic-partition.');

/** An assignment the controller refuses is the client's mistake (Confluent: 500/50002). */
function asBadRequest(error: unknown): never {
  const cause = error as { type?: string };
  if (cause?.type === 'INVALID_REPLICA_ASSIGNMENT') throw new RestError(ErrorCode.KafkaBadRequest, describeKafkaError(error).message);
  throw error;
}
