import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import {
  consumerSessionMachine,
  sessionState,
  type SessionEvent,
  type SessionInput,
} from '../../src/actors/consumer/session-machine.ts';

type Snapshot = SnapshotFrom<typeof consumerSessionMachine>;

const T0 = 1_700_000_000_000;

const input: SessionInput = {
  group: 'g1',
  name: 'c1',
  config: { format: 'json', autoOffsetReset: 'latest', autoCommit: true, fetchMinBytes: 512, requestTimeoutMs: 2500 },
  at: T0,
};

const start = (): Snapshot => initialTransition(consumerSessionMachine, input)[0];

/** Applies events in order (a fold, as recovery does). */
function run(snapshot: Snapshot, ...events: SessionEvent[]): Snapshot {
  let s = snapshot;
  for (const event of events) [s] = transition(consumerSessionMachine, s, event);
  return s;
}

const stateOf = (s: Snapshot) => sessionState(s.value);

const subscribed = (at: number, topics = ['a', 'b']): SessionEvent => ({ type: 'Subscribed', subscription: { topics }, at });
const assigned = (at: number): SessionEvent => ({
  type: 'Assigned',
  partitions: [
    { topic: 'a', partition: 0 },
    { topic: 'a', partition: 1 },
  ],
  positions: [
    { topic: 'a', partition: 0, offset: 5 },
    { topic: 'a', partition: 1, offset: 9 },
  ],
  at,
});

describe('consumerSessionMachine: initial state', () => {
  test('starts active.unsubscribed with the input and createdAt = lastUsedAt = input.at', () => {
    const s = start();
    assert.equal(s.status, 'active');
    assert.deepEqual(s.value, { active: 'unsubscribed' });
    assert.equal(stateOf(s), 'unsubscribed');
    assert.deepEqual(s.context, {
      group: 'g1',
      name: 'c1',
      config: input.config,
      at: T0,
      subscription: null,
      assignment: null,
      positions: {},
      memberId: null,
      createdAt: T0,
      lastUsedAt: T0,
    });
  });

  test('the context is built from the given input (not fixed values)', () => {
    const other: SessionInput = {
      group: 'other-group',
      name: 'other',
      config: { format: 'binary', autoOffsetReset: 'earliest', autoCommit: false, fetchMinBytes: null, requestTimeoutMs: null },
      at: 42,
    };
    const [s] = initialTransition(consumerSessionMachine, other);
    assert.equal(s.context.group, 'other-group');
    assert.equal(s.context.name, 'other');
    assert.deepEqual(s.context.config, other.config);
    assert.equal(s.context.createdAt, 42);
    assert.equal(s.context.lastUsedAt, 42);
  });
});

describe('consumerSessionMachine: subscription', () => {
  test('Subscribed moves to subscribed with the subscription, no assignment and no positions', () => {
    const s = run(start(), subscribed(T0 + 10));
    assert.deepEqual(s.value, { active: 'subscribed' });
    assert.deepEqual(s.context.subscription, { topics: ['a', 'b'] });
    assert.equal(s.context.assignment, null);
    assert.deepEqual(s.context.positions, {});
    assert.equal(s.context.memberId, null);
    assert.equal(s.context.lastUsedAt, T0 + 10);
    assert.equal(s.context.createdAt, T0);
  });

  test('a pattern subscription is kept as given', () => {
    const s = run(start(), { type: 'Subscribed', subscription: { pattern: 'test.*' }, at: T0 + 1 });
    assert.deepEqual(s.context.subscription, { pattern: 'test.*' });
  });

  test('re-subscribing replaces the subscription and clears positions and member id', () => {
    const s = run(
      start(),
      subscribed(T0 + 1),
      { type: 'Joined', memberId: 'm-1', partitions: [{ topic: 'a', partition: 0 }], at: T0 + 2 },
      { type: 'Delivered', offsets: [{ topic: 'a', partition: 0, offset: 3 }], at: T0 + 3 },
      { type: 'Subscribed', subscription: { pattern: 'x.*' }, at: T0 + 4 },
    );
    assert.equal(stateOf(s), 'subscribed');
    assert.deepEqual(s.context.subscription, { pattern: 'x.*' });
    assert.deepEqual(s.context.positions, {});
    assert.equal(s.context.memberId, null);
    assert.equal(s.context.assignment, null);
    assert.equal(s.context.lastUsedAt, T0 + 4);
  });

  test('Unsubscribed from subscribed clears subscription, assignment, positions and member id', () => {
    const s = run(
      start(),
      subscribed(T0 + 1),
      { type: 'Joined', memberId: 'm-1', partitions: [{ topic: 'a', partition: 0 }], at: T0 + 2 },
      { type: 'PositionsSet', offsets: [{ topic: 'a', partition: 0, offset: 7 }], at: T0 + 3 },
      { type: 'Unsubscribed', at: T0 + 4 },
    );
    assert.deepEqual(s.value, { active: 'unsubscribed' });
    assert.equal(s.context.subscription, null);
    assert.equal(s.context.assignment, null);
    assert.deepEqual(s.context.positions, {});
    assert.equal(s.context.memberId, null);
    assert.equal(s.context.lastUsedAt, T0 + 4);
  });

  test('Unsubscribed while unsubscribed stays there and only moves lastUsedAt', () => {
    const s = run(start(), { type: 'Unsubscribed', at: T0 + 9 });
    assert.equal(stateOf(s), 'unsubscribed');
    assert.deepEqual(s.context, { ...start().context, lastUsedAt: T0 + 9 });
  });
});

