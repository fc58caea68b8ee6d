/**
 * The vocabulary of the consumer actor: its context and events, and the XState `setup` (effects to
 * be provided by the runtime, guards, delays and the small actions) that its regions share.
 */
import { assign, fromPromise, setup } from 'xstate';
import { ErrorCode, RestError } from '../../errors.ts';
import type { KafkaFailure } from '../../kafka/kafka-error.ts';
import type { TopicPartition } from '../../kafka/topic-partition.ts';
import { decide, type SessionSnapshot } from './decide.ts';
import { errorAnswer, type Delivery, type Outcome, type Pending } from './pending.ts';
import type { SessionEvent, Subscription } from './session-machine.ts';

export interface ConsumerLimits {
  maxPending: number;
  deliveryHoldMs: number;
  autoCommitIntervalMs: number;
  instanceTimeoutMs: number;
  /** How long Delete/expiry waits for the final commit and LeaveGroup before ending anyway. */
  finishTimeoutMs: number;
  patternRefreshMs: number;
}

export interface ConsumerInput {
  actorId: string;
  session: SessionSnapshot;
  limits: ConsumerLimits;
}

export interface ConsumerContext extends ConsumerInput {
  queue: Pending[];
  current: Pending | null;
  delivery: Delivery | null;
  /** Partitions the group gave this member in its current generation. */
  memberAssignment: TopicPartition[];
  lastUsedAt: number;
  joinAttempt: number;
  lastError: { message: string; at: number } | null;
  /**
   * Kafka refused the member (authentication or authorization, e.g. no READ ACL): reads answer it
   * (403/40301, 401/40101) instead of an empty list while the join keeps being retried.
   */
  refusal: KafkaFailure | null;
  /** The latest failures (failed requests, put-back deliveries, failed joins), newest last. */
  incidents: Incident[];
  lastRead: { at: number; records: number; bytes: number } | null;
  ending: { reason: 'Deleted' | 'Expired'; commit: boolean; reply: Pending | null } | null;
}

export type ConsumerEvent =
  | { type: 'ASK'; request: Pending }
  | { type: 'ACK'; delivery: string; delivered: boolean }
  | { type: 'CANCEL'; requestId: string }
  | { type: 'EXPIRE'; commit: boolean }
  | { type: 'CLOSE' }
  | { type: 'JOINED'; memberId: string; partitions: TopicPartition[]; at: number }
  | { type: 'MEMBER_FAILED'; error: string }
  | { type: 'SUBSCRIPTION_CHANGED' };

const notProvided = (name: string) => () => Promise.reject(new Error(`${name} was not provided to the consumer machine`));
export const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
export const notFound = () => new RestError(ErrorCode.ConsumerInstanceNotFound, 'Consumer instance not found.');

/** The partitions the instance reads now: its manual assignment, else the group's. */
export const liveAssignment = (context: ConsumerContext): TopicPartition[] =>
  context.session.context.assignment ?? (context.session.context.subscription ? context.memberAssignment : []);


const MAX_TIMER_MS = 2_147_483_647;
/** An auto-commit still queued after this long is dropped; the next tick sends a fresh one. */
const INTERNAL_DEADLINE_MS = 60_000;
const timer = (ms: number) => Math.min(Math.max(0, ms), MAX_TIMER_MS);

