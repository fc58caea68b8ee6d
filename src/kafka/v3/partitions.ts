/**
 * Partition-level questions of API v3, through the shared kafkajs admin: a partition's earliest and
 * latest offsets, the reassignments in progress, and the replicas one broker hosts.
 */
import type { Admin } from '../client.ts';
import { describeTopics, type ReplicaDescription } from './topics.ts';

export interface PartitionOffsets {
  earliest: number;
  latest: number;
}

export interface Reassignment {
  topic: string;
  partitionId: number;
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface HostedReplica extends ReplicaDescription {
  topic: string;
  partitionId: number;
}

/**
 * The log start and high watermark of a partition (read uncommitted, as Java's admin and consumer
 * read them); null when the topic has no such partition. The topic must exist: kafkajs retries a
 * missing one for as long as its retry policy lasts.
 */
export async function partitionOffsets(admin: Admin, topic: string, partitionId: number): Promise<PartitionOffsets | null> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const found = offsets.find((o) => o.partition === partitionId);
  return found ? { earliest: Number(found.low), latest: Number(found.high) } : null;
}

/** The reassignments in progress (all topics, or one), by topic then partition, as Java lists them. */
export async function listReassignments(admin: Admin, topic?: string): Promise<Reassignment[]> {
  const { topics } = await admin.listPartitionReassignments({});
  return topics
    .filter((t) => topic === undefined || t.topic === topic)
    .flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.topic,
        partitionId: p.partitionIndex,
        addingReplicas: p.addingReplicas ?? [],
        removingReplicas: p.removingReplicas ?? [],
      })),
    )
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partitionId - b.partitionId));
}

/** Whether the cluster has a broker of that id. */
export async function brokerExists(admin: Admin, brokerId: number): Promise<boolean> {
  const { brokers } = await admin.describeCluster();
  return brokers.some((broker) => broker.nodeId === brokerId);
}

/**
 * The partition replicas a broker hosts, Kafka's internal topics included, by topic then partition.
 * Java asks the broker for its log directories; the cluster's metadata names the same replicas.
 */
export async function replicasOfBroker(admin: Admin, brokerId: number): Promise<HostedReplica[]> {
  const hosted: HostedReplica[] = [];
  for (const topic of await describeTopics(admin)) {
    for (const partition of topic.partitions) {
      const replica = partition.replicas.find((r) => r.brokerId === brokerId);
      if (replica) hosted.push({ topic: topic.name, partitionId: partition.partitionId, ...replica });
    }
  }
  return hosted;
}
