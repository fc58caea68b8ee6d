import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { foldSession, type StoredSnapshot } from '../../src/actors/consumer/recovery.ts';
import { sessionState, type SessionContext, type SessionEvent, type SessionInput } from '../../src/actors/consumer/session-machine.ts';
import { Journal } from '../../src/journal/journal.ts';

const T0 = 1_700_000_000_000;

const input = (name = 'c1', at = T0): SessionInput => ({
  group: 'g1',
  name,
  config: { format: 'binary', autoOffsetReset: 'earliest', autoCommit: false, fetchMinBytes: null, requestTimeoutMs: null },
  at,
});

let dir: string;
let journal: Journal;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-rest-consumer-recovery-'));
  journal = Journal.open(join(dir, 'journal.db'));
});

afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

const create = (actorId: string, name = 'c1', at = T0) => journal.append(actorId, 'consumer', 'Created', input(name, at));

/** Journals an event as the consumer instance does: the type apart, the rest as payload. */
function record(actorId: string, event: SessionEvent) {
  const { type, ...payload } = event;
  return journal.append(actorId, 'consumer', type, payload);
}

function allState(j: Journal) {
  return {
    events: j.read(),
    ids: j.actorIds('consumer'),
  };
}

describe('foldSession', () => {
  test('a Created event alone folds to the initial state', () => {
    create('a1');
    const s = foldSession(journal, 'a1');
    assert.ok(s);
    assert.equal(s.status, 'active');
    assert.equal(sessionState(s.value), 'unsubscribed');
    assert.deepEqual(s.context, {
      ...input(),
      subscription: null,
      assignment: null,
      positions: {},
      memberId: null,
      createdAt: T0,
      lastUsedAt: T0,
    });
  });

  test('folds a subscription history', () => {
    create('a1');
    record('a1', { type: 'Subscribed', subscription: { topics: ['t1', 't2'] }, at: T0 + 1 });
    record('a1', { type: 'Joined', memberId: 'member-1', partitions: [{ topic: 't1', partition: 0 }], at: T0 + 2 });
    record('a1', { type: 'Delivered', offsets: [{ topic: 't1', partition: 0, offset: 12 }], at: T0 + 3 });
    record('a1', { type: 'Committed', offsets: [{ topic: 't1', partition: 0, offset: 12 }], at: T0 + 4 });
    const s = foldSession(journal, 'a1');
    assert.ok(s);
    assert.equal(s.status, 'active');
    assert.deepEqual(s.value, { active: 'subscribed' });
    assert.deepEqual(s.context.subscription, { topics: ['t1', 't2'] });
    assert.equal(s.context.memberId, 'member-1');
    assert.deepEqual(s.context.positions, { 't1:0': 12 });
    assert.equal(s.context.assignment, null);
    assert.equal(s.context.createdAt, T0);
    assert.equal(s.context.lastUsedAt, T0 + 4);
  });

  test('folds a manual assignment history, ignoring impossible events as the live machine does', () => {
    create('a1');
    record('a1', {
      type: 'Assigned',
      partitions: [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 1 },
      ],
      positions: [
        { topic: 't', partition: 0, offset: 3 },
        { topic: 't', partition: 1, offset: 4 },
      ],
      at: T0 + 1,
    });
    record('a1', { type: 'PositionsSet', offsets: [{ topic: 't', partition: 1, offset: 40 }], at: T0 + 2 });
    // Not possible while assigned: must not change anything, not even lastUsedAt.
    record('a1', { type: 'Subscribed', subscription: { pattern: 'x.*' }, at: T0 + 3 });
    const s = foldSession(journal, 'a1');
    assert.ok(s);
    assert.deepEqual(s.value, { active: 'assigned' });
    assert.deepEqual(s.context.assignment, [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    assert.deepEqual(s.context.positions, { 't:0': 3, 't:1': 40 });
    assert.equal(s.context.subscription, null);
    assert.equal(s.context.lastUsedAt, T0 + 2);
  });

  test('an Unsubscribed after a subscription folds back to unsubscribed', () => {
    create('a1');
    record('a1', { type: 'Subscribed', subscription: { topics: ['t'] }, at: T0 + 1 });
    record('a1', { type: 'Unsubscribed', at: T0 + 2 });
    const s = foldSession(journal, 'a1');
    assert.ok(s);
    assert.equal(sessionState(s.value), 'unsubscribed');
    assert.equal(s.context.subscription, null);
  });

  test('only the given actor is folded, even with interleaved actors', () => {
    create('a1', 'first');
    create('a2', 'second', T0 + 1);
    record('a2', { type: 'Subscribed', subscription: { topics: ['other'] }, at: T0 + 2 });
    record('a1', { type: 'Subscribed', subscription: { topics: ['mine'] }, at: T0 + 3 });
    record('a2', { type: 'Deleted', at: T0 + 4 });
    // An actor of another type with the same id space must not interfere either.
    journal.append('p1', 'producer', 'Started', { at: T0 });
    const one = foldSession(journal, 'a1');
    const two = foldSession(journal, 'a2');
    assert.ok(one && two);
    assert.equal(one.context.name, 'first');
    assert.deepEqual(one.context.subscription, { topics: ['mine'] });
    assert.equal(one.status, 'active');
    assert.equal(two.context.name, 'second');
    assert.equal(two.value, 'deleted');
  });

  test('an actor without a Created event folds to null', () => {
    assert.equal(foldSession(journal, 'nobody'), null);
    record('orphan', { type: 'Subscribed', subscription: { topics: ['t'] }, at: T0 });
    record('orphan', { type: 'Touched', at: T0 + 1 });
    assert.equal(foldSession(journal, 'orphan'), null);
  });

  test('a deleted session folds to the final state with status done', () => {
    create('a1');
    record('a1', { type: 'Subscribed', subscription: { topics: ['t'] }, at: T0 + 1 });
    record('a1', { type: 'Deleted', at: T0 + 2 });
    record('a1', { type: 'Touched', at: T0 + 3 }); // after the end: ignored
    const s = foldSession(journal, 'a1');
    assert.ok(s);
    assert.equal(s.status, 'done');
    assert.equal(s.value, 'deleted');
    assert.equal(s.context.lastUsedAt, T0 + 2);
  });

  test('an expired session folds to the final state with status done', () => {
    create('a1');
    record('a1', { type: 'Touched', at: T0 + 5 });
    record('a1', { type: 'Expired', at: T0 + 9 });
    const s = foldSession(journal, 'a1');
    assert.ok(s);
    assert.equal(s.status, 'done');
    assert.equal(s.value, 'expired');
    assert.equal(s.context.lastUsedAt, T0 + 5);
  });

  test('starts from the snapshot and folds only the later events', () => {
    create('a1');
    record('a1', { type: 'Subscribed', subscription: { topics: ['t'] }, at: T0 + 1 });
    const mid = record('a1', { type: 'PositionsSet', offsets: [{ topic: 't', partition: 0, offset: 1 }], at: T0 + 2 });
    // A snapshot that disagrees with the events before it: if the fold replayed those events, it
    // would end up subscribed to 't' with position 1 and no member id.
    const context: SessionContext = {
      ...input('from-snapshot'),
      subscription: null,
      assignment: [
        { topic: 's', partition: 0 },
        { topic: 's', partition: 1 },
      ],
      positions: { 's:0': 500, 's:1': 600 },
      memberId: 'snap-member',
      createdAt: T0 - 1000,
      lastUsedAt: T0 - 500,
    };
    journal.writeSnapshot('a1', 'consumer', mid.seq, { value: { active: 'assigned' }, context } satisfies StoredSnapshot);
    record('a1', { type: 'Delivered', offsets: [{ topic: 's', partition: 1, offset: 601 }], at: T0 + 3 });
    // Impossible in the snapshot's state (assigned): ignored.
    record('a1', { type: 'Subscribed', subscription: { topics: ['u'] }, at: T0 + 4 });

    const s = foldSession(journal, 'a1');
    assert.ok(s);
    assert.equal(s.status, 'active');
    assert.deepEqual(s.value, { active: 'assigned' });
    assert.deepEqual(s.context, {
      ...context,
      positions: { 's:0': 500, 's:1': 601 },
      lastUsedAt: T0 + 3,
    });
  });

  test('a snapshot as of the last event is the whole answer', () => {
    create('a1');
    const last = record('a1', { type: 'Subscribed', subscription: { topics: ['t'] }, at: T0 + 1 });
    const context: SessionContext = {
      ...input(),
      subscription: { pattern: 'snap.*' },
      assignment: null,
      positions: { 'snap:0': 7 },
      memberId: 'm',
      createdAt: T0,
      lastUsedAt: T0 + 77,
    };
    journal.writeSnapshot('a1', 'consumer', last.seq, { value: { active: 'subscribed' }, context });
    const s = foldSession(journal, 'a1');
    assert.ok(s);
    assert.deepEqual(s.value, { active: 'subscribed' });
    assert.deepEqual(s.context, context);
    // The resolved snapshot is a live machine snapshot: it answers can().
    assert.equal(s.can({ type: 'Unsubscribed', at: T0 + 100 }), true);
    assert.equal(s.can({ type: 'Assigned', partitions: [{ topic: 't', partition: 0 }], positions: [], at: T0 + 100 }), false);
  });

  test('a snapshot without any remaining events (compacted history) still folds', () => {
    const context: SessionContext = {
      ...input(),
      subscription: { topics: ['t'] },
      assignment: null,
      positions: {},
      memberId: null,
      createdAt: T0,
      lastUsedAt: T0 + 1,
    };
    journal.writeSnapshot('only-snap', 'consumer', 10, { value: { active: 'subscribed' }, context });
    const s = foldSession(journal, 'only-snap');
    assert.ok(s);
    assert.equal(s.status, 'active');
    assert.deepEqual(s.context, context);
  });

  test('a snapshot followed by Deleted folds to done', () => {
    create('a1');
    const e = record('a1', { type: 'Touched', at: T0 + 1 });
    const snapshot = foldSession(journal, 'a1')!;
    journal.writeSnapshot('a1', 'consumer', e.seq, { value: snapshot.value, context: snapshot.context });
    record('a1', { type: 'Deleted', at: T0 + 2 });
    const s = foldSession(journal, 'a1');
    assert.ok(s);
    assert.equal(s.status, 'done');
    assert.equal(s.value, 'deleted');
  });

  test('a snapshot of a final state resolves to status done', () => {
    const context: SessionContext = {
      ...input(),
      subscription: null,
      assignment: null,
      positions: {},
      memberId: null,
      createdAt: T0,
      lastUsedAt: T0,
    };
    journal.writeSnapshot('gone', 'consumer', 1, { value: 'expired', context });
    const s = foldSession(journal, 'gone');
    assert.ok(s);
    assert.equal(s.status, 'done');
    assert.equal(s.value, 'expired');
  });

  test('folding never writes to the journal', () => {
    create('a1');
    record('a1', { type: 'Subscribed', subscription: { topics: ['t'] }, at: T0 + 1 });
    const mid = record('a1', { type: 'Joined', memberId: 'm', partitions: [], at: T0 + 2 });
    const snap = foldSession(journal, 'a1')!;
    journal.writeSnapshot('a1', 'consumer', mid.seq, { value: snap.value, context: snap.context });
    record('a1', { type: 'Deleted', at: T0 + 3 });
    record('orphan', { type: 'Touched', at: T0 });

    const before = allState(journal);
    const snapshotBefore = journal.readSnapshot('a1');
    foldSession(journal, 'a1');
    foldSession(journal, 'orphan');
    foldSession(journal, 'unknown');
    assert.deepEqual(allState(journal), before);
    assert.equal(journal.read().length, 5);
    assert.deepEqual(journal.readSnapshot('a1'), snapshotBefore);
    assert.equal(journal.readSnapshot('orphan'), null);
    assert.equal(journal.readSnapshot('unknown'), null);
  });
});

describe('Journal consumer helpers', () => {
  const ctx = (name: string): StoredSnapshot => ({
    value: { active: 'unsubscribed' },
    context: { ...input(name), subscription: null, assignment: null, positions: {}, memberId: null, createdAt: T0, lastUsedAt: T0 },
  });

  test('actorIds lists actors of the type in order of first appearance, once each', () => {
    create('c-b');
    journal.append('p-1', 'producer', 'Started', {});
    create('c-a');
    record('c-b', { type: 'Touched', at: T0 + 1 });
    create('c-c');
    record('c-a', { type: 'Touched', at: T0 + 2 });
    assert.deepEqual(journal.actorIds('consumer'), ['c-b', 'c-a', 'c-c']);
    assert.deepEqual(journal.actorIds('producer'), ['p-1']);
    assert.deepEqual(journal.actorIds('nothing'), []);
  });

  test('actorIds includes actors that only have a snapshot', () => {
    create('c-1');
    const e = create('c-2');
    journal.writeSnapshot('snap-only', 'consumer', e.seq + 1, ctx('snap-only'));
    journal.writeSnapshot('p-snap', 'producer', e.seq + 1, {});
    // A snapshot of an actor that also has events does not list it twice.
    journal.writeSnapshot('c-1', 'consumer', e.seq, ctx('c-1'));
    assert.deepEqual(journal.actorIds('consumer'), ['c-1', 'c-2', 'snap-only']);
    assert.deepEqual(journal.actorIds('producer'), ['p-snap']);
  });

  test('compact removes the events and snapshot of that actor only', () => {
    create('keep');
    const e = create('drop');
    record('drop', { type: 'Touched', at: T0 + 1 });
    record('keep', { type: 'Touched', at: T0 + 2 });
    journal.writeSnapshot('drop', 'consumer', e.seq, ctx('drop'));
    journal.writeSnapshot('keep', 'consumer', e.seq, ctx('keep'));

    journal.compact('drop');

    assert.deepEqual(journal.read({ actorId: 'drop' }), []);
    assert.equal(journal.readSnapshot('drop'), null);
    assert.equal(foldSession(journal, 'drop'), null);
    assert.deepEqual(
      journal.read({ actorId: 'keep' }).map((entry) => entry.type),
      ['Created', 'Touched'],
    );
    assert.deepEqual(journal.readSnapshot('keep'), { seq: e.seq, snapshot: ctx('keep') });
    assert.deepEqual(journal.actorIds('consumer'), ['keep']);
  });

  test('compact of an unknown actor changes nothing', () => {
    create('keep');
    journal.compact('unknown');
    assert.equal(journal.read().length, 1);
    assert.deepEqual(journal.actorIds('consumer'), ['keep']);
  });

  test('readSnapshot of an unknown actor is null', () => {
    assert.equal(journal.readSnapshot('unknown'), null);
  });

  test('writeSnapshot replaces the previous snapshot', () => {
    journal.writeSnapshot('a1', 'consumer', 3, ctx('first'));
    assert.deepEqual(journal.readSnapshot('a1'), { seq: 3, snapshot: ctx('first') });
    journal.writeSnapshot('a1', 'consumer', 8, ctx('second'));
    assert.deepEqual(journal.readSnapshot('a1'), { seq: 8, snapshot: ctx('second') });
    assert.deepEqual(journal.actorIds('consumer'), ['a1']);
  });

  test('snapshots survive reopening the journal', () => {
    create('a1');
    journal.writeSnapshot('a1', 'consumer', 1, ctx('persisted'));
    journal.close();
    journal = Journal.open(join(dir, 'journal.db'));
    assert.deepEqual(journal.readSnapshot('a1'), { seq: 1, snapshot: ctx('persisted') });
    assert.deepEqual(journal.actorIds('consumer'), ['a1']);
  });
});
