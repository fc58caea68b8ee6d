// assignPartitions (src/cluster/assignment.ts): how the group leader shares the sessions topic's
// partitions among the proxy members: each partition exactly once, evenly (counts differ by at
// most one), deterministically, and stickily (only the partitions that must move do).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignPartitions, type MemberClaim } from '../../src/cluster/assignment.ts';

/** Every partition in [0, count) exactly once, and the shares differ by at most one. */
function assertBalanced(assignment: Map<string, number[]>, count: number): void {
  const all = [...assignment.values()].flat().sort((a, b) => a - b);
  assert.deepEqual(all, Array.from({ length: count }, (_, i) => i), 'every partition exactly once');
  const sizes = [...assignment.values()].map((p) => p.length);
  if (sizes.length > 0) assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `even shares: ${sizes.join(',')}`);
  for (const partitions of assignment.values()) assert.deepEqual(partitions, [...partitions].sort((a, b) => a - b), 'sorted');
}

const claims = (assignment: Map<string, number[]>): MemberClaim[] => [...assignment].map(([memberId, owned]) => ({ memberId, owned }));

const fresh = (...ids: string[]): MemberClaim[] => ids.map((memberId) => ({ memberId, owned: [] }));

/** Partitions whose owner differs between two assignments (absent = no owner). */
function moved(before: Map<string, number[]>, after: Map<string, number[]>): number[] {
  const ownerOf = (a: Map<string, number[]>) => new Map([...a].flatMap(([id, ps]) => ps.map((p) => [p, id] as const)));
  const was = ownerOf(before);
  const now = ownerOf(after);
  return [...now].filter(([p, id]) => was.get(p) !== id).map(([p]) => p).sort((a, b) => a - b);
}

