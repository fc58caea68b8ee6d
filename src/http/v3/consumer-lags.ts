/**
 * v3 consumer lags and a group's lag summary (Confluent's ConsumerLagsResource and
 * ConsumerGroupLagSummariesResource), from the group's committed offsets and its partitions'
 * end offsets. A group that never committed answers 404, as in Confluent.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { Errors, ErrorCode, RestError } from '../../errors.ts';
import { getConsumerGroup } from '../../kafka/v3/groups.ts';
import { consumerLags, lagSummary, type ConsumerLag } from '../../kafka/v3/lag.ts';
import { intParam } from './path-params.ts';
import type { V3Links } from './resources.ts';
import type { V3 } from './routes.ts';

const GROUP = '/clusters/:cluster_id/consumer-groups/:consumer_group_id';

const notFound = (message: string) => new RestError(ErrorCode.NotFound, message);

export function registerConsumerLagRoutes(router: Router, v3: V3): void {
  router.get(`${GROUP}/lags`, async (ctx) => {
    const links = await v3.links(ctx);
    const { groupId, lags } = await groupLags(ctx);
    if (lags.length === 0) throw notFound('Consumer lags not found.');
    // Confluent's order: most lag first, then topic, then partition.
    const ordered = [...lags].sort((a, b) => b.lag - a.lag || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    ctx.body = links.collection(
      'KafkaConsumerLagList',
      links.url('consumer-groups', groupId, 'lags'),
      ordered.map((lag) => consumerLagData(links, groupId, lag)),
    );
  });

  router.get(`${GROUP}/lags/:topic_name/partitions/:partition_id`, async (ctx) => {
    const links = await v3.links(ctx);
    const topic = ctx.params.topic_name!;
    const partition = intParam(ctx.params.partition_id);
    const { groupId, lags } = await groupLags(ctx);
    const lag = lags.find((l) => l.topic === topic && l.partition === partition);
    if (!lag) throw Errors.notFound();
    ctx.body = consumerLagData(links, groupId, lag);
  });

  router.get(`${GROUP}/lag-summary`, async (ctx) => {
    const links = await v3.links(ctx);
    const { groupId, lags } = await groupLags(ctx);
    const summary = lagSummary(lags);
    // Confluent fails with a 500 when no committed partition has an end offset; a 404 says more.
    if (!summary) throw notFound('Consumer lags not found.');
    ctx.body = links.resource(
      'KafkaConsumerGroupLagSummary',
      links.url('consumer-groups', groupId, 'lag-summary'),
      // Confluent's CRN ends in a bare `lag-summary` segment, with no `=`.
      `${links.crn(['consumer-group', groupId])}/lag-summary`,
      {
        cluster_id: links.clusterId,
        consumer_group_id: groupId,
        max_lag_consumer_id: summary.maxLagConsumerId,
        max_lag_instance_id: summary.maxLagInstanceId,
        max_lag_client_id: summary.maxLagClientId,
        max_lag_topic_name: summary.maxLagTopicName,
        max_lag_partition_id: summary.maxLagPartitionId,
        max_lag: summary.maxLag,
        total_lag: summary.totalLag,
        max_lag_consumer: links.related('consumer-groups', groupId, 'consumers', summary.maxLagConsumerId),
        max_lag_partition: links.related('topics', summary.maxLagTopicName, 'partitions', summary.maxLagPartitionId),
      },
    );
  });

  /** The group's lags (maybe none); 404 with Confluent's words for an unknown group or no commits. */
  async function groupLags(ctx: Context): Promise<{ groupId: string; lags: ConsumerLag[] }> {
    const groupId = ctx.params.consumer_group_id!;
    const admin = await v3.services.metadata.connectedAdmin();
    const group = await getConsumerGroup(admin, groupId);
    if (!group) throw notFound(`Consumer Group ${groupId} could not be found.`);
    const lags = await consumerLags(admin, group);
    if (!lags) throw notFound('Consumer group offsets could not be found.');
    return { groupId, lags };
  }
}

function consumerLagData(links: V3Links, groupId: string, lag: ConsumerLag) {
  return links.resource(
    'KafkaConsumerLag',
    links.url('consumer-groups', groupId, 'lags', lag.topic, 'partitions', lag.partition),
    links.crn(['consumer-group', groupId], ['lag', lag.topic], ['partition', lag.partition]),
    {
      cluster_id: links.clusterId,
      consumer_group_id: groupId,
      topic_name: lag.topic,
      partition_id: lag.partition,
      consumer_id: lag.consumerId,
      instance_id: lag.instanceId,
      client_id: lag.clientId,
      current_offset: lag.currentOffset,
      log_end_offset: lag.logEndOffset,
      lag: lag.lag,
    },
  );
}
