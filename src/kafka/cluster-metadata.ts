/**
 * Read-only questions about the cluster (brokers, topics, partitions, offsets), answered through
 * one shared kafkajs admin client. Used by the v2 metadata endpoints and by the producer pool for
 * partition counts. Config changes, which kafkajs's admin cannot make incrementally, go through
 * a kafkajs cluster of their own, connected on first use.
 */
import type { Admin, Kafka, RawRequestCluster } from './client.ts';
import { ConfigResourceTypes, createRawRequestCluster } from './client.ts';
import {
  incrementalAlterConfigs,
  INCREMENTAL_ALTER_CONFIGS,
  type AlterConfigsResource,
  type AlterConfigsResourceResponse,
} from './incremental-alter-configs.ts';
import { describeKafkaError } from './kafka-error.ts';
import { LazyConnection } from './lazy-connection.ts';
import { ErrorCode } from '../errors.ts';

export interface ReplicaInfo {
  broker: number;
  leader: boolean;
  in_sync: boolean;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  replicas: ReplicaInfo[];
}

export interface TopicInfo {
  name: string;
  partitions: PartitionInfo[];
}

export interface PartitionOffsets {
  beginning_offset: number;
  end_offset: number;
}

// Kafka marks these internal; Confluent's GET /topics leaves them out (Admin listTopics default).
const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

export class ClusterMetadata {
  private readonly admin: Admin;
  private readonly connection: LazyConnection;
  private readonly raw: RawRequestCluster;
  private readonly rawConnection: LazyConnection;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
    this.connection = new LazyConnection(() => this.admin.connect(), () => this.admin.disconnect());
    this.raw = createRawRequestCluster(kafka);
    this.rawConnection = new LazyConnection(() => this.raw.connect(), () => this.raw.disconnect());
  }

  async brokerIds(): Promise<number[]> {
    const { brokers } = await (await this.ready()).describeCluster();
    return brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  }

  async clusterId(): Promise<string> {
    return (await (await this.ready()).describeCluster()).clusterId;
  }

  async topicNames(): Promise<string[]> {
    const names = await (await this.ready()).listTopics();
    return names.filter((n) => !INTERNAL_TOPICS.has(n)).sort();
  }

  /** Partitions of a topic, or null if it does not exist (kafkajs admin never auto-creates). */
  async topic(name: string): Promise<TopicInfo | null> {
    const admin = await this.ready();
    const found = await admin
      .fetchTopicMetadata({ topics: [name] })
      .then(({ topics }) => topics[0])
      .catch((error: unknown) => {
        if (describeKafkaError(error).errorCode === ErrorCode.UnknownTopicOrPartition) return undefined;
        throw error;
      });
    if (!found) return null;
    const partitions = found.partitions
      .map((p) => ({
        partition: p.partitionId,
        leader: p.leader ?? -1,
        replicas: p.replicas.map((broker) => ({
          broker,
          leader: broker === p.leader,
          in_sync: p.isr.includes(broker),
        })),
      }))
      .sort((a, b) => a.partition - b.partition);
    return { name, partitions };
  }

  /** Every config of a topic, defaults included, as Confluent's GET /topics/{t} shows them. */
  async topicConfigs(name: string): Promise<Record<string, string | null>> {
    const { resources } = await (await this.ready()).describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name }],
      includeSynonyms: false,
    });
    const configs: Record<string, string | null> = {};
    for (const entry of resources[0]?.configEntries ?? []) configs[entry.configName] = entry.configValue;
    return configs;
  }

  async partitionOffsets(topic: string, partition: number): Promise<PartitionOffsets | null> {
    const offsets = await (await this.ready()).fetchTopicOffsets(topic);
    const found = offsets.find((o) => o.partition === partition);
    return found ? { beginning_offset: Number(found.low), end_offset: Number(found.high) } : null;
  }

  /** The members of a consumer group as the coordinator sees them (proxy instances and any other client). */
  async groupMembers(groupId: string): Promise<{ state: string; members: Array<{ memberId: string; clientId: string; clientHost: string }> }> {
    const { groups } = await (await this.ready()).describeGroups([groupId]);
    const group = groups[0];
    return {
      state: group?.state ?? 'Dead',
      members: (group?.members ?? []).map(({ memberId, clientId, clientHost }) => ({ memberId, clientId, clientHost })),
    };
  }

  /**
   * Kafka's IncrementalAlterConfigs: each resource's outcome (errorCode 0, or Kafka's error code
   * and its own message), in the order given. Nothing is thrown for a resource Kafka refused.
   */
  async incrementalAlterConfigs(resources: readonly AlterConfigsResource[], validateOnly: boolean): Promise<AlterConfigsResourceResponse[]> {
    await this.rawConnection.ready();
    return incrementalAlterConfigs((nodeId, body) => this.raw.send(INCREMENTAL_ALTER_CONFIGS, nodeId, body), resources, validateOnly);
  }

  async close(): Promise<void> {
    await Promise.all([this.connection.close(), this.rawConnection.close()]);
  }

  /** The shared admin client, connected: v3's admin modules (src/kafka/v3/*) work through it. */
  async connectedAdmin(): Promise<Admin> {
    await this.connection.ready();
    return this.admin;
  }

  private ready(): Promise<Admin> {
    return this.connectedAdmin();
  }
}
