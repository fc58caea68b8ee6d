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
import { assign, enqueueActions, raise } from 'xstate';
import { apply } from './decide.ts';
import type { SessionEvent } from './session-machine.ts';
import { consumerSetup, describe, internalCommit, message } from './consumer-setup.ts';
import { membershipRegion } from './membership-region.ts';
import { requestsRegion } from './requests-region.ts';

export { liveAssignment, type ConsumerContext, type ConsumerEvent, type ConsumerInput, type ConsumerLimits } from './consumer-setup.ts';

export const consumerMachine = consumerSetup.createMachine({
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
    refusal: null,
    incidents: [],
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
            enqueue.assign({ memberAssignment: event.partitions, joinAttempt: 0, lastError: null, refusal: null });
            if (!session) return;
            enqueue({ type: 'record', params: { events: [joined], session } });
            enqueue.assign({ session });
          }),
        },
      },
      states: {
        membership: membershipRegion,
        requests: requestsRegion,
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
      // The session stays in the journal: only the Kafka side closes (a last auto-commit, LeaveGroup).
      invoke: {
        src: 'finish',
        input: ({ context }) => ({ commit: context.session.context.config.autoCommit }),
        onDone: { target: 'closed' },
        onError: { target: 'closed', actions: { type: 'log', params: ({ event }) => ({ message: 'the last commit on shutdown failed', error: message(event.error) }) } },
      },
      on: { ASK: { actions: 'refuseLate' } },
    },
    closed: { type: 'final' },
  },
});
