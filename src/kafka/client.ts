/**
 * The one place that imports kafkajs. Everything else in the proxy talks to Kafka through the
 * small classes in src/kafka, which depend on this file only, so the client library could be
 * swapped without touching actors or HTTP code.
 */
import kafkajs from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from 'kafkajs';

const { Kafka, logLevel, CompressionTypes, CompressionCodecs, ConfigResourceTypes, Partitioners } = kafkajs;

export type {
  Admin,
  Consumer,
  ConsumerConfig,
  ITopicMetadata,
  KafkaConfig,
  Message,
  Producer,
  ProducerBatch,
  ProducerConfig,
  RecordMetadata,
  TopicMessages,
} from 'kafkajs';
export type Kafka = InstanceType<typeof Kafka>;
export { CompressionTypes, CompressionCodecs, ConfigResourceTypes, Partitioners };

/** Builds a kafkajs client whose log lines go to the proxy's pino logger. */
export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const log = logger.child({ module: 'kafkajs' });
  return new Kafka({
    ...config,
    clientId: config.clientId ?? 'kafka-rest',
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ level, log: { message, ...extra } }) => {
        // kafkajs reports recoverable connection trouble at ERROR; the proxy reports outcomes itself.
        const line = { ...extra, timestamp: undefined, logger: undefined };
        if (level <= logLevel.ERROR) log.warn(line, message);
        else if (level === logLevel.WARN) log.warn(line, message);
        else log.debug(line, message);
      },
  });
}

/**
 * kafkajs's own cluster object. kafkajs has no public manual assignment or low-level fetch, but its
 * cluster can fetch, commit and leave a group for us without joining one — what Java's `assign()`
 * does. kafkajs is pinned to 2.2.4 exactly, so these internals cannot move under us.
 */
export interface InternalBroker {
  fetch(request: {
    isolationLevel?: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: InternalFetchedPartition[] }> }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string; metadata?: string | null }> }>;
  }): Promise<unknown>;
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}

export interface InternalFetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: string;
  messages: Array<{ offset: string; key: Buffer | null; value: Buffer | null; timestamp: string; isControlRecord?: boolean }>;
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number; leader: number }>;
  findBroker(request: { nodeId: string | number }): Promise<InternalBroker>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalBroker>;
}

export function createInternalCluster(kafka: Kafka): InternalCluster {
  const create = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!create) throw new Error('this kafkajs version does not expose its cluster; pin kafkajs 2.2.4');
  const factory = (kafka as unknown as Record<symbol, (options: object) => InternalCluster>)[create]!;
  return factory.call(kafka, { allowAutoTopicCreation: false });
}
