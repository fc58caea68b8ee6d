/**
 * A consumer group's lag, as Confluent's ConsumerLagManager computes it: for every partition the
 * group has committed an offset for, the committed offset against the partition's end (the last
 * stable offset, as a read_committed consumer sees it), and the member it is assigned to now.
 */
import type { Admin } from '../client.ts';
import { tpKey } from '../topic-partition.ts';
import type { ConsumerGroup, GroupMember } from './groups.ts';

export interface ConsumerLag {
  topic: string;
  partition: number;
  /** The owning member, or "" when no member owns the partition now (Confluent's blank owner). */
  consumerId: string;
  instanceId: string | null;
  clientId: string;
  currentOffset: number;
  logEndOffset: number;
  /** `logEndOffset - currentOffset`, negative when the committed offset is past the end, as in Confluent. */
  lag: number;
}

export interface ConsumerGroupLagSummary {
  maxLagConsumerId: string;
  maxLagInstanceId: string | null;
  maxLagClientId: string;
  maxLagTopicName: string;
  maxLagPartitionId: number;
  maxLag: number;
  totalLag: number;
}

/**
 * The group's lags in topic, then partition order; null when the group has committed no offset
 * at all. Partitions whose end offset cannot be read (their topic is gone) are left out, as
 * Confluent leaves out partitions it has no end offset for.
 */
export async function consumerLags(admin: Admin, group: ConsumerGroup): Promise<ConsumerLag[] | null> {
  const committed = (await admin.fetchOffsets({ groupId: group.groupId }))
    .flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition, offset: Number(offset) })))
    .filter((c) => c.offset >= 0); // -1: asked for but never committed
  if (committed.length === 0) return null;

  const existing = new Set(await admin.listTopics());
  const topics = [...new Set(committed.map((c) => c.topic))].filter((t) => existing.has(t));
  const ends = new Map<string, number>();
  await Promise.all(
    topics.map(async (topic) => {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) ends.set(tpKey({ topic, partition }), Number(high));
    }),
  );

  const owners = partitionOwners(group.consumers);
  const lags: ConsumerLag[] = [];
  for (const { topic, partition, offset } of committed) {
    const end = ends.get(tpKey({ topic, partition }));
    if (end === undefined) continue;
    const owner = owners.get(tpKey({ topic, partition }));
    lags.push({
      topic,
      partition,
      consumerId: owner?.consumerId ?? '',
      instanceId: owner?.instanceId ?? null,
      clientId: owner?.clientId ?? '',
      currentOffset: offset,
      logEndOffset: end,
      lag: end - offset,
    });
  }
  return lags.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/**
 * The partition lagging most (the first one, in topic and partition order, of those lagging
 * most) and the group's total; negative lags count as 0, as in Confluent. Null for no lags.
 */
export function lagSummary(lags: readonly ConsumerLag[]): ConsumerGroupLagSummary | null {
  let max: ConsumerLag | null = null;
  let maxLag = -1;
  let totalLag = 0;
  for (const entry of lags) {
    const lag = Math.max(0, entry.lag);
    if (lag > maxLag) {
      maxLag = lag;
      max = entry;
    }
    totalLag += lag;
  }
  if (!max) return null;
  return {
    maxLagConsumerId: max.consumerId,
    maxLagInstanceId: max.instanceId,
    maxLagClientId: max.clientId,
    maxLagTopicName: max.topic,
    maxLagPartitionId: max.partition,
    maxLag,
    totalLag,
  };
}

function partitionOwners(members: readonly GroupMember[]): Map<string, GroupMember> {
  const owners = new Map<string, GroupMember>();
  for (const member of members) {
    for (const tp of member.assignments) if (!owners.has(tpKey(tp))) owners.set(tpKey(tp), member);
  }
  return owners;
}
