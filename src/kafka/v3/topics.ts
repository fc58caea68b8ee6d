/**
 * Topics as API v3 sees them, through the shared kafkajs admin: each topic with its partitions and
 * their replicas (Java's TopicDescription), and the changes v3 makes — create (or only validate),
 * add partitions, delete. The changes return once this admin's metadata shows them, so a client
 * that reads right after its write sees what it wrote.
 */
import type { Admin } from '../client.ts';
import { ConfigResourceTypes } from '../client.ts';
import { describeKafkaError } from '../kafka-error.ts';
import { INTERNAL_TOPICS } from '../topic-pattern.ts';
import { ErrorCode } from '../../errors.ts';

export interface ReplicaDescription {
  brokerId: number;
  leader: boolean;
  inSync: boolean;
}

export interface PartitionDescription {
  partitionId: number;
  /** The leader's broker id; null while the partition has none. */
  leader: number | null;
  replicas: ReplicaDescription[];
}

export interface TopicDescription {
  name: string;
  internal: boolean;
  /** By partition id. */
  partitions: PartitionDescription[];
}

export interface NewTopic {
  name: string;
  /** Omitted: the broker's `num.partitions` (or the assignments' count). */
  partitionsCount?: number;
  /** Omitted: the broker's `default.replication.factor` (or the assignments' size). */
  replicationFactor?: number;
  /** Partition id → broker ids; when given, it decides both counts. */
  replicasAssignments?: ReadonlyArray<{ partition: number; replicas: number[] }>;
  configs: ReadonlyArray<{ name: string; value: string }>;
  validateOnly: boolean;
}

/** What the broker created (or would create): Java reads both from the CreateTopics answer. */
export interface CreatedTopic {
  partitionsCount: number;
  replicationFactor: number;
}

// A change shows in the metadata a moment after the controller took it; read-your-write needs it.
const SETTLE_ATTEMPTS = 50;
const SETTLE_INTERVAL_MS = 100;

/** Every topic (Kafka's internal ones too), by name. */
export function describeTopics(admin: Admin): Promise<TopicDescription[]> {
  return describe(admin);
}

/** One topic, or null when the cluster has none of that name. */
export async function describeTopic(admin: Admin, name: string): Promise<TopicDescription | null> {
  return (await describe(admin, name)).find((topic) => topic.name === name) ?? null;
}

/** All topics, or the one named (none when it does not exist: Kafka answers UNKNOWN_TOPIC_OR_PARTITION). */
async function describe(admin: Admin, name?: string): Promise<TopicDescription[]> {
  const { topics } = await admin.fetchTopicMetadata(name === undefined ? undefined : { topics: [name] }).catch((error: unknown) => {
    if (isUnknownTopic(error)) return { topics: [] };
    throw error;
  });
  return topics
    .map((topic) => ({
      name: topic.name,
      internal: INTERNAL_TOPICS.has(topic.name),
      partitions: topic.partitions
        .map((p) => {
          const leader = p.leader >= 0 && p.replicas.includes(p.leader) ? p.leader : null;
          return {
            partitionId: p.partitionId,
            leader,
            replicas: p.replicas.map((brokerId) => ({ brokerId, leader: brokerId === leader, inSync: p.isr.includes(brokerId) })),
          };
        })
        .sort((a, b) => a.partitionId - b.partitionId),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Java's `listTopics()` default: the topics Kafka does not mark internal. */
export async function listTopics(admin: Admin): Promise<TopicDescription[]> {
  return (await describeTopics(admin)).filter((topic) => !topic.internal);
}

/** Creates the topic (or asks the controller whether it could); null when it already exists. */
export async function createTopic(admin: Admin, topic: NewTopic): Promise<CreatedTopic | null> {
  const assignments = topic.replicasAssignments?.length ? topic.replicasAssignments : undefined;
  const created = await admin
    .createTopics({
      validateOnly: topic.validateOnly,
      waitForLeaders: !topic.validateOnly,
      topics: [
        {
          topic: topic.name,
          // -1 (kafkajs's default when absent) lets the controller apply its own defaults.
          ...(assignments
            ? { replicaAssignment: assignments.map(({ partition, replicas }) => ({ partition, replicas })) }
            : { numPartitions: topic.partitionsCount, replicationFactor: topic.replicationFactor }),
          configEntries: topic.configs.map(({ name, value }) => ({ name, value })),
        },
      ],
    })
    .catch((error: unknown) => {
      throw firstTopicError(error);
    });
  // kafkajs answers false, not an error, when every topic of the request already existed.
  if (!created) return null;
  if (!topic.validateOnly) {
    const described = await describeTopic(admin, topic.name);
    const first = described?.partitions[0];
    if (described && first) return { partitionsCount: described.partitions.length, replicationFactor: first.replicas.length };
  }
  if (assignments) return { partitionsCount: assignments.length, replicationFactor: assignments[0]!.replicas.length };
  const defaults = topic.partitionsCount === undefined || topic.replicationFactor === undefined ? await brokerDefaults(admin) : null;
  return {
    partitionsCount: topic.partitionsCount ?? defaults!.partitionsCount,
    replicationFactor: topic.replicationFactor ?? defaults!.replicationFactor,
  };
}

/** Grows the topic to `count` partitions (Kafka refuses fewer or as many: INVALID_PARTITIONS). */
export async function increasePartitions(admin: Admin, name: string, count: number): Promise<void> {
  await admin.createPartitions({ topicPartitions: [{ topic: name, count }] });
  await settle(async () => ((await describeTopic(admin, name))?.partitions.length ?? 0) >= count);
}

export async function deleteTopic(admin: Admin, name: string): Promise<void> {
  await admin.deleteTopics({ topics: [name] });
  await settle(async () => (await describeTopic(admin, name)) === null);
}

/** The partition count and replication factor a broker gives a topic created without them. */
async function brokerDefaults(admin: Admin): Promise<CreatedTopic> {
  const { brokers, controller } = await admin.describeCluster();
  const brokerId = controller ?? brokers[0]?.nodeId;
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokerId), configNames: ['num.partitions', 'default.replication.factor'] }],
  });
  const value = (name: string, fallback: number) => {
    const entry = resources[0]?.configEntries.find((e) => e.configName === name);
    const parsed = Number(entry?.configValue);
    return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
  };
  // Kafka's own defaults, should the broker not say.
  return { partitionsCount: value('num.partitions', 1), replicationFactor: value('default.replication.factor', 1) };
}

function isUnknownTopic(error: unknown): boolean {
  return describeKafkaError(error).errorCode === ErrorCode.UnknownTopicOrPartition;
}

/** kafkajs reports a refused creation as an aggregate of per-topic errors: the one topic's error is the answer. */
function firstTopicError(error: unknown): unknown {
  let current = error as { errors?: unknown[]; originalError?: unknown } | undefined;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (Array.isArray(current.errors) && current.errors.length > 0) return current.errors[0];
    current = current.originalError as typeof current;
  }
  return error;
}

async function settle(done: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_INTERVAL_MS));
  }
}
