/**
 * v3 clusters and brokers (Confluent's ClustersResource and BrokersResource). The proxy serves
 * one cluster, so the list has one element. A cluster or broker that is not there is Jersey's
 * plain 404 "HTTP 404 Not Found", as Confluent's resources answer for these two; the broker list
 * of another cluster is the manager's "Cluster X cannot be found.".
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import { clusterController, describeBroker, listBrokers, type Broker } from '../../kafka/v3/cluster.ts';
import type { V3Links } from './resources.ts';
import type { V3 } from './routes.ts';

const CLUSTERS = '/clusters';
const CLUSTER = `${CLUSTERS}/:cluster_id`;
const BROKERS = `${CLUSTER}/brokers`;

export function registerClusterRoutes(router: Router, v3: V3): void {
  const admin = () => v3.services.metadata.connectedAdmin();

  router.get(CLUSTERS, async (ctx) => {
    const links = await v3.links(ctx);
    ctx.body = links.collection('KafkaClusterList', `${links.origin}/v3/clusters`, [clusterData(links, await clusterController(await admin()))]);
  });

  router.get(CLUSTER, async (ctx) => {
    const links = await localCluster(ctx);
    ctx.body = clusterData(links, await clusterController(await admin()));
  });

  router.get(BROKERS, async (ctx) => {
    const links = await v3.links(ctx);
    const brokers = await listBrokers(await admin());
    ctx.body = links.collection('KafkaBrokerList', links.url('brokers'), brokers.map((broker) => brokerData(links, broker)));
  });

  router.get(`${BROKERS}/:broker_id`, async (ctx) => {
    const brokerId = brokerIdParam(ctx.params.broker_id);
    const links = await v3.links(ctx);
    const broker = await describeBroker(await admin(), brokerId);
    if (!broker) throw Errors.notFound();
    ctx.body = brokerData(links, broker);
  });

  /** This cluster's links; Confluent's getCluster answers another id with Jersey's 404. */
  async function localCluster(ctx: Context): Promise<V3Links> {
    try {
      return await v3.links(ctx);
    } catch (error) {
      if (error instanceof RestError && error.errorCode === ErrorCode.NotFound) throw Errors.notFound();
      throw error;
    }
  }
}

/** A `{broker_id}` path segment: an int32 as Java's Integer reads it, else the resource does not exist (404). */
export function brokerIdParam(raw: string | undefined): number {
  if (!raw || !/^[+-]?\d{1,10}$/.test(raw)) throw Errors.notFound();
  const brokerId = Number(raw);
  if (brokerId < -2_147_483_648 || brokerId > 2_147_483_647) throw Errors.notFound();
  return brokerId;
}

function clusterData(links: V3Links, controller: number | null) {
  return links.resource('KafkaCluster', links.url(), links.crn(), {
    cluster_id: links.clusterId,
    controller: controller === null ? null : links.related('brokers', controller),
    acls: links.related('acls'),
    brokers: links.related('brokers'),
    broker_configs: links.related('broker-configs'),
    consumer_groups: links.related('consumer-groups'),
    topics: links.related('topics'),
    partition_reassignments: links.related('topics', '-', 'partitions', '-', 'reassignment'),
  });
}

function brokerData(links: V3Links, broker: Broker) {
  return links.resource('KafkaBroker', links.url('brokers', broker.brokerId), links.crn(['broker', broker.brokerId]), {
    cluster_id: links.clusterId,
    broker_id: broker.brokerId,
    host: broker.host,
    port: broker.port,
    rack: broker.rack,
    configs: links.related('brokers', broker.brokerId, 'configs'),
    partition_replicas: links.related('brokers', broker.brokerId, 'partition-replicas'),
  });
}
