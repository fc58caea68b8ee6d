/**
 * The durable state of one v2 consumer instance, as a pure XState machine. Its events are exactly
 * the journal's events, so the state after a crash is the fold of the journal with XState's
 * side-effect-free `transition()`; the live actor (consumer-machine.ts) does the Kafka work and feeds
 * the outcome in as these events.
 *
 *   active ─┬─ unsubscribed ⇄ subscribed      Subscribed / Unsubscribed
 *           └─ unsubscribed ⇄ assigned        Assigned / Unsubscribed
 *   active ──Deleted──▶ deleted   active ──Expired──▶ expired        (final)
 *
 * Subscribing while assigned (and the reverse) is not a transition: `can()` says no, and the REST
 * layer answers 409/40903 as Kafka's IllegalStateException does in Confluent's proxy.
 */
import { assign, setup } from 'xstate';
import type { EmbeddedFormat } from '../../codecs/embedded-format.ts';
import { tpKey, type TopicPartition, type TopicPartitionOffset } from '../../kafka/topic-partition.ts';

export type Subscription = { topics: string[] } | { pattern: string };

export interface InstanceConfig {
  format: EmbeddedFormat;
  autoOffsetReset: 'earliest' | 'latest';
  autoCommit: boolean;
  /** Per-instance overrides; null = the proxy's setting. */
  fetchMinBytes: number | null;
  requestTimeoutMs: number | null;
  /**
   * `record.metadata` (an extension): records carry their `timestamp` and `headers`. Set only when
   * true, so instances created without it (and journals written before it) read as off.
   */
  recordMetadata?: true;
}

export interface SessionInput {
  group: string;
  name: string;
  config: InstanceConfig;
  at: number;
  /**
   * The principal that created the instance, who alone may use it (ownership.ts). Set only when
   * authentication gave one, so unauthenticated instances (and older journals) read as unowned.
   */
  owner?: string;
}

export interface SessionContext extends SessionInput {
  subscription: Subscription | null;
  assignment: TopicPartition[] | null;
  /** Next offset to deliver per partition (`topic:partition` → offset). */
  positions: Record<string, number>;
  /** The group member id of the current (or crashed) Kafka consumer, so a restart can evict it. */
  memberId: string | null;
  createdAt: number;
  lastUsedAt: number;
}

/** Every event carries its time so that folding the journal is deterministic. */
export type SessionEvent =
  | { type: 'Subscribed'; subscription: Subscription; at: number }
  | { type: 'Unsubscribed'; at: number }
  | { type: 'Assigned'; partitions: TopicPartition[]; positions: TopicPartitionOffset[]; at: number }
  | { type: 'Joined'; memberId: string; partitions: TopicPartition[]; at: number }
  | { type: 'PositionsSet'; offsets: TopicPartitionOffset[]; at: number }
  | { type: 'Delivered'; offsets: TopicPartitionOffset[]; at: number }
  | { type: 'Committed'; offsets: TopicPartitionOffset[]; at: number }
  | { type: 'Touched'; at: number }
  | { type: 'Deleted'; at: number }
  | { type: 'Expired'; at: number };

export type SessionEventType = SessionEvent['type'];

const withOffsets = (positions: Record<string, number>, offsets: TopicPartitionOffset[]) => {
  const next = { ...positions };
  for (const o of offsets) next[tpKey(o)] = o.offset;
  return next;
};

export const consumerSessionMachine = setup({
  types: {
    context: {} as SessionContext,
    events: {} as SessionEvent,
    input: {} as SessionInput,
  },
  actions: {
    touch: assign({ lastUsedAt: ({ event }) => event.at }),
    subscribe: assign({
      subscription: ({ event }) => (event.type === 'Subscribed' ? event.subscription : null),
      assignment: () => null,
      positions: () => ({}),
      memberId: () => null,
    }),
    clear: assign({ subscription: () => null, assignment: () => null, positions: () => ({}), memberId: () => null }),
    assignPartitions: assign({
      assignment: ({ event }) => (event.type === 'Assigned' ? event.partitions : null),
      positions: ({ event }) => (event.type === 'Assigned' ? withOffsets({}, event.positions) : {}),
    }),
    join: assign(({ context, event }) => {
      if (event.type !== 'Joined') return {};
      // Positions of partitions that went to another member are stale once they come back.
      const owned = new Set(event.partitions.map(tpKey));
      const positions = Object.fromEntries(Object.entries(context.positions).filter(([key]) => owned.has(key)));
      return { memberId: event.memberId, positions };
    }),
    setPositions: assign({
      positions: ({ context, event }) =>
        event.type === 'PositionsSet' || event.type === 'Delivered' ? withOffsets(context.positions, event.offsets) : context.positions,
    }),
  },
  guards: {
    hasPartitions: ({ event }) => event.type === 'Assigned' && event.partitions.length > 0,
  },
}).createMachine({
  id: 'consumerInstance',
  context: ({ input }) => ({
    ...input,
    subscription: null,
    assignment: null,
    positions: {},
    memberId: null,
    createdAt: input.at,
    lastUsedAt: input.at,
  }),
  initial: 'active',
  states: {
    active: {
      initial: 'unsubscribed',
      on: {
        Touched: { actions: 'touch' },
        Committed: { actions: 'touch' },
        Deleted: { target: 'deleted', actions: 'touch' },
        Expired: { target: 'expired' },
      },
      states: {
        unsubscribed: {
          on: {
            Subscribed: { target: 'subscribed', actions: ['touch', 'subscribe'] },
            // assign([]) is unsubscribe() in the Java client.
            Assigned: [
              { guard: 'hasPartitions', target: 'assigned', actions: ['touch', 'assignPartitions'] },
              { target: 'unsubscribed', actions: ['touch', 'clear'] },
            ],
            Unsubscribed: { actions: ['touch', 'clear'] },
          },
        },
        subscribed: {
          on: {
            Subscribed: { target: 'subscribed', reenter: true, actions: ['touch', 'subscribe'] },
            Unsubscribed: { target: 'unsubscribed', actions: ['touch', 'clear'] },
            Joined: { actions: ['touch', 'join'] },
            PositionsSet: { actions: ['touch', 'setPositions'] },
            Delivered: { actions: ['touch', 'setPositions'] },
          },
        },
        assigned: {
          on: {
            Assigned: [
              { guard: 'hasPartitions', target: 'assigned', reenter: true, actions: ['touch', 'assignPartitions'] },
              { target: 'unsubscribed', actions: ['touch', 'clear'] },
            ],
            Unsubscribed: { target: 'unsubscribed', actions: ['touch', 'clear'] },
            PositionsSet: { actions: ['touch', 'setPositions'] },
            Delivered: { actions: ['touch', 'setPositions'] },
          },
        },
      },
    },
    deleted: { type: 'final' },
    expired: { type: 'final' },
  },
});

export type SessionState = 'unsubscribed' | 'subscribed' | 'assigned' | 'deleted' | 'expired';

/** The state name of a snapshot value (`{ active: 'subscribed' }` → 'subscribed'). */
export function sessionState(value: unknown): SessionState {
  if (typeof value === 'string') return value as SessionState;
  return Object.values(value as Record<string, string>)[0] as SessionState;
}
