/**
 * v3 topic configs (Confluent's TopicConfigsResource, AlterTopicConfigBatchAction,
 * ListAllTopicsConfigsAction, AlterMultipleTopicsConfigsBatchAction). A topic the cluster does
 * not have is 404/40403, as Java's admin reports it. The multi-topic alter checks every topic and
 * every config name first (a 404 stops the whole request, changing nothing), then alters them in
 * one request, each topic on its own: 204 when all took it, else 207 `{"failures": [{topic_name,
 * error_code, message}]}` naming the topics Kafka refused, in Kafka's words, the others altered.
 */
import type Router from '@koa/router';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import { describeKafkaError } from '../../kafka/kafka-error.ts';
import {
  alterConfigs,
  alterEach,
  configNotFound,
  describeConfigs,
  describeEach,
  topicResource,
  type AlterCommand,
  type Config,
} from '../../kafka/v3/configs.ts';
import { listTopics } from '../../kafka/v3/topics.ts';
import { configData, configList, noContent, type ConfigOwner } from './configs-data.ts';
import { readAlterBatch, readAlterTopicsBatch, readUpdate } from './configs-requests.ts';
import type { V3Links } from './resources.ts';
import type { V3 } from './routes.ts';
import { unknownTopic } from './topics.ts';

const ALL_TOPICS = '/clusters/:cluster_id/topics/-/configs';
const CONFIGS = '/clusters/:cluster_id/topics/:topic_name/configs';
const CONFIG = `${CONFIGS}/:name`;

const owner = (topic: string): ConfigOwner => ({
  kind: 'KafkaTopicConfig',
  fields: { topic_name: topic },
  path: ['topics', topic, 'configs'],
  crn: [['topic', topic]],
  configCrnType: 'config',
});

export function registerTopicConfigRoutes(router: Router, v3: V3): void {
  const admin = () => v3.services.metadata.connectedAdmin();

  // `-` (every topic) before `:topic_name`, which would take it for a topic's name.
  router.get(ALL_TOPICS, async (ctx) => {
    const links = await v3.links(ctx);
    const kafka = await admin();
    const names = (await listTopics(kafka)).map((topic) => topic.name);
    const described = await topicsKnown(describeEach(kafka, names.map(topicResource)));
    const data = names.flatMap((topic, i) => described[i]!.map((config) => configData(links, owner(topic), config)));
    ctx.body = links.collection('KafkaTopicConfigList', links.url('topics', '-', 'configs'), data);
  });

  router.post(`${ALL_TOPICS}\\:alter`, async (ctx) => {
    const batch = readAlterTopicsBatch(await v3.body(ctx));
    const links = await v3.links(ctx);
    const kafka = await admin();
    const topics = [...batch.topics];
    const described = await topicsKnown(describeEach(kafka, topics.map(([topic]) => topicResource(topic))));
    topics.forEach(([topic, commands], i) => checkNames(links, topic, described[i]!, commands));
    // One request for every topic, as Confluent's admin sends it; Kafka answers for each.
    const refusals = await alterEach(v3.services.metadata, topics.map(([topic, commands]) => ({ resource: topicResource(topic), commands })), batch.validateOnly);
    const failures = refusals.flatMap((refusal, i) => (refusal ? [failureOf(topics[i]![0], refusal)] : []));
    if (failures.length === 0) return noContent(ctx);
    ctx.status = 207;
    ctx.body = { failures };
  });

  router.get(CONFIGS, async (ctx) => {
    const links = await v3.links(ctx);
    const topic = ctx.params.topic_name!;
    ctx.body = configList(links, owner(topic), await topicsKnown(describeConfigs(await admin(), topicResource(topic))));
  });

  router.post(`${CONFIGS}\\:alter`, async (ctx) => {
    const batch = readAlterBatch(await v3.body(ctx));
    await alter(await v3.links(ctx), ctx.params.topic_name!, batch.commands, batch.validateOnly);
    noContent(ctx);
  });

  router.get(CONFIG, async (ctx) => {
    const links = await v3.links(ctx);
    const topic = ctx.params.topic_name!;
    const config = (await topicsKnown(describeConfigs(await admin(), topicResource(topic)))).find((c) => c.name === ctx.params.name);
    if (!config) throw Errors.notFound();
    ctx.body = configData(links, owner(topic), config);
  });

  router.put(CONFIG, async (ctx) => {
    const value = readUpdate(await v3.body(ctx), 'UpdateTopicConfigRequest');
    await alter(await v3.links(ctx), ctx.params.topic_name!, [{ operation: 'SET', name: ctx.params.name!, value }], false);
    noContent(ctx);
  });

  router.delete(CONFIG, async (ctx) => {
    await alter(await v3.links(ctx), ctx.params.topic_name!, [{ operation: 'DELETE', name: ctx.params.name! }], false);
    noContent(ctx);
  });

  async function alter(links: V3Links, topic: string, commands: AlterCommand[], validateOnly: boolean): Promise<void> {
    await topicsKnown(alterConfigs(v3.services.metadata, topicResource(topic), commands, { validateOnly, clusterIdForNotFound: links.clusterId }));
  }
}

/** Confluent's pre-validation: a name the topic does not have stops the whole request. */
function checkNames(links: V3Links, topic: string, configs: readonly Config[], commands: readonly AlterCommand[]): void {
  const known = new Set(configs.map((c) => c.name));
  const unknown = commands.find((c) => !known.has(c.name));
  if (unknown) throw configNotFound(unknown.name, topicResource(topic), links.clusterId);
}

/** Kafka's UnknownTopicOrPartition in Java's words (kafkajs drops the final period). */
async function topicsKnown<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (error) {
    if (!(error instanceof RestError) && describeKafkaError(error).errorCode === ErrorCode.UnknownTopicOrPartition) throw unknownTopic();
    throw error;
  }
}

/** One topic's refusal, as Confluent's StreamingResponse words an error. */
function failureOf(topic: string, error: unknown): { topic_name: string; error_code: number; message: string } {
  if (error instanceof RestError) return { topic_name: topic, error_code: error.errorCode, message: error.message };
  const { errorCode, message } = describeKafkaError(error);
  return { topic_name: topic, error_code: errorCode, message };
}
