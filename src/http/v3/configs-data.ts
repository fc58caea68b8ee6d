/**
 * The JSON of a v3 config and of a list of them (Confluent's TopicConfigData, BrokerConfigData,
 * ClusterConfigData): what tells them apart is their owner, the resource they configure.
 */
import type { Context } from 'koa';
import type { Config } from '../../kafka/v3/configs.ts';
import type { V3Links } from './resources.ts';

/** What identifies a config's resource in its JSON, its URL and its CRN. */
export interface ConfigOwner {
  kind: 'KafkaTopicConfig' | 'KafkaBrokerConfig' | 'KafkaClusterConfig';
  /** The fields between cluster_id and name: topic_name, broker_id or config_type. */
  fields: Record<string, string | number>;
  /** URL segments of the resource's config collection. */
  path: Array<string | number>;
  /** CRN parts before the config's own (`config=<name>`, or `broker-config=<name>` cluster-wide). */
  crn: Array<readonly [string, string | number]>;
  configCrnType: 'config' | 'broker-config';
}

export function configData(links: V3Links, owner: ConfigOwner, config: Config) {
  return links.resource(owner.kind, links.url(...owner.path, config.name), links.crn(...owner.crn, [owner.configCrnType, config.name]), {
    cluster_id: links.clusterId,
    ...owner.fields,
    name: config.name,
    value: config.value,
    is_default: config.isDefault,
    is_read_only: config.isReadOnly,
    is_sensitive: config.isSensitive,
    source: config.source,
    synonyms: config.synonyms.map(({ name, value, source }) => ({ name, value, source })),
  });
}

export function configList(links: V3Links, owner: ConfigOwner, configs: readonly Config[]) {
  return links.collection(`${owner.kind}List`, links.url(...owner.path), configs.map((config) => configData(links, owner, config)));
}

/** A change answered: 204 and no body. */
export function noContent(ctx: Context): void {
  ctx.status = 204;
}
