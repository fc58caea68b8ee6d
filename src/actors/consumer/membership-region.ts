/**
 * The consumer actor's membership region: a subscribed instance joins its group (invoked `join`),
 * stays a member until the member fails or a pattern's matches change, and retries with backoff;
 * an instance without a subscription stays detached.
 */
import { assign } from 'xstate';
import { kafkaRefusal } from '../../kafka/kafka-error.ts';
import { consumerSetup, failed, message } from './consumer-setup.ts';

// kafkajs reports a failed join as a crash while run() still resolves: a member may fail in
// joining as well as later, and either way the join starts over.
const memberFailed = { target: 'retrying', actions: 'noteMemberFailed' } as const;

export const membershipRegion = consumerSetup.createStateConfig({
  initial: 'checking',
  states: {
    checking: { always: [{ guard: 'subscribed', target: 'joining' }, { target: 'detached' }] },
    detached: { entry: assign({ memberAssignment: [] }) },
    joining: {
      invoke: {
        src: 'join',
        input: ({ context }) => ({ subscription: context.session.context.subscription!, evictMemberId: context.session.context.memberId }),
        onDone: { target: 'member' },
        onError: {
          target: 'retrying',
          actions: assign(({ context, event }) => ({ ...failed(context, 'JoinFailed', `joining the group failed: ${message(event.error)}`), refusal: kafkaRefusal(event.error) })),
        },
      },
      on: { MEMBER_FAILED: memberFailed },
    },
    member: {
      after: { patternRefresh: { guard: 'isPattern', target: 'refreshing' } },
      on: { MEMBER_FAILED: memberFailed },
    },
    refreshing: {
      // New topics matching the pattern mean a new subscription: rejoin with them.
      invoke: { src: 'refreshPattern', onDone: [{ guard: ({ event }) => event.output, target: 'joining' }, { target: 'member' }], onError: { target: 'member' } },
      on: { MEMBER_FAILED: memberFailed },
    },
    retrying: {
      entry: [assign({ joinAttempt: ({ context }) => context.joinAttempt + 1, memberAssignment: [] }), { type: 'log', params: ({ context }) => ({ message: 'consumer group join will be retried', error: context.lastError?.message }) }],
      after: { joinBackoff: { target: 'checking' } },
    },
    leaving: { invoke: { src: 'leave', onDone: { target: 'checking' }, onError: { target: 'checking' } } },
  },
  on: { SUBSCRIPTION_CHANGED: { target: '.leaving', actions: assign({ joinAttempt: 0 }) } },
});