describe('consumerSessionMachine: manual assignment', () => {
  test('Assigned with partitions moves to assigned with the positions from the event', () => {
    const s = run(start(), assigned(T0 + 5));
    assert.deepEqual(s.value, { active: 'assigned' });
    assert.deepEqual(s.context.assignment, [
      { topic: 'a', partition: 0 },
      { topic: 'a', partition: 1 },
    ]);
    assert.deepEqual(s.context.positions, { 'a:0': 5, 'a:1': 9 });
    assert.equal(s.context.subscription, null);
    assert.equal(s.context.lastUsedAt, T0 + 5);
  });

  test('Assigned with no partitions leaves (or stays) unsubscribed, cleared', () => {
    const empty: SessionEvent = { type: 'Assigned', partitions: [], positions: [], at: T0 + 7 };
    const fromUnsubscribed = run(start(), empty);
    assert.equal(stateOf(fromUnsubscribed), 'unsubscribed');
    assert.equal(fromUnsubscribed.context.assignment, null);
    assert.equal(fromUnsubscribed.context.lastUsedAt, T0 + 7);

    const fromAssigned = run(start(), assigned(T0 + 5), empty);
    assert.equal(stateOf(fromAssigned), 'unsubscribed');
    assert.equal(fromAssigned.context.assignment, null);
    assert.deepEqual(fromAssigned.context.positions, {});
    assert.equal(fromAssigned.context.lastUsedAt, T0 + 7);
  });

  test('re-assigning replaces assignment and positions', () => {
    const s = run(start(), assigned(T0 + 1), {
      type: 'Assigned',
      partitions: [{ topic: 'b', partition: 3 }],
      positions: [{ topic: 'b', partition: 3, offset: 100 }],
      at: T0 + 2,
    });
    assert.equal(stateOf(s), 'assigned');
    assert.deepEqual(s.context.assignment, [{ topic: 'b', partition: 3 }]);
    assert.deepEqual(s.context.positions, { 'b:3': 100 });
  });

  test('Unsubscribed from assigned clears everything', () => {
    const s = run(start(), assigned(T0 + 1), { type: 'Unsubscribed', at: T0 + 2 });
    assert.equal(stateOf(s), 'unsubscribed');
    assert.equal(s.context.assignment, null);
    assert.deepEqual(s.context.positions, {});
    assert.equal(s.context.lastUsedAt, T0 + 2);
  });
});

describe('consumerSessionMachine: subscribe and assign are mutually exclusive', () => {
  test('Subscribed while assigned is not possible and changes nothing', () => {
    const before = run(start(), assigned(T0 + 1));
    const event = subscribed(T0 + 50);
    assert.equal(before.can(event), false);
    const [after] = transition(consumerSessionMachine, before, event);
    assert.deepEqual(after.value, { active: 'assigned' });
    assert.deepEqual(after.context, before.context);
    assert.equal(after.context.lastUsedAt, T0 + 1);
  });

  test('Assigned while subscribed is not possible and changes nothing', () => {
    const before = run(start(), subscribed(T0 + 1));
    const event = assigned(T0 + 50);
    assert.equal(before.can(event), false);
    // Not even assign([]) (which would be unsubscribe from the unsubscribed state).
    assert.equal(before.can({ type: 'Assigned', partitions: [], positions: [], at: T0 + 50 }), false);
    const [after] = transition(consumerSessionMachine, before, event);
    assert.deepEqual(after.value, { active: 'subscribed' });
    assert.deepEqual(after.context, before.context);
  });

  test('can() allows what the state allows', () => {
    const idle = start();
    assert.equal(idle.can(subscribed(T0)), true);
    assert.equal(idle.can(assigned(T0)), true);
    assert.equal(idle.can({ type: 'Assigned', partitions: [], positions: [], at: T0 }), true);
    assert.equal(idle.can({ type: 'Joined', memberId: 'm', partitions: [], at: T0 }), false);
    assert.equal(idle.can({ type: 'Delivered', offsets: [], at: T0 }), false);
    assert.equal(idle.can({ type: 'Deleted', at: T0 }), true);

    const sub = run(idle, subscribed(T0));
    assert.equal(sub.can(subscribed(T0 + 1)), true);
    assert.equal(sub.can({ type: 'Joined', memberId: 'm', partitions: [], at: T0 }), true);

    const asg = run(idle, assigned(T0));
    assert.equal(asg.can(assigned(T0 + 1)), true);
    assert.equal(asg.can({ type: 'Joined', memberId: 'm', partitions: [], at: T0 }), false);
  });
});

