/**
 * v3 broker configs (Confluent's BrokerConfigsResource, AlterBrokerConfigBatchAction,
 * ListAllBrokersConfigsAction) and the cluster-wide broker defaults (ClusterConfigsResource and
 * AlterClusterConfigBatchAction, `config_type` BROKER). A broker id that is not an integer is
 * Jersey's 404; one the cluster does not have is 404 "Broker N cannot be found." (Confluent's
 * admin client waits for it until it times out). Cluster-wide changes are not checked against
 * the known names first, as in Confluent: Kafka judges the name.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import { brokerIds } from '../../kafka/v3/cluster.ts';
import {
  alterConfigs,
  brokerResource,
  CLUSTER_DEFAULTS,
  describeConfigs,
  describeEach,
  type AlterCommand,
  type ConfigResource,
} from '../../kafka/v3/configs.ts';
import { brokerIdParam } from './clusters.ts';
import { configData, configList, noContent, type ConfigOwner } from './configs-data.ts';
import { readAlterBatch, readUpdate } from './configs-requests.ts';
import type { V3 } from './routes.ts';

const BROKERS = '/clusters/:cluster_id/brokers';
const CONFIGS = `${BROKERS}/:broker_id/configs`;
const CONFIG = `${CONFIGS}/:name`;
const CLUSTER_CONFIGS = '/clusters/:cluster_id/broker-configs';
const CLUSTER_CONFIG = `${CLUSTER_CONFIGS}/:name`;

const brokerOwner = (brokerId: number): ConfigOwner => ({
  kind: 'KafkaBrokerConfig',
  fields: { broker_id: brokerId },
  path: ['brokers', brokerId, 'configs'],
  crn: [['broker', brokerId]],
  configCrnType: 'config',
});

const CLUSTER_OWNER: ConfigOwner = {
  kind: 'KafkaClusterConfig',
  fields: { config_type: 'BROKER' },
  path: ['broker-configs'],
  crn: [],
  configCrnType: 'broker-config',
};

export function registerBrokerConfigRoutes(router: Router, v3: V3): void {
  const admin = () => v3.services.metadata.connectedAdmin();

  /** The request's broker: an integer id (404 otherwise, as Jersey) the cluster has. */
  async function existingBroker(ctx: Context): Promise<ConfigResource & { brokerId: number }> {
    const brokerId = brokerIdParam(ctx.params.broker_id);
    await v3.links(ctx);
    if (!(await brokerIds(await admin())).includes(brokerId)) throw new RestError(ErrorCode.NotFound, `Broker ${brokerId} cannot be found.`);
    return { ...brokerResource(brokerId), brokerId };
  }

  async function alter(ctx: Context, commands: AlterCommand[], validateOnly: boolean): Promise<void> {
    const broker = await existingBroker(ctx);
    const links = await v3.links(ctx);
    await alterConfigs(v3.services.metadata, broker, commands, { validateOnly, clusterIdForNotFound: links.clusterId });
    noContent(ctx);
  }

  // `-` (every broker) before `:broker_id`.
  router.get(`${BROKERS}/-/configs`, async (ctx) => {
    const links = await v3.links(ctx);
    const kafka = await admin();
    const ids = await brokerIds(kafka);
    const described = await describeEach(kafka, ids.map(brokerResource));
    const data = ids.flatMap((brokerId, i) => described[i]!.map((config) => configData(links, brokerOwner(brokerId), config)));
    ctx.body = links.collection('KafkaBrokerConfigList', links.url('brokers', '-', 'configs'), data);
  });

  router.get(CONFIGS, async (ctx) => {
    const broker = await existingBroker(ctx);
    const links = await v3.links(ctx);
    ctx.body = configList(links, brokerOwner(broker.brokerId), await describeConfigs(await admin(), broker));
  });

  router.post(`${CONFIGS}\\:alter`, async (ctx) => {
    const batch = readAlterBatch(await v3.body(ctx));
    await alter(ctx, batch.commands, batch.validateOnly);
  });

  router.get(CONFIG, async (ctx) => {
    const broker = await existingBroker(ctx);
    const links = await v3.links(ctx);
    const config = (await describeConfigs(await admin(), broker)).find((c) => c.name === ctx.params.name);
    if (!config) throw Errors.notFound();
    ctx.body = configData(links, brokerOwner(broker.brokerId), config);
  });

  router.put(CONFIG, async (ctx) => {
    const value = readUpdate(await v3.body(ctx), 'UpdateBrokerConfigRequest');
    await alter(ctx, [{ operation: 'SET', name: ctx.params.name!, value }], false);
  });

  router.delete(CONFIG, async (ctx) => {
    await alter(ctx, [{ operation: 'DELETE', name: ctx.params.name! }], false);
  });

  router.get(CLUSTER_CONFIGS, async (ctx) => {
    const links = await v3.links(ctx);
    ctx.body = configList(links, CLUSTER_OWNER, await describeConfigs(await admin(), CLUSTER_DEFAULTS));
  });

  router.post(`${CLUSTER_CONFIGS}\\:alter`, async (ctx) => {
    const batch = readAlterBatch(await v3.body(ctx));
    await alterClusterWide(ctx, batch.commands, batch.validateOnly);
  });

  router.get(CLUSTER_CONFIG, async (ctx) => {
    const links = await v3.links(ctx);
    const config = (await describeConfigs(await admin(), CLUSTER_DEFAULTS)).find((c) => c.name === ctx.params.name);
    if (!config) throw Errors.notFound();
    ctx.body = configData(links, CLUSTER_OWNER, config);
  });

  router.put(CLUSTER_CONFIG, async (ctx) => {
    const value = readUpdate(await v3.body(ctx), 'UpdateClusterConfigRequest');
    await alterClusterWide(ctx, [{ operation: 'SET', name: ctx.params.name!, value }], false);
  });

  router.delete(CLUSTER_CONFIG, async (ctx) => {
    await alterClusterWide(ctx, [{ operation: 'DELETE', name: ctx.params.name! }], false);
  });

  async function alterClusterWide(ctx: Context, commands: AlterCommand[], validateOnly: boolean): Promise<void> {
    await v3.links(ctx);
    await alterConfigs(v3.services.metadata, CLUSTER_DEFAULTS, commands, { validateOnly });
    noContent(ctx);
  }
}
