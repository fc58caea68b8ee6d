/**
 * v3 consumer groups, their consumers and the consumers' assignments (Confluent's
 * ConsumerGroupsResource, ConsumersResource, ConsumerAssignmentsResource). Read-only: what the
 * group coordinator says now. Lags are in consumer-lags.ts. Unknown ids answer Confluent's 404s,
 * word for word: the manager's message where Confluent's manager checks, Jersey's plain
 * "HTTP 404 Not Found" where its resource does.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { Errors, ErrorCode, RestError } from '../../errors.ts';
import type { TopicPartition } from '../../kafka/topic-partition.ts';
import { getConsumerGroup, listConsumerGroups, type ConsumerGroup, type GroupMember } from '../../kafka/v3/groups.ts';
import { intParam } from './path-params.ts';
import { registerConsumerLagRoutes } from './consumer-lags.ts';
import type { V3Links } from './resources.ts';
import type { V3 } from './routes.ts';

const GROUPS = '/clusters/:cluster_id/consumer-groups';
const GROUP = `${GROUPS}/:consumer_group_id`;
const CONSUMER = `${GROUP}/consumers/:consumer_id`;

export function registerConsumerGroupRoutes(router: Router, v3: V3): void {
  const admin = () => v3.services.metadata.connectedAdmin();

  router.get(GROUPS, async (ctx) => {
    const links = await v3.links(ctx);
    const groups = await listConsumerGroups(await admin());
    ctx.body = links.collection(
      'KafkaConsumerGroupList',
      links.url('consumer-groups'),
      groups.map((group) => consumerGroupData(links, group)),
    );
  });

  router.get(GROUP, async (ctx) => {
    const links = await v3.links(ctx);
    const group = await getConsumerGroup(await admin(), ctx.params.consumer_group_id!);
    if (!group) throw Errors.notFound();
    ctx.body = consumerGroupData(links, group);
  });

  router.get(`${GROUP}/consumers`, async (ctx) => {
    const links = await v3.links(ctx);
    const group = await existingGroup(ctx);
    ctx.body = links.collection(
      'KafkaConsumerList',
      links.url('consumer-groups', group.groupId, 'consumers'),
      group.consumers.map((consumer) => consumerData(links, group.groupId, consumer)),
    );
  });

  router.get(CONSUMER, async (ctx) => {
    const links = await v3.links(ctx);
    const group = await existingGroup(ctx);
    const consumer = group.consumers.find((c) => c.consumerId === ctx.params.consumer_id);
    if (!consumer) throw Errors.notFound();
    ctx.body = consumerData(links, group.groupId, consumer);
  });

  router.get(`${CONSUMER}/assignments`, async (ctx) => {
    const links = await v3.links(ctx);
    const { group, consumer } = await existingConsumer(ctx);
    ctx.body = links.collection(
      'KafkaConsumerAssignmentList',
      links.url('consumer-groups', group.groupId, 'consumers', consumer.consumerId, 'assignments'),
      consumer.assignments.map((tp) => assignmentData(links, group.groupId, consumer.consumerId, tp)),
    );
  });

  router.get(`${CONSUMER}/assignments/:topic_name/partitions/:partition_id`, async (ctx) => {
    const links = await v3.links(ctx);
    const { group, consumer } = await existingConsumer(ctx);
    const topic = ctx.params.topic_name!;
    const partition = intParam(ctx.params.partition_id);
    const assignment = consumer.assignments.find((tp) => tp.topic === topic && tp.partition === partition);
    if (!assignment) throw Errors.notFound();
    ctx.body = assignmentData(links, group.groupId, consumer.consumerId, assignment);
  });

  /** The group of a consumers request: Confluent's ConsumerManager words its absence so. */
  async function existingGroup(ctx: Context): Promise<ConsumerGroup> {
    const groupId = ctx.params.consumer_group_id!;
    const group = await getConsumerGroup(await admin(), groupId);
    if (!group) throw new RestError(ErrorCode.NotFound, `Consumer Group ${groupId} does not exist.`);
    return group;
  }

  async function existingConsumer(ctx: Context): Promise<{ group: ConsumerGroup; consumer: GroupMember }> {
    const group = await existingGroup(ctx);
    const consumerId = ctx.params.consumer_id!;
    const consumer = group.consumers.find((c) => c.consumerId === consumerId);
    if (!consumer) throw new RestError(ErrorCode.NotFound, `Consumer ${consumerId} does not exist.`);
    return { group, consumer };
  }

  registerConsumerLagRoutes(router, v3);
}

function consumerGroupData(links: V3Links, group: ConsumerGroup) {
  const id = group.groupId;
  return links.resource('KafkaConsumerGroup', links.url('consumer-groups', id), links.crn(['consumer-group', id]), {
    cluster_id: links.clusterId,
    consumer_group_id: id,
    is_simple: group.isSimple,
    partition_assignor: group.partitionAssignor,
    state: group.state,
    type: group.type,
    is_mixed_consumer_group: group.isMixedConsumerGroup,
    // Null only in the moment its offsets partition has no leader (Confluent has no such moment).
    coordinator: group.coordinator === null ? null : links.related('brokers', group.coordinator),
    consumers: links.related('consumer-groups', id, 'consumers'),
    lag_summary: links.related('consumer-groups', id, 'lag-summary'),
  });
}

function consumerData(links: V3Links, groupId: string, consumer: GroupMember) {
  const id = consumer.consumerId;
  return links.resource(
    'KafkaConsumer',
    links.url('consumer-groups', groupId, 'consumers', id),
    links.crn(['consumer-group', groupId], ['consumer', id]),
    {
      cluster_id: links.clusterId,
      consumer_group_id: groupId,
      consumer_id: id,
      instance_id: consumer.instanceId,
      client_id: consumer.clientId,
      assignments: links.related('consumer-groups', groupId, 'consumers', id, 'assignments'),
    },
  );
}

function assignmentData(links: V3Links, groupId: string, consumerId: string, { topic, partition }: TopicPartition) {
  return links.resource(
    'KafkaConsumerAssignment',
    links.url('consumer-groups', groupId, 'consumers', consumerId, 'assignments', topic, 'partitions', partition),
    links.crn(['consumer-group', groupId], ['consumer', consumerId], ['assignment', topic], ['partition', partition]),
    {
      cluster_id: links.clusterId,
      consumer_group_id: groupId,
      consumer_id: consumerId,
      topic_name: topic,
      partition_id: partition,
      partition: links.related('topics', topic, 'partitions', partition),
      lag: links.related('consumer-groups', groupId, 'lags', topic, 'partitions', partition),
    },
  );
}
