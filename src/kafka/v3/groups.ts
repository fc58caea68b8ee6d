/**
 * Consumer groups as Confluent's v3 API shows them: one DescribeGroups answer per group, its
 * members' assignments decoded from the ConsumerProtocol bytes the group leader handed out, and
 * the coordinator found the way Kafka places it. Every member is listed, whatever client it is:
 * the proxy's own v2 consumer instances too.
 */
import { AssignerProtocol, type Admin } from '../client.ts';
import type { TopicPartition } from '../topic-partition.ts';

/** Confluent's `state` vocabulary (classic and KIP-848 group states); anything else is UNKNOWN. */
export type ConsumerGroupState =
  | 'UNKNOWN'
  | 'PREPARING_REBALANCE'
  | 'COMPLETING_REBALANCE'
  | 'STABLE'
  | 'DEAD'
  | 'EMPTY'
  | 'ASSIGNING'
  | 'RECONCILING';

export interface GroupMember {
  consumerId: string;
  /** group.instance.id; always null here: kafkajs's DescribeGroups (v2) predates static membership. */
  instanceId: string | null;
  clientId: string;
  /** Sorted by topic, then partition, as Confluent lists them. */
  assignments: TopicPartition[];
}

export interface ConsumerGroup {
  groupId: string;
  isSimple: boolean;
  partitionAssignor: string;
  state: ConsumerGroupState;
  /** Only classic-protocol groups are described by kafkajs (see docs/COMPATIBILITY.md). */
  type: 'CLASSIC';
  isMixedConsumerGroup: false;
  /** The broker id of the group's coordinator, or null while its offsets partition has no leader. */
  coordinator: number | null;
  /** Sorted by consumer id, as Confluent lists them. */
  consumers: GroupMember[];
}

const STATES: Readonly<Record<string, ConsumerGroupState>> = {
  PreparingRebalance: 'PREPARING_REBALANCE',
  CompletingRebalance: 'COMPLETING_REBALANCE',
  Stable: 'STABLE',
  Dead: 'DEAD',
  Empty: 'EMPTY',
  Assigning: 'ASSIGNING',
  Reconciling: 'RECONCILING',
};

// ListGroups answers every kind of group; Java's listConsumerGroups keeps consumer ones (and
// groups that only ever committed offsets, which have no protocol type).
const CONSUMER_PROTOCOL_TYPES = new Set(['consumer', '']);

const GROUP_METADATA_TOPIC = '__consumer_offsets';

type GroupDescription = Awaited<ReturnType<Admin['describeGroups']>>['groups'][number];

/** Every consumer group of the cluster, sorted by id. */
export async function listConsumerGroups(admin: Admin): Promise<ConsumerGroup[]> {
  const { groups } = await admin.listGroups();
  const ids = [...new Set(groups.filter((g) => CONSUMER_PROTOCOL_TYPES.has(g.protocolType)).map((g) => g.groupId))].sort();
  if (ids.length === 0) return [];
  return describe(admin, ids);
}

/** One consumer group, or null when the cluster has no such group. */
export async function getConsumerGroup(admin: Admin, groupId: string): Promise<ConsumerGroup | null> {
  return (await describe(admin, [groupId]))[0] ?? null;
}

async function describe(admin: Admin, groupIds: string[]): Promise<ConsumerGroup[]> {
  const described = await admin.describeGroups(groupIds).catch((error: unknown) => {
    // Newer coordinators answer an unknown group with GROUP_ID_NOT_FOUND instead of a dead one.
    if ((error as { type?: string }).type === 'GROUP_ID_NOT_FOUND') return { groups: [] as GroupDescription[] };
    throw error;
  });
  const existing = described.groups.filter(exists);
  if (existing.length === 0) return [];
  const coordinators = await coordinatorsOf(admin, existing.map((g) => g.groupId));
  return existing.map((group) => toConsumerGroup(group, coordinators.get(group.groupId) ?? null));
}

/**
 * Describing a group that does not exist answers a "dead" simple group; Confluent treats exactly
 * that as absent (a dead group with a protocol type is a real one being removed).
 */
function exists(group: GroupDescription): boolean {
  return !(group.state === 'Dead' && group.protocolType === '');
}

function toConsumerGroup(group: GroupDescription, coordinator: number | null): ConsumerGroup {
  return {
    groupId: group.groupId,
    // Java's ConsumerGroupDescription.isSimpleConsumerGroup(): no protocol type (offsets only).
    isSimple: group.protocolType === '',
    partitionAssignor: group.protocol,
    state: STATES[group.state] ?? 'UNKNOWN',
    type: 'CLASSIC',
    isMixedConsumerGroup: false,
    coordinator,
    consumers: group.members
      .map((member) => ({
        consumerId: member.memberId,
        instanceId: null,
        clientId: member.clientId,
        assignments: group.protocolType === 'consumer' ? assignedPartitions(member.memberAssignment) : [],
      }))
      .sort((a, b) => compare(a.consumerId, b.consumerId)),
  };
}

/**
 * A member's partitions from its ConsumerProtocol assignment. Empty while the group rebalances
 * (the bytes are empty until the leader's assignment is in), and for bytes no consumer wrote.
 */
export function assignedPartitions(bytes: Buffer | null | undefined): TopicPartition[] {
  if (!bytes || bytes.length === 0) return [];
  let decoded: ReturnType<typeof AssignerProtocol.MemberAssignment.decode>;
  try {
    decoded = AssignerProtocol.MemberAssignment.decode(bytes);
  } catch {
    return [];
  }
  if (!decoded) return [];
  return Object.entries(decoded.assignment)
    .flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })))
    .sort((a, b) => compare(a.topic, b.topic) || a.partition - b.partition);
}

/**
 * The coordinator of each group: the leader of its partition of `__consumer_offsets`, which is
 * how Kafka places groups (`abs(groupId.hashCode()) % partitions`). kafkajs's admin keeps its
 * FindCoordinator answer to itself; one metadata request here serves every group asked about.
 */
async function coordinatorsOf(admin: Admin, groupIds: string[]): Promise<Map<string, number | null>> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [GROUP_METADATA_TOPIC] });
  const partitions = topics[0]?.partitions ?? [];
  const leaders = new Map(partitions.map((p) => [p.partitionId, p.leader]));
  const found = new Map<string, number | null>();
  for (const groupId of groupIds) {
    const leader = partitions.length > 0 ? leaders.get(groupPartition(groupId, partitions.length)) : undefined;
    found.set(groupId, leader === undefined || leader < 0 ? null : leader);
  }
  return found;
}

/** Kafka's `Utils.abs(groupId.hashCode()) % partitionCount`, with Java's String.hashCode. */
export function groupPartition(groupId: string, partitionCount: number): number {
  let hash = 0;
  for (let i = 0; i < groupId.length; i++) hash = (Math.imul(hash, 31) + groupId.charCodeAt(i)) | 0;
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0 (Math.abs would overflow).
  const abs = hash === -2147483648 ? 0 : Math.abs(hash);
  return abs % partitionCount;
}

/** Java's String.compareTo (UTF-16 code units), which Confluent's comparators use. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
