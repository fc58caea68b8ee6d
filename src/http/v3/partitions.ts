/**
 * v3 partitions and replicas (Confluent's PartitionsResource, ListPartitionOffsetsAction,
 * ReplicasResource, SearchReplicasByBrokerAction): a topic's partitions, one partition, its
 * earliest and latest offsets, its replicas, and every replica one broker hosts. Reassignments
 * (reassignments.ts) are registered first, so their `-` wildcards win over a partition id.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import type { Admin } from '../../kafka/client.ts';
import { brokerExists, partitionOffsets, replicasOfBroker } from '../../kafka/v3/partitions.ts';
import { describeTopic, type PartitionDescription, type ReplicaDescription } from '../../kafka/v3/topics.ts';
import { intParam } from './path-params.ts';
import { registerReassignmentRoutes } from './reassignments.ts';
import type { V3Links } from './resources.ts';
import type { V3 } from './routes.ts';
import { existingTopic } from './topics.ts';

/** The only offset type Confluent knows (and its default). */
const EARLIEST_AND_LATEST = 'earliest_and_latest';

export function registerPartitionRoutes(router: Router, v3: V3): void {
  const admin = () => v3.services.metadata.connectedAdmin();
  registerReassignmentRoutes(router, v3);

  router.get('/clusters/:cluster_id/topics/:topic_name/partitions', async (ctx) => {
    const links = await v3.links(ctx);
    const topic = await existingTopic(ctx, await admin());
    const data = topic.partitions.map((p) => partitionData(links, topic.name, p));
    ctx.body = links.collection('KafkaPartitionList', links.url('topics', topic.name, 'partitions'), data);
  });

  router.get('/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id', async (ctx) => {
    const partitionId = intParam(ctx.params.partition_id);
    const links = await v3.links(ctx);
    const partition = await partitionOf(ctx, await admin(), partitionId);
    if (!partition) throw Errors.notFound();
    ctx.body = partitionData(links, ctx.params.topic_name!, partition);
  });

  router.get('/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/offset', async (ctx) => {
    const partitionId = intParam(ctx.params.partition_id);
    // Confluent checks the type before anything else (the cluster included).
    const offsetType = [ctx.query.offset_type].flat()[0] ?? EARLIEST_AND_LATEST;
    if (offsetType !== EARLIEST_AND_LATEST) throw new RestError(ErrorCode.BadRequest, `offset_type:${offsetType} is invalid`);
    const links = await v3.links(ctx);
    const kafka = await admin();
    const topic = ctx.params.topic_name!;
    const offsets = (await partitionOf(ctx, kafka, partitionId)) ? await partitionOffsets(kafka, topic, partitionId) : null;
    if (!offsets) throw Errors.partitionNotFound();
    const path = ['topics', topic, 'partitions', partitionId] as const;
    ctx.body = links.resource(
      'KafkaPartitionWithOffsets',
      links.url(...path, 'offset'),
      links.crn(['topic', topic], ['partition', partitionId], ['offset_type', offsetType]),
      { cluster_id: links.clusterId, topic_name: topic, partition_id: partitionId, earliest_offset: offsets.earliest, latest_offset: offsets.latest },
    );
  });

  router.get('/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/replicas', async (ctx) => {
    const partitionId = intParam(ctx.params.partition_id);
    const links = await v3.links(ctx);
    const topic = ctx.params.topic_name!;
    const partition = await replicatedPartition(ctx, await admin(), links, partitionId);
    const data = partition.replicas.map((r) => replicaData(links, topic, partitionId, r));
    ctx.body = links.collection('KafkaReplicaList', links.url('topics', topic, 'partitions', partitionId, 'replicas'), data);
  });

  router.get('/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/replicas/:broker_id', async (ctx) => {
    const partitionId = intParam(ctx.params.partition_id);
    const brokerId = intParam(ctx.params.broker_id);
    const links = await v3.links(ctx);
    const partition = await replicatedPartition(ctx, await admin(), links, partitionId);
    const replica = partition.replicas.find((r) => r.brokerId === brokerId);
    if (!replica) throw Errors.notFound();
    ctx.body = replicaData(links, ctx.params.topic_name!, partitionId, replica);
  });

  router.get('/clusters/:cluster_id/brokers/:broker_id/partition-replicas', async (ctx) => {
    const brokerId = intParam(ctx.params.broker_id);
    const links = await v3.links(ctx);
    const kafka = await admin();
    if (!(await brokerExists(kafka, brokerId))) throw new RestError(ErrorCode.NotFound, `Broker ${brokerId} cannot be found.`);
    const data = (await replicasOfBroker(kafka, brokerId)).map((r) => replicaData(links, r.topic, r.partitionId, r));
    ctx.body = links.collection('KafkaReplicaList', links.url('brokers', brokerId, 'partition-replicas'), data);
  });
}

/** The `KafkaPartition` resource; `leader` links to the leader's replica, null without one. */
export function partitionData(links: V3Links, topic: string, partition: PartitionDescription) {
  const id = partition.partitionId;
  return links.resource('KafkaPartition', links.url('topics', topic, 'partitions', id), links.crn(['topic', topic], ['partition', id]), {
    cluster_id: links.clusterId,
    topic_name: topic,
    partition_id: id,
    leader: partition.leader === null ? null : links.related('topics', topic, 'partitions', id, 'replicas', partition.leader),
    replicas: links.related('topics', topic, 'partitions', id, 'replicas'),
    reassignment: links.related('topics', topic, 'partitions', id, 'reassignment'),
  });
}

/** The `KafkaReplica` resource. */
export function replicaData(links: V3Links, topic: string, partitionId: number, replica: ReplicaDescription) {
  const id = replica.brokerId;
  return links.resource(
    'KafkaReplica',
    links.url('topics', topic, 'partitions', partitionId, 'replicas', id),
    links.crn(['topic', topic], ['partition', partitionId], ['replica', id]),
    {
      cluster_id: links.clusterId,
      topic_name: topic,
      partition_id: partitionId,
      broker_id: id,
      is_leader: replica.leader,
      is_in_sync: replica.inSync,
      broker: links.related('brokers', id),
    },
  );
}

/**
 * One partition of the request's topic, or null when the topic lacks it. A missing topic is
 * 404/40403 in the words Confluent's PartitionManager wraps Kafka's error in.
 */
async function partitionOf(ctx: Context, admin: Admin, partitionId: number): Promise<PartitionDescription | null> {
  const topic = ctx.params.topic_name!;
  const described = await describeTopic(admin, topic);
  if (!described) {
    throw new RestError(
      ErrorCode.UnknownTopicOrPartition,
      `This server does not host topic-partition ${partitionId} for topic ${topic}. Error: This server does not host this topic-partition.`,
    );
  }
  return described.partitions.find((p) => p.partitionId === partitionId) ?? null;
}

/** The partition whose replicas are asked for; Confluent's ReplicaManager words a missing one. */
async function replicatedPartition(ctx: Context, admin: Admin, links: V3Links, partitionId: number): Promise<PartitionDescription> {
  const partition = await partitionOf(ctx, admin, partitionId);
  if (!partition) {
    throw new RestError(ErrorCode.NotFound, `Partition ${partitionId} of topic ${ctx.params.topic_name!} could not be found on cluster ${links.clusterId}.`);
  }
  return partition;
}
