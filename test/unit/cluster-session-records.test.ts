// replayPartition (src/cluster/session-records.ts) on its own: how one partition of the sessions
// topic folds back into actors — event order, snapshots and what they cover, tombstones, owner
// markers, and keys it does not know.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replayPartition, type LogRecord } from '../../src/cluster/session-records.ts';

const T0 = 1_700_000_000_000;
const CONSUMER = 'consumer';

describe('replayPartition', () => {
  const event = (type: string, payload: unknown = {}) => JSON.stringify({ actorType: CONSUMER, type, payload, at: T0 });
  const snap = (covers: number, snapshot: unknown = { n: covers }) => JSON.stringify({ actorType: CONSUMER, snapshot, covers });
  const owner = (state: 'owned' | 'released', memberId: string) => ({ state, memberId, url: `http://${memberId}`, at: T0 });

  it('answers nothing for an empty partition', () => {
    assert.deepEqual(replayPartition([]), { actors: [], marker: null });
  });

  it('takes the last owner marker', () => {
    const records: LogRecord[] = [
      { key: 'o/3', value: JSON.stringify(owner('owned', 'a')) },
      { key: 'e/x/1', value: event('Created') },
      { key: 'o/3', value: JSON.stringify(owner('released', 'a')) },
      { key: 'o/3', value: JSON.stringify(owner('owned', 'b')) },
    ];
    assert.deepEqual(replayPartition(records).marker, owner('owned', 'b'));
    assert.deepEqual(replayPartition(records.slice(0, 3)).marker, owner('released', 'a'));
  });

  it('orders events by number, keeps those after the snapshot, and counts tombstones in lastN', () => {
    const { actors } = replayPartition([
      { key: 'e/x/2', value: event('Touched') },
      { key: 'e/x/1', value: event('Created') },
      { key: 's/x', value: snap(2) },
      { key: 'e/x/1', value: null },
      { key: 'e/x/4', value: event('Delivered') },
      { key: 'e/x/3', value: event('Subscribed') },
      { key: 'e/x/5', value: event('Committed') },
      { key: 'e/x/5', value: null },
    ]);
    assert.equal(actors.length, 1);
    assert.equal(actors[0]!.actorId, 'x');
    assert.equal(actors[0]!.actorType, CONSUMER);
    assert.deepEqual(actors[0]!.snapshot, { actorType: CONSUMER, snapshot: { n: 2 }, covers: 2 });
    assert.deepEqual(actors[0]!.events.map((e) => [e.n, e.type]), [[3, 'Subscribed'], [4, 'Delivered']]);
    assert.equal(actors[0]!.lastN, 5);
    // Event 2 is covered but was never tombstoned: the next owner must tombstone it.
    assert.deepEqual(actors[0]!.stale, [2]);
  });

  it('keeps the actors in the order they first appeared, and actor ids with slashes whole', () => {
    const { actors } = replayPartition([
      { key: 'e/b/1', value: event('Created') },
      { key: 'e/a/x/1', value: event('Created') },
      { key: 'e/b/2', value: event('Touched') },
    ]);
    assert.deepEqual(actors.map((a) => [a.actorId, a.events.length]), [['b', 2], ['a/x', 1]]);
  });

  it('takes lastN from the snapshot when its tombstoned events are compacted away', () => {
    const { actors } = replayPartition([{ key: 's/x', value: snap(7) }]);
    assert.equal(actors[0]!.lastN, 7);
    assert.deepEqual(actors[0]!.events, []);
  });

  it('drops an actor whose snapshot and events are tombstoned', () => {
    const { actors } = replayPartition([
      { key: 'e/x/1', value: event('Created') },
      { key: 's/x', value: snap(1) },
      { key: 'e/x/1', value: null },
      { key: 'e/x/2', value: event('Deleted') },
      { key: 'e/x/2', value: null },
      { key: 's/x', value: null },
      { key: 'e/y/1', value: event('Created') },
    ]);
    assert.deepEqual(actors.map((a) => a.actorId), ['y']);
  });

  it('uses the latest snapshot of an actor', () => {
    const { actors } = replayPartition([
      { key: 's/x', value: snap(2, 'old') },
      { key: 'e/x/3', value: event('Touched') },
      { key: 's/x', value: snap(3, 'new') },
      { key: 'e/x/4', value: event('Touched') },
    ]);
    assert.equal(actors[0]!.snapshot?.snapshot, 'new');
    assert.deepEqual(actors[0]!.events.map((e) => e.n), [4]);
  });

  it('ignores keys it does not know', () => {
    const { actors, marker } = replayPartition([
      { key: 'x/whatever', value: '{"not":"json"' },
      { key: 'e/x/1', value: event('Created') },
      { key: 'e/x/not-a-number', value: event('Touched') },
      { key: 'e/x/1.5', value: event('Touched') },
      { key: 'z', value: 'garbage' },
      { key: '', value: null },
      { key: 'o/1', value: null },
    ]);
    assert.equal(marker, null);
    assert.deepEqual(actors.map((a) => [a.actorId, a.events.map((e) => e.n)]), [['x', [1]]]);
    assert.equal(actors[0]!.lastN, 1);
  });
});
