/**
 * A live v2 consumer instance as one XState actor. Three regions run side by side:
 *
 *   membership   checking ─▶ joining ─▶ member ⇄ refreshing (patterns)      subscribed instances
 *                    │          │  ▲        │ MEMBER_FAILED                   are group members;
 *                    ▼          ▼  │        ▼                                 the rest stay detached
 *                 detached    retrying (backoff) ◀─┘   leaving (on a new subscription) ─▶ checking
 *   requests     idle ─▶ dispatching ─▶ working ─▶ delivering (until the response is acked)
 *   autoCommit   ticking (an AutoCommit command every auto.commit.interval.ms)
 *
 * Requests are the actor's own events (ASK), queued in context up to a bound (429 beyond it) and
 * run one at a time; a request whose caller's deadline has passed is answered and dropped, never
 * run late. The Kafka work is done by invoked actors provided by the runtime (consumer-actor.ts);
 * their outcomes are session events, checked by `apply` before the `record` action journals them.
 * Delete and expiry win over everything: leaving `live` stops whatever was in flight.
 */
import { assign, enqueueActions, fromPromise, raise, setup } from 'xstate';
import { ErrorCode, RestError } from '../../errors.ts';
import { tpKey, type TopicPartition } from '../../kafka/topic-partition.ts';
import { apply, decide, type SessionSnapshot } from './decide.ts';
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
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const notFound = () => new RestError(ErrorCode.ConsumerInstanceNotFound, 'Consumer instance not found.');

/** The partitions the instance reads now: its manual assignment, else the group's. */
export const liveAssignment = (context: ConsumerContext): TopicPartition[] =>
  context.session.context.assignment ?? (context.session.context.subscription ? context.memberAssignment : []);