describe('consumerSessionMachine: group membership and positions', () => {
  test('Joined records the member id and keeps only positions of the new assignment', () => {
    const s = run(
      start(),
      subscribed(T0 + 1),
      {
        type: 'PositionsSet',
        offsets: [
          { topic: 'a', partition: 0, offset: 10 },
          { topic: 'a', partition: 1, offset: 20 },
          { topic: 'b', partition: 0, offset: 30 },
        ],
        at: T0 + 2,
      },
      {
        type: 'Joined',
        memberId: 'member-7',
        partitions: [
          { topic: 'a', partition: 1 },
          { topic: 'b', partition: 0 },
          { topic: 'c', partition: 0 },
        ],
        at: T0 + 3,
      },
    );
    assert.equal(stateOf(s), 'subscribed');
    assert.equal(s.context.memberId, 'member-7');
    assert.deepEqual(s.context.positions, { 'a:1': 20, 'b:0': 30 });
    assert.deepEqual(s.context.subscription, { topics: ['a', 'b'] });
    assert.equal(s.context.lastUsedAt, T0 + 3);
  });

  test('a second Joined replaces the member id', () => {
    const s = run(
      start(),
      subscribed(T0 + 1),
      { type: 'Joined', memberId: 'm-1', partitions: [], at: T0 + 2 },
      { type: 'Joined', memberId: 'm-2', partitions: [], at: T0 + 3 },
    );
    assert.equal(s.context.memberId, 'm-2');
  });

  test('PositionsSet updates the given partitions and leaves the others alone', () => {
    const s = run(start(), assigned(T0 + 1), {
      type: 'PositionsSet',
      offsets: [
        { topic: 'a', partition: 1, offset: 0 },
        { topic: 'z', partition: 2, offset: 4 },
      ],
      at: T0 + 2,
    });
    assert.deepEqual(s.context.positions, { 'a:0': 5, 'a:1': 0, 'z:2': 4 });
    assert.equal(s.context.lastUsedAt, T0 + 2);
    assert.equal(stateOf(s), 'assigned');
  });

  test('Delivered updates positions like PositionsSet, in subscribed and assigned', () => {
    const a = run(start(), assigned(T0 + 1), {
      type: 'Delivered',
      offsets: [{ topic: 'a', partition: 0, offset: 6 }],
      at: T0 + 2,
    });
    assert.deepEqual(a.context.positions, { 'a:0': 6, 'a:1': 9 });
    assert.equal(a.context.lastUsedAt, T0 + 2);

    const s = run(start(), subscribed(T0 + 1), {
      type: 'Delivered',
      offsets: [
        { topic: 'b', partition: 0, offset: 11 },
        { topic: 'b', partition: 1, offset: 12 },
      ],
      at: T0 + 3,
    });
    assert.deepEqual(s.context.positions, { 'b:0': 11, 'b:1': 12 });
    assert.equal(s.context.lastUsedAt, T0 + 3);
  });

  test('Committed and Touched only move lastUsedAt, in every active state', () => {
    for (const setup of [[], [subscribed(T0 + 1)], [assigned(T0 + 1)]] as SessionEvent[][]) {
      const before = run(start(), ...setup);
      const committed = run(before, { type: 'Committed', offsets: [{ topic: 'a', partition: 0, offset: 99 }], at: T0 + 100 });
      assert.deepEqual(committed.value, before.value);
      assert.deepEqual(committed.context, { ...before.context, lastUsedAt: T0 + 100 });
      const touched = run(before, { type: 'Touched', at: T0 + 200 });
      assert.deepEqual(touched.value, before.value);
      assert.deepEqual(touched.context, { ...before.context, lastUsedAt: T0 + 200 });
    }
  });

  test('the input snapshot is not mutated by a transition', () => {
    const before = run(start(), assigned(T0 + 1));
    const copy = structuredClone(before.context);
    run(before, { type: 'PositionsSet', offsets: [{ topic: 'a', partition: 0, offset: 77 }], at: T0 + 2 });
    assert.deepEqual(before.context, copy);
  });
});

