/**
 * v3 partition reassignments in progress (Confluent's ListAllReassignmentsAction,
 * SearchReassignmentsByTopicAction, GetReassignmentAction): all of them, a topic's (empty for a
 * topic that does not exist), or one partition's (404 when it has none).
 *
 * Confluent's two lists spell their own and their entries' links `reassignments` (plural, a path
 * it does not serve) where the single resource says `reassignment`; the links here are spelled the
 * same way, since clients compare them.
 */
import type Router from '@koa/router';
import { Errors } from '../../errors.ts';
import { listReassignments, type Reassignment } from '../../kafka/v3/partitions.ts';
import { intParam } from './path-params.ts';
import type { V3Links } from './resources.ts';
import type { V3 } from './routes.ts';

export function registerReassignmentRoutes(router: Router, v3: V3): void {
  const admin = () => v3.services.metadata.connectedAdmin();

  router.get('/clusters/:cluster_id/topics/-/partitions/-/reassignment', async (ctx) => {
    const links = await v3.links(ctx);
    const data = (await listReassignments(await admin())).map((r) => reassignmentData(links, r, 'reassignments'));
    ctx.body = links.collection('KafkaReassignmentList', links.url('topics', '-', 'partitions', '-', 'reassignments'), data);
  });

  router.get('/clusters/:cluster_id/topics/:topic_name/partitions/-/reassignment', async (ctx) => {
    const links = await v3.links(ctx);
    const topic = ctx.params.topic_name!;
    const data = (await listReassignments(await admin(), topic)).map((r) => reassignmentData(links, r, 'reassignments'));
    ctx.body = links.collection('KafkaReassignmentList', links.url('topics', topic, 'partitions', '-', 'reassignments'), data);
  });

  router.get('/clusters/:cluster_id/topics/:topic_name/partitions/:partition_id/reassignment', async (ctx) => {
    const partitionId = intParam(ctx.params.partition_id);
    const links = await v3.links(ctx);
    const topic = ctx.params.topic_name!;
    const found = (await listReassignments(await admin(), topic)).find((r) => r.partitionId === partitionId);
    if (!found) throw Errors.notFound();
    ctx.body = reassignmentData(links, found, 'reassignment');
  });
}

/** The `KafkaReassignment` resource; `suffix` is the last segment of its link and CRN. */
export function reassignmentData(links: V3Links, reassignment: Reassignment, suffix: 'reassignment' | 'reassignments') {
  const { topic, partitionId } = reassignment;
  return links.resource(
    'KafkaReassignment',
    links.url('topics', topic, 'partitions', partitionId, suffix),
    // Confluent's CRN ends in a bare type without a value.
    `${links.crn(['topic', topic], ['partition', partitionId])}/${suffix}`,
    {
      cluster_id: links.clusterId,
      topic_name: topic,
      partition_id: partitionId,
      adding_replicas: reassignment.addingReplicas,
      removing_replicas: reassignment.removingReplicas,
      replicas: links.related('topics', topic, 'partitions', partitionId, 'replicas'),
    },
  );
}