describe('assignPartitions', () => {
  it('assigns every partition exactly once, evenly, for fresh members', () => {
    for (const count of [1, 2, 3, 10, 12, 50, 64]) {
      for (let members = 1; members <= 7; members++) {
        const assignment = assignPartitions(fresh(...Array.from({ length: members }, (_, i) => `m${i}`)), count);
        assert.equal(assignment.size, members);
        assertBalanced(assignment, count);
      }
    }
  });

  it('gives every member an entry, also with no partitions at all', () => {
    const assignment = assignPartitions(fresh('a', 'b'), 0);
    assert.deepEqual([...assignment], [['a', []], ['b', []]]);
  });

  it('answers an empty map for zero members', () => {
    assert.deepEqual(assignPartitions([], 10).size, 0);
    assert.deepEqual(assignPartitions([], 0).size, 0);
  });

  it('gives some members nothing when there are more members than partitions', () => {
    const assignment = assignPartitions(fresh('a', 'b', 'c', 'd', 'e'), 3);
    assertBalanced(assignment, 3);
    assert.equal([...assignment.values()].filter((p) => p.length === 1).length, 3);
    assert.equal([...assignment.values()].filter((p) => p.length === 0).length, 2);
  });

  it('keeps claims when more members than partitions already own them', () => {
    const assignment = assignPartitions(
      [
        { memberId: 'a', owned: [] },
        { memberId: 'b', owned: [2] },
        { memberId: 'c', owned: [] },
        { memberId: 'd', owned: [0] },
      ],
      3,
    );
    assertBalanced(assignment, 3);
    assert.deepEqual(assignment.get('b'), [2]);
    assert.deepEqual(assignment.get('d'), [0]);
  });

  it('does not depend on the order members are given in', () => {
    const members: MemberClaim[] = [
      { memberId: 'm-c', owned: [0, 1, 2, 9] },
      { memberId: 'm-a', owned: [3, 4] },
      { memberId: 'm-d', owned: [] },
      { memberId: 'm-b', owned: [5, 6, 7, 8, 10] },
    ];
    const expected = [...assignPartitions(members, 12)].sort(([a], [b]) => (a < b ? -1 : 1));
    assertBalanced(new Map(expected), 12);
    for (const order of [[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]]) {
      const shuffled = order.map((i) => members[i]!);
      const got = [...assignPartitions(shuffled, 12)].sort(([a], [b]) => (a < b ? -1 : 1));
      assert.deepEqual(got, expected, `order ${order.join(',')}`);
    }
    // Also with fresh members (nothing claimed).
    assert.deepEqual(
      [...assignPartitions(fresh('z', 'y', 'x'), 10)].sort(([a], [b]) => (a < b ? -1 : 1)),
      [...assignPartitions(fresh('x', 'y', 'z'), 10)].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  });

  it('does not mutate the claims it is given', () => {
    const members: MemberClaim[] = [
      { memberId: 'b', owned: [3, 1, 1, 99] },
      { memberId: 'a', owned: [2] },
    ];
    const copy = structuredClone(members);
    assignPartitions(members, 4);
    assert.deepEqual(members, copy);
  });

  it('keeps a stable assignment as it is', () => {
    const first = assignPartitions(fresh('a', 'b', 'c'), 10);
    const again = assignPartitions(claims(first), 10);
    assert.deepEqual([...again], [...first]);
    assert.deepEqual(moved(first, again), []);
  });

  it('moves only what the member that joins gets', () => {
    for (const count of [12, 10, 11, 50, 3, 4]) {
      const before = assignPartitions(fresh('a', 'b', 'c'), count);
      assertBalanced(before, count);
      const after = assignPartitions([...claims(before), { memberId: 'd', owned: [] }], count);
      assertBalanced(after, count);
      const changed = moved(before, after);
      assert.deepEqual(changed, after.get('d'), `${count} partitions: only the new member's partitions change owner`);
      assert.equal(changed.length, after.get('d')!.length);
      for (const id of ['a', 'b', 'c']) {
        const kept = after.get(id)!;
        for (const p of kept) assert.ok(before.get(id)!.includes(p), `${id} gets nothing new (${count} partitions)`);
      }
    }
  });

  it('lets the new member take one from each of the others when 3 members own 12', () => {
    const before = new Map([
      ['a', [0, 1, 2, 3]],
      ['b', [4, 5, 6, 7]],
      ['c', [8, 9, 10, 11]],
    ]);
    const after = assignPartitions([...claims(before), { memberId: 'd', owned: [] }], 12);
    assertBalanced(after, 12);
    assert.equal(after.get('d')!.length, 3);
    for (const id of ['a', 'b', 'c']) {
      assert.equal(after.get(id)!.length, 3);
      assert.equal(before.get(id)!.filter((p) => !after.get(id)!.includes(p)).length, 1, `${id} gives up one`);
    }
    assert.deepEqual(moved(before, after), after.get('d'));
  });

  it('lets the survivors keep all they had when a member leaves', () => {
    for (const count of [12, 10, 11, 50, 5, 4]) {
      const before = assignPartitions(fresh('a', 'b', 'c', 'd'), count);
      for (const leaving of ['a', 'b', 'c', 'd']) {
        const survivors = claims(before).filter((m) => m.memberId !== leaving);
        const after = assignPartitions(survivors, count);
        assertBalanced(after, count);
        assert.equal(after.size, 3);
        for (const { memberId, owned } of survivors) {
          for (const p of owned) assert.ok(after.get(memberId)!.includes(p), `${memberId} keeps ${p} when ${leaving} leaves (${count} partitions)`);
        }
        // What moved is exactly what the leaving member had.
        assert.deepEqual(moved(before, after), before.get(leaving));
      }
    }
  });

  it('ignores out-of-range, negative, fractional and duplicate claims', () => {
    const assignment = assignPartitions(
      [
        { memberId: 'a', owned: [0, 0, 0, 1, 1, -1, 10, 11, 1.5, Number.NaN] },
        { memberId: 'b', owned: [2, 2, 100, -3] },
      ],
      4,
    );
    assertBalanced(assignment, 4);
    for (const partitions of assignment.values()) for (const p of partitions) assert.ok(Number.isInteger(p) && p >= 0 && p < 4);
    assert.deepEqual(assignment.get('a'), [0, 1]);
    assert.deepEqual(assignment.get('b'), [2, 3]);
  });

  it('does not let duplicate claims inflate a share', () => {
    // 'a' claims partition 0 six times: one valid claim, not more than the base share.
    const assignment = assignPartitions(
      [
        { memberId: 'a', owned: [0, 0, 0, 0, 0, 0] },
        { memberId: 'b', owned: [1, 2, 3, 4] },
        { memberId: 'c', owned: [] },
      ],
      7,
    );
    assertBalanced(assignment, 7);
    assert.ok(assignment.get('a')!.includes(0));
  });

  it('gives a partition two members claim to one of them only', () => {
    const assignment = assignPartitions(
      [
        { memberId: 'b', owned: [0, 1, 2] },
        { memberId: 'a', owned: [2, 3] },
        { memberId: 'c', owned: [2] },
      ],
      6,
    );
    assertBalanced(assignment, 6);
    const holders = [...assignment].filter(([, ps]) => ps.includes(2)).map(([id]) => id);
    assert.equal(holders.length, 1);
    // Claims that no one else makes are kept.
    assert.ok(assignment.get('b')!.includes(0) && assignment.get('b')!.includes(1));
    assert.ok(assignment.get('a')!.includes(3));
  });

  it('evens out members that claim more than their share', () => {
    // A member that kept everything while the others were away gives the surplus up.
    const assignment = assignPartitions(
      [
        { memberId: 'a', owned: Array.from({ length: 10 }, (_, i) => i) },
        { memberId: 'b', owned: [] },
      ],
      10,
    );
    assertBalanced(assignment, 10);
    assert.equal(assignment.get('a')!.length, 5);
    assert.ok(assignment.get('a')!.every((p) => p < 10));
  });

  it('stays balanced and complete over a sequence of joins and leaves', () => {
    const count = 23;
    let current = assignPartitions(fresh('m1'), count);
    const steps: Array<{ join?: string; leave?: string }> = [
      { join: 'm2' },
      { join: 'm3' },
      { leave: 'm1' },
      { join: 'm4' },
      { join: 'm5' },
      { leave: 'm3' },
      { join: 'm0' },
      { leave: 'm5' },
    ];
    for (const step of steps) {
      let members = claims(current);
      if (step.leave) members = members.filter((m) => m.memberId !== step.leave);
      if (step.join) members.push({ memberId: step.join, owned: [] });
      const next = assignPartitions(members, count);
      assertBalanced(next, count);
      const changed = moved(current, next);
      if (step.join) assert.deepEqual(changed, next.get(step.join), `join ${step.join}`);
      if (step.leave) assert.deepEqual(changed, current.get(step.leave), `leave ${step.leave}`);
      current = next;
    }
  });
});
