/**
 * What the actor inspector shows: every live actor (the consumer supervisor, consumer instances,
 * producer slots) with its state, key context, its machine's states with the current one marked,
 * and its journal timeline. Reading never sends an actor a request, so inspecting a consumer does
 * not count as using it (its expiry deadline stays where it was).
 */
import type { AnyStateMachine } from 'xstate';
import type { ConsumerSupervisor } from '../actors/consumer/supervisor.ts';
import { consumerSessionMachine } from '../actors/consumer/session-machine.ts';
import type { ProducerPool } from '../actors/producer/pool.ts';
import { producerSlotMachine } from '../actors/producer/slot-machine.ts';
import type { Journal, JournalEntry } from '../journal/journal.ts';
import type { ClusterNode, Rebalance } from '../cluster/cluster-node.ts';
import type { ClusterView } from '../kafka/cluster-group.ts';
import type { ClusterMetadata } from '../kafka/cluster-metadata.ts';
import type { PartitionFetcher } from '../kafka/partition-fetcher.ts';
import { tpKey } from '../kafka/topic-partition.ts';

export type ActorKind = 'supervisor' | 'consumer' | 'producer-slot';

export interface ActorSummary {
  id: string;
  kind: ActorKind;
  label: string;
  /** Dotted path of the current state, e.g. `active.subscribed` or `ready.sending`. */
  state: string;
  lastActivity: number | null;
  expiresAt: number | null;
}

export interface StateNodeView {
  key: string;
  path: string;
  current: boolean;
  final: boolean;
  children: StateNodeView[];
}

export interface PartitionView {
  topic: string;
  partition: number;
  position: number | null;
  committed: number | null;
  end: number | null;
  lag: number | null;
}

export interface ActorDetail extends ActorSummary {
  context: Record<string, unknown>;
  machine: StateNodeView;
  partitions: PartitionView[];
  timeline: JournalEntry[];
}

export interface InspectorSources {
  pool: ProducerPool;
  consumers: ConsumerSupervisor;
  journal: Journal;
  metadata: ClusterMetadata;
  fetcher: PartitionFetcher;
  instanceTimeoutMs: number;
  /** In cluster mode: this member's view of the cluster. */
  cluster?: ClusterNode | null;
}

export interface ClusterInspection {
  memberId: string | null;
  url: string;
  /** Each sessions partition this member serves or is moving, and where it is. */
  partitions: Array<{ partition: number; state: string }>;
  /** The group as the coordinator last described it. */
  members: ClusterView['members'];
  groupState: string;
  rebalances: Rebalance[];
}

const SUPERVISOR_ID = 'consumer-supervisor';
const TIMELINE_LIMIT = 500;

export class Inspector {
  constructor(private readonly sources: InspectorSources) {}

  list(): ActorSummary[] {
    const { pool, consumers, instanceTimeoutMs } = this.sources;
    const instances = consumers.list();
    return [
      { id: SUPERVISOR_ID, kind: 'supervisor', label: `consumer supervisor (${instances.length} instances)`, state: 'running', lastActivity: null, expiresAt: null },
      ...instances.map((instance) => {
        const { group, name } = instance.context.session.context;
        const { lastUsedAt } = instance.context;
        return {
          id: instance.actorId,
          kind: 'consumer' as const,
          label: `${group} / ${name}`,
          state: statePath(consumerValue(instance.state)),
          lastActivity: lastUsedAt,
          expiresAt: lastUsedAt + instanceTimeoutMs,
        };
      }),
      ...pool.slots.map((slot) => ({
        id: slot.id,
        kind: 'producer-slot' as const,
        label: slot.id,
        state: statePath(slot.describe().state),
        lastActivity: null,
        expiresAt: null,
      })),
    ];
  }

  /** The cluster as this member sees it; null for a single proxy. */
  cluster(): ClusterInspection | null {
    const node = this.sources.cluster;
    if (!node) return null;
    const view = node.members();
    return {
      memberId: node.memberId,
      url: node.url,
      partitions: node.partitionStates(),
      members: view.members,
      groupState: view.state,
      rebalances: node.history,
    };
  }

