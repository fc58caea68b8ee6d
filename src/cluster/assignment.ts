/**
 * How the members of a proxy cluster share the sessions topic's partitions: evenly (counts differ
 * by at most one) and stickily (a member keeps what it owned, up to its share), so a member joining
 * or leaving moves only the sessions that must move, and each move is a hand-over of live sessions.
 * Pure: the group leader runs it over what every member reported owning.
 */

export interface MemberClaim {
  memberId: string;
  /** Partitions the member owned before this rebalance. */
  owned: number[];
}

export function assignPartitions(members: readonly MemberClaim[], partitionCount: number): Map<string, number[]> {
  const ordered = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const result = new Map<string, number[]>(ordered.map((m) => [m.memberId, []]));
  if (ordered.length === 0) return result;
  const base = Math.floor(partitionCount / ordered.length);
  // The first `extra` members (in id order) may hold one more than the base share.
  let extra = partitionCount % ordered.length;
  const quota = new Map<string, number>();
  // Members that already hold more than the base get the extra places first: fewer moves.
  const byClaim = [...ordered].sort((a, b) => validClaims(b.owned, partitionCount).length - validClaims(a.owned, partitionCount).length);
  for (const member of byClaim) {
    const wantsExtra = extra > 0 && validClaims(member.owned, partitionCount).length > base;
    quota.set(member.memberId, base + (wantsExtra ? 1 : 0));
    if (wantsExtra) extra--;
  }
  for (const member of ordered) {
    if (extra > 0 && quota.get(member.memberId) === base) {
      quota.set(member.memberId, base + 1);
      extra--;
    }
  }
  const taken = new Set<number>();
  for (const member of ordered) {
    const mine = result.get(member.memberId)!;
    for (const partition of validClaims(member.owned, partitionCount)) {
      if (mine.length >= quota.get(member.memberId)! || taken.has(partition)) continue;
      mine.push(partition);
      taken.add(partition);
    }
  }
  let next = 0;
  for (let partition = 0; partition < partitionCount; partition++) {
    if (taken.has(partition)) continue;
    // Round the free partitions over the members still below their quota.
    for (let tries = 0; tries < ordered.length; tries++) {
      const member = ordered[next++ % ordered.length]!;
      const mine = result.get(member.memberId)!;
      if (mine.length < quota.get(member.memberId)!) {
        mine.push(partition);
        break;
      }
    }
  }
  for (const partitions of result.values()) partitions.sort((a, b) => a - b);
  return result;
}

function validClaims(owned: readonly number[], partitionCount: number): number[] {
  return [...new Set(owned)].filter((p) => Number.isInteger(p) && p >= 0 && p < partitionCount).sort((a, b) => a - b);
}