export const consumerMachine = setup({
  types: { context: {} as ConsumerContext, events: {} as ConsumerEvent, input: {} as ConsumerInput },
  actors: {
    join: fromPromise<void, { subscription: Subscription; evictMemberId: string | null }>(notProvided('join')),
    leave: fromPromise<void>(notProvided('leave')),
    refreshPattern: fromPromise<boolean>(notProvided('refreshPattern')),
    execute: fromPromise<Outcome, { request: Pending; session: SessionSnapshot; assignment: TopicPartition[]; touch: boolean }>(notProvided('execute')),
    finish: fromPromise<void, { commit: boolean }>(notProvided('finish')),
    close: fromPromise<void>(notProvided('close')),
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
    /** Takes the next request whose caller still waits; the others are answered and dropped. */
    takeNext: assign(({ context }) => {
      const now = Date.now();
      const queue = [...context.queue];
      let current: Pending | null = null;
      while (!current && queue.length > 0) {
        const next = queue.shift()!;
        if (next.deadline > now) current = next;
        else next.reply(errorAnswer(expired()));
      }
      const lastUsedAt = current && !current.internal ? now : context.lastUsedAt;
      return { queue, current, lastUsedAt };
    }),
    drop: assign(({ context, event }) => {
      if (event.type !== 'CANCEL') return {};
      const [gone, kept] = partition(context.queue, (p) => p.id === event.requestId);
      for (const p of gone) p.reply(errorAnswer(new RestError(ErrorCode.KafkaRetriableError, 'The request was cancelled.')));
      return { queue: kept };
    }),
    failAll: assign(({ context }) => {
      for (const p of [...context.queue, ...(context.current ? [context.current] : [])]) p.reply(errorAnswer(notFound()));
      return { queue: [], current: null };
    }),
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
  delays: {
    expiry: ({ context }) => Math.max(0, context.lastUsedAt + context.limits.instanceTimeoutMs - Date.now()),
    commandDeadline: ({ context }) => Math.max(0, (context.current?.deadline ?? 0) - Date.now()),
    deliveryHold: ({ context }) => context.limits.deliveryHoldMs,
    autoCommitInterval: ({ context }) => context.limits.autoCommitIntervalMs,
    joinBackoff: ({ context }) => Math.min(250 * 2 ** Math.max(0, context.joinAttempt - 1), 2_000),
    patternRefresh: ({ context }) => context.limits.patternRefreshMs,
    finishTimeout: ({ context }) => context.limits.finishTimeoutMs,
  },
}).createMachine({
  id: 'consumer',
  context: ({ input }) => ({
    ...input,
    queue: [],
    current: null,
    delivery: null,
    memberAssignment: [],
    lastUsedAt: input.session.context.lastUsedAt,
    joinAttempt: 0,
    lastError: null,
    lastRead: null,
    ending: null,
  }),
  initial: 'live',
  states: {
    live: {
      type: 'parallel',
      on: {
        ASK: [
          { guard: 'describeAsked', actions: ({ context, event }) => event.request.reply({ ok: true, value: describe(context) }) },
          { guard: 'deleteAsked', target: 'ending', actions: assign({ ending: ({ event }) => ({ reason: 'Deleted' as const, commit: true, reply: event.type === 'ASK' ? event.request : null }) }) },
          { actions: 'enqueue' },
        ],
        EXPIRE: { target: 'ending', actions: assign({ ending: ({ event }) => ({ reason: 'Expired' as const, commit: event.type === 'EXPIRE' && event.commit, reply: null }) }) },
        CLOSE: { target: 'closing' },
        CANCEL: { actions: 'drop' },
        JOINED: {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const joined: SessionEvent = { type: 'Joined', memberId: event.memberId, partitions: event.partitions, at: event.at };
            const session = apply(context.session, [joined]);
            enqueue.assign({ memberAssignment: event.partitions, joinAttempt: 0, lastError: null });
            if (!session) return;
            enqueue({ type: 'record', params: { events: [joined], session } });
            enqueue.assign({ session });
          }),
        },
      },
      states: {
        membership: {
          initial: 'checking',
          states: {
            checking: { always: [{ guard: 'subscribed', target: 'joining' }, { target: 'detached' }] },
            detached: { entry: assign({ memberAssignment: [] }) },
            joining: {
              invoke: {
                src: 'join',
                input: ({ context }) => ({ subscription: context.session.context.subscription!, evictMemberId: context.session.context.memberId }),
                onDone: { target: 'member' },
                onError: { target: 'retrying', actions: assign({ lastError: ({ event }) => ({ message: `joining the group failed: ${message(event.error)}`, at: Date.now() }) }) },
              },
            },
            member: {
              after: { patternRefresh: { guard: 'isPattern', target: 'refreshing' } },
              on: {
                MEMBER_FAILED: {
                  target: 'retrying',
                  actions: assign({ lastError: ({ event }) => ({ message: `the group member failed: ${event.error}`, at: Date.now() }) }),
                },
              },
            },
            refreshing: {
              // New topics matching the pattern mean a new subscription: rejoin with them.
              invoke: { src: 'refreshPattern', onDone: [{ guard: ({ event }) => event.output, target: 'joining' }, { target: 'member' }], onError: { target: 'member' } },
              on: { MEMBER_FAILED: { target: 'retrying' } },
            },
            retrying: {
              entry: [assign({ joinAttempt: ({ context }) => context.joinAttempt + 1, memberAssignment: [] }), { type: 'log', params: ({ context }) => ({ message: 'consumer group join will be retried', error: context.lastError?.message }) }],
              after: { joinBackoff: { target: 'checking' } },
            },
            leaving: { invoke: { src: 'leave', onDone: { target: 'checking' }, onError: { target: 'checking' } } },
          },
          on: { SUBSCRIPTION_CHANGED: { target: '.leaving', actions: assign({ joinAttempt: 0 }) } },
        },
        requests: {
          initial: 'idle',
          states: {
            idle: {
              always: { guard: 'hasQueued', target: 'dispatching' },
              after: { expiry: { actions: raise({ type: 'EXPIRE', commit: true }) } },
            },
            dispatching: {
              entry: 'takeNext',
              always: [
                { guard: ({ context }) => context.current === null, target: 'idle' },
                {
                  guard: ({ context }) => decide(context.session, context.current!.command, liveAssignment(context)) !== null,
                  target: 'idle',
                  actions: assign(({ context }) => {
                    context.current!.reply(errorAnswer(decide(context.session, context.current!.command, liveAssignment(context))!));
                    return { current: null };
                  }),
                },
                { target: 'working' },
              ],
            },
            working: {
              invoke: {
                src: 'execute',
                input: ({ context }) => ({
                  request: context.current!,
                  session: context.session,
                  assignment: liveAssignment(context),
                  touch: !context.current!.internal && Date.now() - context.session.context.lastUsedAt >= context.limits.instanceTimeoutMs / 10,
                }),
                onDone: {
                  target: 'settled',
                  actions: enqueueActions(({ context, event, enqueue }) => {
                    const outcome = event.output;
                    const session = apply(context.session, outcome.events);
                    if (!session) {
                      if (outcome.delivery) enqueue({ type: 'putBack', params: { delivery: outcome.delivery } });
                      context.current!.reply(errorAnswer(new RestError(ErrorCode.IllegalState, 'Illegal state: the instance changed while the request ran')));
                      enqueue.assign({ current: null });
                      return;
                    }
                    if (outcome.events.length > 0) enqueue({ type: 'record', params: { events: outcome.events, session } });
                    enqueue.assign({ session, delivery: outcome.delivery ?? null, current: null });
                    if (outcome.read) enqueue.assign({ lastRead: outcome.read });
                    if (outcome.membershipChanged) enqueue.raise({ type: 'SUBSCRIPTION_CHANGED' });
                    context.current!.reply({ ok: true, value: outcome.answer });
                  }),
                },
                onError: {
                  target: 'idle',
                  actions: assign(({ context, event }) => {
                    const failure = event.error instanceof RestError ? event.error : new RestError(ErrorCode.InternalServerError, message(event.error));
                    context.current!.reply(errorAnswer(failure));
                    const lastError = failure.status >= 500 ? { message: failure.message, at: Date.now() } : context.lastError;
                    return { current: null, lastError };
                  }),
                },
              },
              after: { commandDeadline: { target: 'idle', actions: assign(({ context }) => (context.current!.reply(errorAnswer(expired())), { current: null })) } },
              on: { CANCEL: { guard: 'isCurrent', target: 'idle', actions: assign(({ context }) => (context.current!.reply(errorAnswer(new RestError(ErrorCode.KafkaRetriableError, 'The request was cancelled.'))), { current: null })) } },
            },
            settled: { always: [{ guard: ({ context }) => context.delivery !== null, target: 'delivering' }, { target: 'idle' }] },
            delivering: {
              on: {
                ACK: {
                  guard: 'acksDelivery',
                  target: 'idle',
                  actions: enqueueActions(({ context, event, enqueue }) => {
                    const delivery = context.delivery!;
                    enqueue.assign({ delivery: null });
                    if (event.type !== 'ACK' || !event.delivered) return void enqueue({ type: 'putBack', params: { delivery } });
                    enqueue({ type: 'countDelivered', params: { delivery } });
                    // A rebalance during the read may have taken partitions away: their positions are not ours.
                    const owned = new Set(liveAssignment(context).map(tpKey));
                    const offsets = delivery.next.filter((o) => owned.has(tpKey(o)));
                    const delivered: SessionEvent = { type: 'Delivered', offsets, at: Date.now() };
                    const session = offsets.length > 0 ? apply(context.session, [delivered]) : null;
                    if (!session) return;
                    enqueue({ type: 'record', params: { events: [delivered], session } });
                    enqueue.assign({ session });
                  }),
                },
              },
              // A response that never reports back counts as undelivered: redelivering beats skipping.
              after: { deliveryHold: { target: 'idle', actions: [{ type: 'putBack', params: ({ context }) => ({ delivery: context.delivery! }) }, assign({ delivery: null })] } },
            },
          },
        },
        autoCommit: {
          initial: 'ticking',
          states: {
            ticking: {
              after: {
                autoCommitInterval: {
                  guard: 'autoCommit',
                  target: 'ticking',
                  reenter: true,
                  actions: raise(() => ({ type: 'ASK' as const, request: internalCommit() })),
                },
              },
            },
          },
        },
      },
    },
    ending: {
      entry: 'failAll',
      invoke: {
        src: 'finish',
        input: ({ context }) => ({ commit: (context.ending?.commit ?? false) && context.session.context.config.autoCommit }),
        onDone: { target: 'ended' },
        onError: { target: 'ended', actions: { type: 'log', params: ({ event }) => ({ message: 'the final commit or LeaveGroup failed', error: message(event.error) }) } },
      },
      after: { finishTimeout: { target: 'ended', actions: { type: 'log', params: { message: 'the final commit or LeaveGroup took too long; ending anyway' } } } },
      on: { ASK: { actions: 'refuseLate' } },
    },
    ended: {
      type: 'final',
      entry: [
        enqueueActions(({ context, enqueue }) => {
          const ending: SessionEvent = { type: context.ending!.reason, at: Date.now() };
          const session = apply(context.session, [ending]);
          if (session) {
            enqueue({ type: 'record', params: { events: [ending], session } });
            enqueue.assign({ session });
          }
          context.ending!.reply?.reply({ ok: true, value: null });
        }),
        'compact',
      ],
    },
    closing: {
      entry: 'failAll',
      invoke: { src: 'close', onDone: { target: 'closed' }, onError: { target: 'closed' } },
      on: { ASK: { actions: 'refuseLate' } },
    },
    closed: { type: 'final' },
  },
});

function describe(context: ConsumerContext) {
  const { group, name, config } = context.session.context;
  return { group, name, config };
}

const expired = () => new RestError(ErrorCode.KafkaRetriableError, 'The request waited past its deadline and was dropped.');

function internalCommit(): Pending {
  return { id: 'auto-commit', command: { type: 'AutoCommit' }, deadline: Number.MAX_SAFE_INTEGER, internal: true, reply: () => undefined };
}

function partition<T>(items: T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
