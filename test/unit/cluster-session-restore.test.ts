// A sessions topic that lost what a member wrote (deleted and created again): SessionLog notices a
// partition ending below what it wrote there, and rewrite() puts back everything the member holds,
// so the next owner's replay folds to the live sessions. No broker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldSession } from '../../src/actors/consumer/recovery.ts';
import { replayPartition, type OwnerMarker } from '../../src/cluster/session-records.ts';
import { adopt, assertSameSession, at, create, input, lifeAfterSnapshot, lifeBeforeSnapshot, member, partitionOf, record, snapshot, T0, tp } from '../helpers/session-log-fixtures.ts';

const marker: OwnerMarker = { state: 'owned', memberId: 'member-a', url: 'http://127.0.0.1:1', at: T0 };

/** Two instances on different partitions of the same member: one snapshotted mid-life, one not. */
async function twoSessions() {
  const a = member();
  const first = { actorId: 'consumer-a', ref: { group: 'g1', instance: 'c1' } };
  let second = { actorId: 'consumer-b', ref: { group: 'g1', instance: 'c2' } };
  for (let i = 3; partitionOf(second.ref) === partitionOf(first.ref); i++) second = { actorId: 'consumer-b', ref: { group: 'g1', instance: `c${i}` } };
  const seq = lifeBeforeSnapshot(a.journal, first.actorId);
  snapshot(a.journal, first.actorId, seq);
  lifeAfterSnapshot(a.journal, first.actorId);
  create(a.journal, second.actorId, input(second.ref.instance, second.ref.group));
  record(a.journal, second.actorId, { type: 'Subscribed', subscription: { topics: ['t1'] }, at: at(1) });
  await a.log.flushed();
  return { a, sessions: [first, second].map((s) => ({ ...s, partition: partitionOf(s.ref) })) };
}

describe('SessionLog after the sessions topic lost its records', () => {
  it('says so when a partition ends below what it wrote, and only then', async () => {
    const { a, sessions } = await twoSessions();
    const written = sessions.map((s) => s.partition);
    assert.equal(a.log.lostRecords(a.writer.ends, written), false, 'the topic holds everything');
    assert.equal(a.log.lostRecords(new Map(), [written[0]! + 100]), false, 'a partition it never wrote to lost nothing');
    a.writer.recreate();
    assert.equal(a.log.lostRecords(a.writer.ends, written), true);
    assert.equal(a.log.lostRecords(a.writer.ends, [written[0]!]), true, 'one lost partition is enough');
  });

  it('a write that lands in the topic created again does not hide what it lost', async () => {
    const { a, sessions } = await twoSessions();
    a.writer.recreate();
    record(a.journal, sessions[1]!.actorId, { type: 'Touched', at: at(9) });
    await a.log.flushed();
    assert.equal(a.writer.ends.get(sessions[1]!.partition), 1, 'the write went to the new, empty partition');
    assert.equal(a.log.lostRecords(a.writer.ends, [sessions[1]!.partition]), true);
  });

  it('a partition this member released says nothing of a loss: its next owner writes there, maybe less', async () => {
    const { a, sessions } = await twoSessions();
    const [kept, released] = sessions.map((s) => s.partition) as [number, number];
    a.log.disowned(released);
    a.writer.recreate();
    // Another owner wrote back a shorter history there (its sessions only); this member adopts it again later.
    assert.equal(a.log.lostRecords(a.writer.ends, [released]), false);
    assert.equal(a.log.lostRecords(a.writer.ends, [kept]), true, 'what it still owns is still checked');
  });

  it('rewrite() puts back every session of the given partitions, which replay folds to the live ones', async () => {
    const { a, sessions } = await twoSessions();
    const live = sessions.map((s) => foldSession(a.journal, s.actorId));
    a.writer.recreate();
    const released: OwnerMarker = { ...marker, state: 'released' };
    const count = a.log.rewrite(a.journal, new Set(sessions.map((s) => s.partition)), { ...marker, state: 'releasing' }, released);
    assert.equal(count, 2);
    await a.log.flushed();
    for (const [i, { actorId, partition }] of sessions.entries()) {
      const replayed = replayPartition(a.writer.partition(partition));
      assert.deepEqual(replayed.marker, released, `partition ${partition} ends with the last marker`);
      assert.deepEqual(a.writer.partition(partition)[0], { key: `o/${partition}`, value: JSON.stringify({ ...marker, state: 'releasing' }) }, 'and begins with the first');
      assert.deepEqual(replayed.actors.map((actor) => actor.actorId), [actorId]);
      assertSameSession(foldSession(adopt(a.writer.partition(partition), partition).journal, actorId), live[i]!, actorId);
    }
    // Written-back partitions count from the new topic's offsets: nothing is lost any more.
    record(a.journal, sessions[0]!.actorId, { type: 'Touched', at: at(10) });
    await a.log.flushed();
    assert.equal(a.log.lostRecords(a.writer.ends, sessions.map((s) => s.partition)), false);
  });

  it('rewrite() leaves out the partitions not asked for, and the next owner still goes on from the live session', async () => {
    const { a, sessions } = await twoSessions();
    const [kept, other] = sessions as [(typeof sessions)[number], (typeof sessions)[number]];
    a.writer.recreate();
    assert.equal(a.log.rewrite(a.journal, new Set([kept.partition]), { ...marker, state: 'releasing' }, { ...marker, state: 'released' }), 1);
    await a.log.flushed();
    assert.deepEqual(a.writer.partition(other.partition), []);
    // The rewritten session goes on: the next owner numbers its events after the written-back ones.
    const b = adopt(a.writer.partition(kept.partition), kept.partition);
    record(b.journal, kept.actorId, { type: 'Touched', at: at(11) });
    await b.log.flushed();
    const both = [...a.writer.partition(kept.partition), ...b.writer.partition(kept.partition)];
    assertSameSession(foldSession(adopt(both, kept.partition).journal, kept.actorId), foldSession(b.journal, kept.actorId), 'after the next owner wrote');
  });
});

describe('a session written back, adopted, and handed over again', () => {
  it('folds to the live session at the last owner, snapshot or not', async () => {
    for (const snapshotAfterAdopt of [false, true]) {
      const { a, sessions } = await twoSessions();
      const [{ actorId, partition }] = sessions as [(typeof sessions)[number]];
      a.writer.recreate();
      a.log.rewrite(a.journal, new Set([partition]), { ...marker, state: 'releasing' }, { ...marker, state: 'released' });
      await a.log.flushed();
      // The fence forgets it here; the next owner adopts what was written back and goes on.
      const b = adopt(a.writer.partition(partition), partition);
      const seq = record(b.journal, actorId, { type: 'Delivered', offsets: [{ ...tp(0), offset: 30 }], at: at(12) }, { type: 'Delivered', offsets: [{ ...tp(0), offset: 32 }], at: at(13) });
      if (snapshotAfterAdopt) snapshot(b.journal, actorId, seq);
      record(b.journal, actorId, { type: 'Touched', at: at(14) });
      await b.log.flushed();
      const log = [...a.writer.partition(partition), ...b.writer.partition(partition)];
      const c = adopt(log, partition);
      assertSameSession(foldSession(c.journal, actorId), foldSession(b.journal, actorId), `snapshot after adoption: ${snapshotAfterAdopt}`);
      assert.deepEqual(foldSession(c.journal, actorId)?.context.positions ?? null, foldSession(b.journal, actorId)?.context.positions ?? null);
    }
  });
});
