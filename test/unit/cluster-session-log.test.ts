// SessionLog (src/cluster/session-log.ts), with replayPartition (src/cluster/session-records.ts):
// a consumer session journaled in cluster mode becomes records of the compacted sessions topic, and
// the next owner's replay of those records, loaded into its own journal, folds to the same session
// as the live one. No broker: a fake SessionTopicWriter records what would have been written.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldSession } from '../../src/actors/consumer/recovery.ts';
import type { SessionEvent } from '../../src/actors/consumer/session-machine.ts';
import { sessionPartition } from '../../src/cluster/session-partition.ts';
import { replayPartition, type LogRecord, type SnapshotValue } from '../../src/cluster/session-records.ts';
import { PARTITIONS, CONSUMER, partitionOf, deferred, member, input, create, record, snapshot, tp, at, lifeBeforeSnapshot, lifeAfterSnapshot, adopt, assertSameSession, compactLog } from '../helpers/session-log-fixtures.ts';

const isEvent = (r: LogRecord) => r.key.startsWith('e/');
const eventN = (r: LogRecord) => Number(r.key.slice(r.key.lastIndexOf('/') + 1));

describe('SessionLog', () => {
  const actorId = 'consumer-0f8fad5b-d9cb-469f-a165-70867728950e';
  const home = partitionOf({ group: 'g1', instance: 'c1' });

  it('(a) turns a session into records whose replay folds to the live session', async () => {
    const first = member();
    const seq = lifeBeforeSnapshot(first.journal, actorId);
    snapshot(first.journal, actorId, seq);
    lifeAfterSnapshot(first.journal, actorId);
    await first.log.flushed();
    const live = foldSession(first.journal, actorId);
    assert.equal(live?.context.memberId, 'member-2', 'the life went past the snapshot');

    const records = first.writer.partition(home);
    const second = adopt(records, home);
    assert.deepEqual(second.replayed.actors.map((a) => a.actorId), [actorId]);
    assert.deepEqual(second.journal.actorIds(CONSUMER), [actorId]);
    assertSameSession(foldSession(second.journal, actorId), live);

    // Whatever Kafka's compaction has done so far, the fold is the same.
    assertSameSession(foldSession(adopt(compactLog(records, false), home).journal, actorId), live, 'compacted');
    assertSameSession(foldSession(adopt(compactLog(records, true), home).journal, actorId), live, 'compacted, tombstones gone');
  });

  it('(a) folds to the live session at every step of its life, with or without snapshots', async () => {
    const first = member();
    create(first.journal, actorId);
    const steps: SessionEvent[] = [
      { type: 'Subscribed', subscription: { pattern: 't.*' }, at: at(1) },
      { type: 'Joined', memberId: 'm-1', partitions: [tp(0), tp(2)], at: at(2) },
      { type: 'Delivered', offsets: [{ ...tp(2), offset: 1 }], at: at(3) },
      { type: 'Unsubscribed', at: at(4) },
      { type: 'Assigned', partitions: [tp(5)], positions: [{ ...tp(5), offset: 40 }], at: at(5) },
      { type: 'Delivered', offsets: [{ ...tp(5), offset: 41 }], at: at(6) },
      { type: 'Committed', offsets: [{ ...tp(5), offset: 41 }], at: at(7) },
      { type: 'Assigned', partitions: [], positions: [], at: at(8) },
      { type: 'Subscribed', subscription: { topics: ['t1', 't2'] }, at: at(9) },
    ];
    for (const [i, event] of steps.entries()) {
      const seq = record(first.journal, actorId, event);
      if (i % 3 === 2) snapshot(first.journal, actorId, seq);
      await first.log.flushed();
      const replayed = adopt(first.writer.partition(home), home);
      assertSameSession(foldSession(replayed.journal, actorId), foldSession(first.journal, actorId), `after ${event.type} (${i})`);
    }
  });

  it('(b) writes every record of a session to the partition its group and name hash to', async () => {
    const first = member();
    const sessions = [
      { id: 'consumer-a', session: input('c1', 'g1') },
      { id: 'consumer-b', session: input('c2', 'g1') },
      { id: 'consumer-c', session: input('rest-consumer-7', 'payments') },
      { id: 'consumer-d', session: input('café', 'grüppe') },
    ];
    for (const { id, session } of sessions) {
      create(first.journal, id, session);
      const seq = record(first.journal, id, { type: 'Subscribed', subscription: { topics: ['t1'] }, at: at(1) });
      snapshot(first.journal, id, seq);
      record(first.journal, id, { type: 'Touched', at: at(2) });
    }
    first.journal.compact('consumer-b');
    await first.log.flushed();
    for (const { id, session } of sessions) {
      const expected = sessionPartition({ group: session.group, instance: session.name }, PARTITIONS);
      const mine = first.writer.records.filter((r) => r.key.includes(id));
      assert.ok(mine.length >= 5, id);
      for (const r of mine) assert.equal(r.partition, expected, `${r.key} goes to partition ${expected}`);
    }
    const distinct = new Set(sessions.map(({ session }) => sessionPartition({ group: session.group, instance: session.name }, PARTITIONS)));
    assert.ok(distinct.size > 1, 'the sessions of this test are on more than one partition');
    // Each partition's replay holds the sessions that hash to it, and only those.
    for (const partition of distinct) {
      const expected = sessions
        .filter(({ id, session }) => id !== 'consumer-b' && sessionPartition({ group: session.group, instance: session.name }, PARTITIONS) === partition)
        .map(({ id }) => id);
      assert.deepEqual(replayPartition(first.writer.partition(partition)).actors.map((a) => a.actorId), expected);
    }
  });

  it('(c) tombstones the events a snapshot covers, and replay ignores covered events whose tombstones were lost', async () => {
    const first = member();
    const seq = lifeBeforeSnapshot(first.journal, actorId); // 6 events: Created + 5
    await first.log.flushed();
    const before = first.writer.records.length;
    snapshot(first.journal, actorId, seq);
    await first.log.flushed();
    const bySnapshot = first.writer.records.slice(before);
    assert.equal(bySnapshot[0]!.key, `s/${actorId}`);
    const value = JSON.parse(bySnapshot[0]!.value!) as SnapshotValue;
    assert.equal(value.covers, 6);
    assert.equal(value.actorType, CONSUMER);
    assert.deepEqual(
      bySnapshot.slice(1).map((r) => [r.key, r.value]),
      [1, 2, 3, 4, 5, 6].map((n) => [`e/${actorId}/${n}`, null]),
    );

    lifeAfterSnapshot(first.journal, actorId);
    await first.log.flushed();
    const live = foldSession(first.journal, actorId);
    const records = first.writer.partition(home);

    // A crash between the snapshot and its tombstones: the covered events keep their values.
    const crashed = records.filter((r) => !(isEvent(r) && r.value === null));
    const replayed = replayPartition(crashed);
    assert.deepEqual(replayed.actors[0]!.events.map((e) => e.n), [7, 8, 9, 10]);
    assert.equal(replayed.actors[0]!.lastN, 10);
    assertSameSession(foldSession(adopt(crashed, home).journal, actorId), live, 'tombstones lost');
    assertSameSession(foldSession(adopt(compactLog(crashed, false), home).journal, actorId), live, 'tombstones lost, then compacted');
  });

  it('(c) a second snapshot covers the events since the first, and only those are tombstoned again', async () => {
    const first = member();
    snapshot(first.journal, actorId, lifeBeforeSnapshot(first.journal, actorId));
    await first.log.flushed();
    const before = first.writer.records.length;
    snapshot(first.journal, actorId, lifeAfterSnapshot(first.journal, actorId));
    await first.log.flushed();
    const written = first.writer.records.slice(before);
    const snap = written.find((r) => r.key === `s/${actorId}`)!;
    assert.equal((JSON.parse(snap.value!) as SnapshotValue).covers, 10);
    assert.deepEqual(
      written.filter((r) => isEvent(r) && r.value === null).map(eventN),
      [7, 8, 9, 10],
    );
    const replayed = replayPartition(first.writer.partition(home));
    assert.deepEqual(replayed.actors[0]!.events, []);
    assertSameSession(foldSession(adopt(first.writer.partition(home), home).journal, actorId), foldSession(first.journal, actorId));
  });

  it('(d) tombstones every key of a session that ends, so replay yields no actor', async () => {
    const first = member();
    snapshot(first.journal, actorId, lifeBeforeSnapshot(first.journal, actorId));
    lifeAfterSnapshot(first.journal, actorId);
    create(first.journal, 'consumer-other', input('c2'));
    record(first.journal, actorId, { type: 'Deleted', at: at(20) });
    first.journal.compact(actorId);
    await first.log.flushed();

    const records = first.writer.records.filter((r) => r.key.includes(actorId));
    const compacted = compactLog(records, false);
    assert.ok(compacted.length > 0);
    assert.ok(compacted.every((r) => r.value === null), 'only tombstones survive compaction');
    assert.deepEqual(replayPartition(records).actors, []);
    assert.deepEqual(replayPartition(compacted).actors, []);
    assert.deepEqual(replayPartition(compactLog(records, true)).actors, []);
    // The other session is untouched.
    const otherHome = partitionOf({ group: 'g1', instance: 'c2' });
    assert.deepEqual(replayPartition(first.writer.partition(otherHome)).actors.map((a) => a.actorId), ['consumer-other']);
  });

  it('(d) tombstones a session without snapshot too', async () => {
    const first = member();
    create(first.journal, actorId);
    record(first.journal, actorId, { type: 'Touched', at: at(1) }, { type: 'Expired', at: at(2) });
    first.journal.compact(actorId);
    await first.log.flushed();
    const records = first.writer.partition(home);
    assert.deepEqual(
      records.map((r) => [r.key, r.value === null]),
      [
        [`e/${actorId}/1`, false],
        [`e/${actorId}/2`, false],
        [`e/${actorId}/3`, false],
        [`e/${actorId}/1`, true],
        [`e/${actorId}/2`, true],
        [`e/${actorId}/3`, true],
        [`s/${actorId}`, true],
      ],
    );
    assert.deepEqual(replayPartition(records).actors, []);
  });

  it('(c)+(d) an owner that adopted covered events whose tombstones were lost still tombstones them when the session ends', async () => {
    const first = member();
    snapshot(first.journal, actorId, lifeBeforeSnapshot(first.journal, actorId));
    await first.log.flushed();
    // The crash: the snapshot is on Kafka, its tombstones are not.
    const crashed = first.writer.partition(home).filter((r) => !(isEvent(r) && r.value === null));
    const second = adopt(crashed, home);
    record(second.journal, actorId, { type: 'Deleted', at: at(30) });
    second.journal.compact(actorId);
    await second.log.flushed();
    const combined = [...crashed, ...second.writer.partition(home)];
    assert.deepEqual(replayPartition(combined).actors, [], 'the ended session does not come back');
    assert.deepEqual(replayPartition(compactLog(combined, true)).actors, [], 'not even after compaction');
  });

  it('(c) an owner that adopted covered events whose tombstones were lost tombstones them with its next snapshot', async () => {
    const first = member();
    snapshot(first.journal, actorId, lifeBeforeSnapshot(first.journal, actorId));
    await first.log.flushed();
    const crashed = first.writer.partition(home).filter((r) => !(isEvent(r) && r.value === null));
    const second = adopt(crashed, home);
    assert.deepEqual(second.replayed.actors[0]!.stale, [1, 2, 3, 4, 5, 6]);
    await second.log.flushed();
    assert.equal(second.writer.records.length, 0, 'not at load');
    snapshot(second.journal, actorId, record(second.journal, actorId, { type: 'Touched', at: at(30) }));
    await second.log.flushed();
    assert.deepEqual(
      second.writer.records.map((r) => `${r.key}${r.value === null ? ' (tombstone)' : ''}`),
      [`e/${actorId}/7`, `s/${actorId}`, ...[1, 2, 3, 4, 5, 6, 7].map((n) => `e/${actorId}/${n} (tombstone)`)],
    );
    const combined = [...crashed, ...second.writer.partition(home)];
    assert.ok(compactLog(combined, false).filter(isEvent).every((r) => r.value === null), 'no covered event keeps a value');
    assert.deepEqual(replayPartition(combined).actors[0]!.stale, []);
    assertSameSession(foldSession(adopt(combined, home).journal, actorId), foldSession(second.journal, actorId));
  });

  it('(e) flushed() resolves only once the writer has taken the records', async () => {
    const first = member();
    await first.log.flushed(); // nothing to write: resolves at once
    assert.equal(first.writer.attempts, 0);
    const gate = deferred();
    first.writer.gate = gate.promise;
    lifeBeforeSnapshot(first.journal, actorId);
    assert.equal(first.log.pending, 6);
    let done = false;
    const flushed = first.log.flushed().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(done, false, 'not while the write is in flight');
    assert.equal(first.writer.records.length, 0);
    first.writer.gate = null;
    gate.resolve();
    await flushed;
    assert.equal(first.log.pending, 0);
    assert.equal(first.writer.records.length, 6);
  });

  it('(e) retries refused writes in order, loses nothing, and reports the failure once', async () => {
    const first = member();
    first.writer.failures = 2;
    lifeBeforeSnapshot(first.journal, actorId);
    let done = false;
    const flushed = first.log.flushed().then(() => (done = true));
    // While the writes are refused, more is journaled.
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(done, false, 'not while Kafka refuses the records');
    assert.equal(first.writer.records.length, 0);
    const seq = record(first.journal, actorId, { type: 'Touched', at: at(10) });
    snapshot(first.journal, actorId, seq);
    const later = first.log.flushed();
    await flushed;
    await later;
    assert.equal(first.writer.attempts >= 3, true);
    assert.equal(first.failures(), 1, 'reported once');
    assert.equal(first.log.pending, 0);
    assert.deepEqual(
      first.writer.records.map((r) => `${r.key}${r.value === null ? ' (tombstone)' : ''}`),
      [
        ...[1, 2, 3, 4, 5, 6, 7].map((n) => `e/${actorId}/${n}`),
        `s/${actorId}`,
        ...[1, 2, 3, 4, 5, 6, 7].map((n) => `e/${actorId}/${n} (tombstone)`),
      ],
    );
    assertSameSession(foldSession(adopt(first.writer.partition(home), home).journal, actorId), foldSession(first.journal, actorId));

    // After the failures, writes go straight through again.
    const attempts = first.writer.attempts;
    record(first.journal, actorId, { type: 'Touched', at: at(11) });
    await first.log.flushed();
    assert.equal(first.writer.attempts, attempts + 1);
    assert.equal(first.failures(), 1);
  });

  it('(f) load and forget write nothing back', async () => {
    const first = member();
    snapshot(first.journal, actorId, lifeBeforeSnapshot(first.journal, actorId));
    lifeAfterSnapshot(first.journal, actorId);
    await first.log.flushed();
    const second = adopt(first.writer.partition(home), home);
    assert.equal(second.log.pending, 0);
    await second.log.flushed();
    assert.equal(second.writer.records.length, 0);
    assert.equal(second.writer.attempts, 0);
    assert.ok(foldSession(second.journal, actorId));

    second.log.forget(second.journal, actorId);
    await second.log.flushed();
    assert.equal(second.writer.records.length, 0);
    assert.equal(foldSession(second.journal, actorId), null, 'forgotten from the journal');
    assert.deepEqual(second.journal.actorIds(CONSUMER), []);
    // A forgotten session is not this member's any more: its later changes here are not mirrored.
    second.journal.compact(actorId);
    await second.log.flushed();
    assert.equal(second.writer.records.length, 0);
  });

  it('(g) does not mirror actors of other types', async () => {
    const first = member();
    first.journal.append('slot-1', 'producer-slot', 'Created', { group: 'g1', name: 'c1' });
    first.journal.append('slot-1', 'producer-slot', 'Sent', { at: at(1) });
    first.journal.writeSnapshot('slot-1', 'producer-slot', 2, { state: 'idle' });
    first.journal.compact('slot-1');
    await first.log.flushed();
    assert.equal(first.writer.records.length, 0);
    assert.equal(first.log.pending, 0);
  });

  it('(h) a second owner numbers its events after the replayed ones, and replay of both owners folds to the live session', async () => {
    const first = member();
    snapshot(first.journal, actorId, lifeBeforeSnapshot(first.journal, actorId));
    lifeAfterSnapshot(first.journal, actorId);
    await first.log.flushed();
    const fromFirst = first.writer.partition(home);
    const firstKeys = new Set(fromFirst.filter((r) => r.value !== null).map((r) => r.key));
    const lastN = Math.max(...fromFirst.filter(isEvent).map(eventN));

    const second = adopt(fromFirst, home);
    assert.equal(second.replayed.actors[0]!.lastN, lastN);
    const marker = { state: 'owned' as const, memberId: 'member-b', url: 'http://b:8082', at: at(40) };
    second.log.marker(home, marker);
    const seq = record(
      second.journal,
      actorId,
      { type: 'Joined', memberId: 'member-3', partitions: [tp(0), tp(1)], at: at(41) },
      { type: 'Delivered', offsets: [{ ...tp(1), offset: 99 }], at: at(42) },
      { type: 'Committed', offsets: [{ ...tp(1), offset: 99 }], at: at(43) },
    );
    snapshot(second.journal, actorId, seq);
    record(second.journal, actorId, { type: 'Delivered', offsets: [{ ...tp(0), offset: 50 }], at: at(44) });
    await second.log.flushed();
    const live = foldSession(second.journal, actorId);

    const fromSecond = second.writer.partition(home);
    const newEvents = fromSecond.filter((r) => isEvent(r) && r.value !== null);
    assert.deepEqual(newEvents.map(eventN), [lastN + 1, lastN + 2, lastN + 3, lastN + 4]);
    for (const r of fromSecond.filter((r) => r.value !== null && r.key !== `s/${actorId}` && !r.key.startsWith('o/'))) {
      assert.ok(!firstKeys.has(r.key), `${r.key} does not overwrite a record of the first owner`);
    }
    // The second owner's snapshot tombstones the replayed events it covers as well as its own.
    const snap = JSON.parse(fromSecond.find((r) => r.key === `s/${actorId}`)!.value!) as SnapshotValue;
    assert.equal(snap.covers, lastN + 3);
    assert.deepEqual(
      fromSecond.filter((r) => isEvent(r) && r.value === null).map(eventN),
      [7, 8, 9, 10, lastN + 1, lastN + 2, lastN + 3],
    );

    const combined = [...fromFirst, ...fromSecond];
    const third = adopt(combined, home);
    assert.deepEqual(third.replayed.marker, marker);
    assert.equal(third.replayed.actors[0]!.lastN, lastN + 4);
    assertSameSession(foldSession(third.journal, actorId), live);
    assertSameSession(foldSession(adopt(compactLog(combined, true), home).journal, actorId), live, 'compacted');
    assertSameSession(
      foldSession(adopt(combined.filter((r) => !(isEvent(r) && r.value === null)), home).journal, actorId),
      live,
      'tombstones lost',
    );
  });
});