describe('consumerSessionMachine: end of life', () => {
  test('Deleted is final "deleted" (status done) and moves lastUsedAt', () => {
    const s = run(start(), subscribed(T0 + 1), { type: 'Deleted', at: T0 + 2 });
    assert.equal(s.value, 'deleted');
    assert.equal(s.status, 'done');
    assert.equal(sessionState(s.value), 'deleted');
    assert.equal(s.context.lastUsedAt, T0 + 2);
  });

  test('Expired is final "expired" and does not move lastUsedAt', () => {
    const s = run(start(), assigned(T0 + 1), { type: 'Expired', at: T0 + 999 });
    assert.equal(s.value, 'expired');
    assert.equal(s.status, 'done');
    assert.equal(sessionState(s.value), 'expired');
    assert.equal(s.context.lastUsedAt, T0 + 1);
  });

  test('events after a final state change nothing', () => {
    for (const end of [{ type: 'Deleted', at: T0 + 2 }, { type: 'Expired', at: T0 + 2 }] as SessionEvent[]) {
      const done = run(start(), assigned(T0 + 1), end);
      const events: SessionEvent[] = [
        subscribed(T0 + 10),
        assigned(T0 + 11),
        { type: 'Unsubscribed', at: T0 + 12 },
        { type: 'Touched', at: T0 + 13 },
        { type: 'Committed', offsets: [], at: T0 + 14 },
        { type: 'PositionsSet', offsets: [{ topic: 'a', partition: 0, offset: 1 }], at: T0 + 15 },
        { type: 'Deleted', at: T0 + 16 },
        { type: 'Expired', at: T0 + 17 },
      ];
      for (const event of events) {
        assert.equal(done.can(event), false, `${end.type} then ${event.type}`);
        const [after] = transition(consumerSessionMachine, done, event);
        assert.deepEqual(after.value, done.value);
        assert.equal(after.status, 'done');
        assert.deepEqual(after.context, done.context);
      }
    }
  });
});

describe('consumerSessionMachine: lastUsedAt', () => {
  test("every handled event's at becomes lastUsedAt, except Expired", () => {
    const cases: Array<[SessionEvent[], SessionEvent]> = [
      [[], subscribed(T0 + 50)],
      [[], assigned(T0 + 50)],
      [[], { type: 'Assigned', partitions: [], positions: [], at: T0 + 50 }],
      [[], { type: 'Unsubscribed', at: T0 + 50 }],
      [[subscribed(T0 + 1)], { type: 'Unsubscribed', at: T0 + 50 }],
      [[subscribed(T0 + 1)], { type: 'Joined', memberId: 'm', partitions: [], at: T0 + 50 }],
      [[subscribed(T0 + 1)], { type: 'PositionsSet', offsets: [], at: T0 + 50 }],
      [[assigned(T0 + 1)], { type: 'Delivered', offsets: [], at: T0 + 50 }],
      [[assigned(T0 + 1)], { type: 'Committed', offsets: [], at: T0 + 50 }],
      [[], { type: 'Touched', at: T0 + 50 }],
      [[assigned(T0 + 1)], { type: 'Deleted', at: T0 + 50 }],
    ];
    for (const [setup, event] of cases) {
      const s = run(start(), ...setup, event);
      assert.equal(s.context.lastUsedAt, T0 + 50, `${event.type} after ${setup.map((e) => e.type).join(',') || 'start'}`);
      assert.equal(s.context.createdAt, T0);
    }
    assert.equal(run(start(), { type: 'Expired', at: T0 + 50 }).context.lastUsedAt, T0);
  });
});

describe('sessionState', () => {
  test('reads nested and flat state values', () => {
    assert.equal(sessionState({ active: 'unsubscribed' }), 'unsubscribed');
    assert.equal(sessionState({ active: 'subscribed' }), 'subscribed');
    assert.equal(sessionState({ active: 'assigned' }), 'assigned');
    assert.equal(sessionState('deleted'), 'deleted');
    assert.equal(sessionState('expired'), 'expired');
  });

  test('matches the machine snapshots', () => {
    assert.equal(sessionState(start().value), 'unsubscribed');
    assert.equal(sessionState(run(start(), subscribed(T0)).value), 'subscribed');
    assert.equal(sessionState(run(start(), assigned(T0)).value), 'assigned');
  });
});