export const consumerSetup = setup({
  types: { context: {} as ConsumerContext, events: {} as ConsumerEvent, input: {} as ConsumerInput },
  actors: {
    join: fromPromise<void, { subscription: Subscription; evictMemberId: string | null }>(notProvided('join')),
    leave: fromPromise<void>(notProvided('leave')),
    refreshPattern: fromPromise<boolean>(notProvided('refreshPattern')),
    execute: fromPromise<Outcome, { request: Pending; session: SessionSnapshot; assignment: TopicPartition[]; touch: boolean; refusal: KafkaFailure | null }>(notProvided('execute')),
    finish: fromPromise<void, { commit: boolean }>(notProvided('finish')),
  },
  actions: {
    /** Journals events the session machine has accepted (provided by the runtime). */
    record: (_, _params: { events: SessionEvent[]; session: SessionSnapshot }) => {},
    /** Puts back what a delivery took: the next read starts at the first offset it had (provided). */
    putBack: (_, _params: { delivery: Delivery }) => {},
    /** A delivery reached its client: count it (provided). */
    countDelivered: (_, _params: { delivery: Delivery }) => {},
    /** The instance has ended: forget its journal (provided). */
    compact: () => {},
    log: (_, _params: { message: string; error?: string }) => {},
    /** Queues a request; a full queue answers 429 at once (internal commands are not counted). */
    enqueue: assign(({ context, event }) => {
      if (event.type !== 'ASK') return {};
      const { request } = event;
      const waiting = context.queue.filter((p) => !p.internal).length;
      if (!request.internal && waiting >= context.limits.maxPending) {
        request.reply(errorAnswer(new RestError(429, `Too many requests are waiting for this consumer instance (${waiting}); retry later.`)));
        return {};
      }
      if (request.internal && context.queue.some((p) => p.command.type === request.command.type)) return {};
      return { queue: [...context.queue, request] };
    }),
    /**
     * Takes the next request whose caller still waits and that may run now (`decide`); the others
     * are answered (dropped, or refused with the reason) without any work.
     */
    takeNext: assign(({ context }) => {
      const now = Date.now();
      const queue = [...context.queue];
      let current: Pending | null = null;
      while (!current && queue.length > 0) {
        const next = queue.shift()!;
        const refusal = next.deadline > now ? decide(context.session, next.command, liveAssignment(context)) : expired();
        if (refusal) next.reply(errorAnswer(refusal));
        else current = next;
      }
      const lastUsedAt = current && !current.internal ? now : context.lastUsedAt;
      return { queue, current, lastUsedAt };
    }),
    drop: assign(({ context, event }) => {
      if (event.type !== 'CANCEL') return {};
      const [gone, kept] = partition(context.queue, (p) => p.id === event.requestId);
      for (const p of gone) p.reply(errorAnswer(cancelled()));
      return { queue: kept };
    }),
    failAll: assign(({ context }) => {
      for (const p of [...context.queue, ...(context.current ? [context.current] : [])]) p.reply(errorAnswer(notFound()));
      return { queue: [], current: null };
    }),
    noteMemberFailed: assign(({ context, event }) =>
      event.type === 'MEMBER_FAILED' ? failed(context, 'MemberFailed', `the group member failed: ${event.error}`) : {},
    ),
    refuseLate: ({ event }) => {
      if (event.type === 'ASK') event.request.reply(errorAnswer(notFound()));
    },
  },
  guards: {
    hasQueued: ({ context }) => context.queue.length > 0,
    subscribed: ({ context }) => context.session.context.subscription !== null && context.session.status === 'active',
    isPattern: ({ context }) => context.session.context.subscription !== null && 'pattern' in context.session.context.subscription,
    autoCommit: ({ context }) => context.session.context.config.autoCommit,
    deleteAsked: ({ event }) => event.type === 'ASK' && event.request.command.type === 'Delete',
    describeAsked: ({ event }) => event.type === 'ASK' && event.request.command.type === 'Describe',
    isCurrent: ({ context, event }) => event.type === 'CANCEL' && context.current?.id === event.requestId,
    acksDelivery: ({ context, event }) => event.type === 'ACK' && context.delivery?.id === event.delivery,
  },
  // Every delay fits a Node timer: a larger one would fire at once (a TimeoutOverflowWarning).
  delays: {
    expiry: ({ context }) => timer(context.lastUsedAt + context.limits.instanceTimeoutMs - Date.now()),
    commandDeadline: ({ context }) => timer((context.current?.deadline ?? 0) - Date.now()),
    deliveryHold: ({ context }) => timer(context.limits.deliveryHoldMs),
    autoCommitInterval: ({ context }) => timer(context.limits.autoCommitIntervalMs),
    joinBackoff: ({ context }) => Math.min(250 * 2 ** Math.max(0, context.joinAttempt - 1), 2_000),
    patternRefresh: ({ context }) => timer(context.limits.patternRefreshMs),
    finishTimeout: ({ context }) => timer(context.limits.finishTimeoutMs),
  },
});

export interface Incident {
  type: string;
  at: number;
  message: string;
}

const INCIDENTS_KEPT = 20;

export function noted(context: ConsumerContext, type: string, text: string): Pick<ConsumerContext, 'incidents'> {
  return { incidents: [...context.incidents, { type, at: Date.now(), message: text }].slice(-INCIDENTS_KEPT) };
}

/** A failure the inspector should show: the last error, and an incident in the timeline. */
export function failed(context: ConsumerContext, type: string, text: string): Pick<ConsumerContext, 'incidents' | 'lastError'> {
  return { ...noted(context, type, text), lastError: { message: text, at: Date.now() } };
}

export function describe(context: ConsumerContext) {
  const { group, name, config } = context.session.context;
  return { group, name, config };
}

export const cancelled = () => new RestError(ErrorCode.KafkaRetriableError, 'The request was cancelled.');
export const expired = () => new RestError(ErrorCode.KafkaRetriableError, 'The request waited past its deadline and was dropped.');

export function internalCommit(): Pending {
  return { id: 'auto-commit', command: { type: 'AutoCommit' }, deadline: Date.now() + INTERNAL_DEADLINE_MS, internal: true, reply: () => undefined };
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