  async detail(id: string): Promise<ActorDetail | null> {
    const summary = this.list().find((actor) => actor.id === id);
    if (!summary) return null;
    const timeline = this.sources.journal.read({ actorId: id, limit: TIMELINE_LIMIT, newest: true });
    if (summary.kind === 'producer-slot') {
      const slot = this.sources.pool.slots.find((s) => s.id === id)!;
      const { state, ...context } = slot.describe();
      return { ...summary, context, machine: stateTree(producerSlotMachine, state), partitions: [], timeline };
    }
    if (summary.kind === 'consumer') {
      const instance = this.sources.consumers.list().find((i) => i.actorId === id)!;
      const { session, lastError, lastRead, queue, joinAttempt, incidents } = instance.context;
      const { group, name, owner, config, subscription, assignment, positions, memberId, createdAt } = session.context;
      const assigned = instance.assignment;
      const [partitions, members] = await Promise.all([
        this.partitions(group, assigned, positions, config.autoOffsetReset),
        this.sources.metadata.groupMembers(group).catch(() => null),
      ]);
      return {
        ...summary,
        context: {
          group,
          name,
          // The principal the instance answers to (null: created without authentication, anyone's).
          owner: owner ?? null,
          format: config.format,
          config,
          subscription,
          assignment,
          memberId,
          createdAt,
          // Why an instance may be stuck: the live regions, the read pipeline and the last failure.
          live: statePaths(instance.value),
          pipeline: { ...instance.pipeline, queued: queue.length, joinAttempt },
          lastRead,
          lastError,
          groupMembers: members,
        },
        machine: stateTree(consumerSessionMachine, consumerValue(instance.state)),
        partitions,
        // Failures are not journaled (they change no state) but belong in the story: merged by time.
        timeline: [...timeline, ...incidents.map((i) => ({ seq: 0, actorId: id, actorType: 'consumer', type: i.type, payload: { message: i.message }, at: i.at }))].sort(
          (a, b) => a.at - b.at,
        ),
      };
    }
    return {
      ...summary,
      context: { instances: this.sources.consumers.list().length, instanceTimeoutMs: this.sources.instanceTimeoutMs },
      machine: { key: 'running', path: 'running', current: true, final: false, children: [] },
      partitions: [],
      timeline: [],
    };
  }

  /** Calls back with every journal entry as it is appended; returns the unsubscribe function. */
  subscribe(listener: (entry: JournalEntry) => void): () => void {
    return this.sources.journal.subscribe(listener);
  }

  /** Positions, committed offsets, end offsets and lag of a consumer's partitions (best effort). */
  private async partitions(
    group: string,
    assigned: Array<{ topic: string; partition: number }>,
    positions: Record<string, number>,
    reset: 'earliest' | 'latest',
  ): Promise<PartitionView[]> {
    if (assigned.length === 0) return [];
    const committed = await this.sources.fetcher.committed(group, assigned).catch(() => []);
    return Promise.all(
      assigned.map(async (tp) => {
        const ends = await this.sources.metadata.partitionOffsets(tp.topic, tp.partition).catch(() => null);
        const position = positions[tpKey(tp)] ?? null;
        const commit = committed.find((c) => c.topic === tp.topic && c.partition === tp.partition)?.offset ?? null;
        const end = ends?.end_offset ?? null;
        // Before the first read the start is the committed offset, else where auto.offset.reset points.
        const start = ends ? (reset === 'earliest' ? ends.beginning_offset : ends.end_offset) : null;
        const from = position ?? commit ?? start;
        return { ...tp, position, committed: commit, end, lag: end !== null && from !== null ? Math.max(0, end - from) : null };
      }),
    );
  }
}

function consumerValue(state: string): unknown {
  return state === 'deleted' || state === 'expired' ? state : { active: state };
}

/** `{ ready: 'sending' }` → `ready.sending`. */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['', ''];
  return inner === undefined || inner === '' ? key : `${key}.${statePath(inner)}`;
}

/** Every active leaf of a (parallel) state value: `{ live: { a: 'x', b: 'y' } }` → `live.a.x`, `live.b.y`. */
export function statePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => statePaths(inner, `${prefix}${key}.`));
}

/** The machine's state nodes as a tree, with the nodes on the current path marked. */
export function stateTree(machine: AnyStateMachine, value: unknown): StateNodeView {
  const current = statePath(value).split('.');
  const walk = (node: AnyStateMachine['root'], path: string[]): StateNodeView => ({
    key: node.key,
    path: path.join('.'),
    current: path.length === 0 || path.every((segment, i) => current[i] === segment),
    final: node.type === 'final',
    children: Object.values(node.states).map((child) => walk(child, [...path, child.key])),
  });
  return walk(machine.root, []);
}
