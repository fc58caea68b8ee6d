/**
 * The consumer actor's requests region: one request at a time from the bounded queue; `decide`
 * before any work (when it is taken from the queue), `apply` before any journaling; a read's delivery stays open until the caller
 * acknowledges it (or it is put back), and the instance expires after being idle too long.
 */
import { assign, enqueueActions, raise } from 'xstate';
import { ErrorCode, RestError } from '../../errors.ts';
import { tpKey } from '../../kafka/topic-partition.ts';
import { apply } from './decide.ts';
import { errorAnswer } from './pending.ts';
import type { SessionEvent } from './session-machine.ts';
import { cancelled, consumerSetup, expired, failed, liveAssignment, message, noted } from './consumer-setup.ts';

export const requestsRegion = consumerSetup.createStateConfig({
  initial: 'idle',
  states: {
    idle: {
      always: { guard: 'hasQueued', target: 'dispatching' },
      after: { expiry: { actions: raise({ type: 'EXPIRE', commit: true }) } },
    },
    dispatching: {
      entry: 'takeNext',
      always: [{ guard: ({ context }) => context.current === null, target: 'idle' }, { target: 'working' }],
    },
    working: {
      invoke: {
        src: 'execute',
        input: ({ context }) => ({
          request: context.current!,
          session: context.session,
          assignment: liveAssignment(context),
          refusal: context.refusal,
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
            return { current: null, ...failed(context, `${context.current!.command.type}Failed`, failure.message) };
          }),
        },
      },
      after: {
        commandDeadline: {
          target: 'idle',
          actions: assign(({ context }) => {
            context.current!.reply(errorAnswer(expired()));
            return { current: null, ...noted(context, 'RequestTimedOut', `${context.current!.command.type} ran past its caller's deadline and was stopped`) };
          }),
        },
      },
      on: { CANCEL: { guard: 'isCurrent', target: 'idle', actions: assign(({ context }) => (context.current!.reply(errorAnswer(cancelled())), { current: null })) } },
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
            if (event.type !== 'ACK' || !event.delivered) {
              enqueue.assign(noted(context, 'DeliveryFailed', `the response did not reach its client; ${delivery.first.length} partition(s) put back`));
              return void enqueue({ type: 'putBack', params: { delivery } });
            }
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
      after: {
        deliveryHold: {
          target: 'idle',
          actions: [
            { type: 'putBack', params: ({ context }) => ({ delivery: context.delivery! }) },
            assign(({ context }) => ({ delivery: null, ...noted(context, 'DeliveryFailed', 'the response never reported back; its records were put back') })),
          ],
        },
      },
    },
  },
});
