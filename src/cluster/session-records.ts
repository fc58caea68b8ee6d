/**
 * The sessions topic's record format, and the pure fold that turns one partition back into journal
 * entries. The topic is compacted, so every record's key says what it stands for:
 * - `e/<actorId>/<n>`: the n-th journal event of an actor (n counts per actor, across owners);
 * - `s/<actorId>`: the actor's latest snapshot, covering its events up to `covers`;
 * - `o/<partition>`: who owns the partition (`owned`), is handing it over (`releasing`) or has (`released`).
 * A snapshot is followed by tombstones for the events it covers, and an ended actor by tombstones
 * for all its keys, so compaction keeps the topic as small as the live sessions. Replay ignores
 * covered events whatever compaction has done yet, which makes a crash between the two harmless.
 */

export interface EventValue {
  actorType: string;
  type: string;
  payload: unknown;
  at: number;
}

export interface SnapshotValue {
  actorType: string;
  snapshot: unknown;
  /** The highest event number this snapshot includes. */
  covers: number;
}

export interface OwnerMarker {
  /** `releasing`: its owner is shutting down and will say `released` when done. */
  state: 'owned' | 'releasing' | 'released';
  memberId: string;
  url: string;
  at: number;
}

export interface LogRecord {
  key: string;
  /** null: a tombstone. */
  value: string | null;
}

export const eventKey = (actorId: string, n: number) => `e/${actorId}/${n}`;
export const snapshotKey = (actorId: string) => `s/${actorId}`;
export const markerKey = (partition: number) => `o/${partition}`;

/** One actor as a partition tells it: its snapshot (if any) and the events after it, in order. */
export interface ReplayedActor {
  actorId: string;
  actorType: string;
  snapshot: SnapshotValue | null;
  events: Array<EventValue & { n: number }>;
  /** The highest event number seen: the next owner goes on counting from here. */
  lastN: number;
  /** Events the snapshot covers that still hold a value (their tombstones never made it): to tombstone later. */
  stale: number[];
}

export interface ReplayedPartition {
  actors: ReplayedActor[];
  marker: OwnerMarker | null;
}

/** Folds a partition's records (oldest first) into its live actors, in the order they first appeared. */
export function replayPartition(records: Iterable<LogRecord>): ReplayedPartition {
  const events = new Map<string, Map<number, EventValue>>();
  const snapshots = new Map<string, SnapshotValue>();
  const lastN = new Map<string, number>();
  const order: string[] = [];
  let marker: OwnerMarker | null = null;
  const seen = (actorId: string) => {
    if (!events.has(actorId)) {
      events.set(actorId, new Map());
      order.push(actorId);
    }
    return events.get(actorId)!;
  };
  for (const { key, value } of records) {
    const kind = key.slice(0, 2);
    if (kind === 'o/') {
      if (value !== null) marker = JSON.parse(value) as OwnerMarker;
      continue;
    }
    if (kind === 's/') {
      const actorId = key.slice(2);
      seen(actorId);
      if (value === null) snapshots.delete(actorId);
      else snapshots.set(actorId, JSON.parse(value) as SnapshotValue);
      continue;
    }
    if (kind !== 'e/') continue;
    const slash = key.lastIndexOf('/');
    const actorId = key.slice(2, slash);
    const n = Number(key.slice(slash + 1));
    if (!Number.isSafeInteger(n)) continue;
    const actorEvents = seen(actorId);
    lastN.set(actorId, Math.max(lastN.get(actorId) ?? 0, n));
    if (value === null) actorEvents.delete(n);
    else actorEvents.set(n, JSON.parse(value) as EventValue);
  }
  const actors: ReplayedActor[] = [];
  for (const actorId of order) {
    const snapshot = snapshots.get(actorId) ?? null;
    const covers = snapshot?.covers ?? 0;
    const sorted = [...events.get(actorId)!].sort(([a], [b]) => a - b);
    const after = sorted.filter(([n]) => n > covers).map(([n, event]) => ({ n, ...event }));
    if (!snapshot && after.length === 0) continue;
    const stale = sorted.filter(([n]) => n <= covers).map(([n]) => n);
    actors.push({ actorId, actorType: snapshot?.actorType ?? after[0]!.actorType, snapshot, events: after, lastN: lastN.get(actorId) ?? covers, stale });
  }
  return { actors, marker };
}
