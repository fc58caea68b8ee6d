/**
 * The sessions journal's copy in Kafka. In cluster mode consumer actors journal into an in-memory
 * journal as in single-node mode; this mirror turns each change into records of the sessions
 * topic (session-records.ts), on the partition the session hashes to, and writes them in order
 * with one idempotent producer. `flushed()` resolves once everything journaled so far is on every
 * in-sync replica: the cluster port answers a command only then, so what a client was told is
 * what the next owner rebuilds. A write Kafka refuses is retried until it goes through (records
 * keep their order; one sent twice is harmless, its key replaces itself) and reported once.
 */
import type { Logger } from 'pino';
import { CONSUMER_ACTOR_TYPE } from '../actors/consumer/consumer-actor.ts';
import type { ConsumerRef } from '../actors/consumer/protocol.ts';
import type { Journal, JournalEntry, JournalMirror } from '../journal/journal.ts';
import type { TopicRecord } from '../kafka/session-topic.ts';
import { eventKey, markerKey, snapshotKey, type EventValue, type OwnerMarker, type ReplayedActor, type SnapshotValue } from './session-records.ts';
import { within } from '../within.ts';

const MAX_BATCH = 500;
const RETRY_MS = [100, 200, 500, 1_000, 2_000];

interface ActorLog {
  partition: number;
  /** The last event number used. */
  n: number;
  /** Local journal seq → event number, for events no snapshot covers yet. */
  live: Map<number, number>;
  /**
   * Event numbers an adopted snapshot covers whose tombstones never reached Kafka (a crash between
   * the two): tombstoned with the next snapshot or the end, or they would come back once the
   * snapshot is tombstoned.
   */
  stale: number[];
}

export interface SessionTopicWriter {
  /** Resolves with the offset each partition's first record got. */
  write(records: Array<TopicRecord & { partition: number }>): Promise<ReadonlyMap<number, number>>;
}

export interface SessionLogHooks {
  /** Writing started to fail (once per outage). */
  writeFailed?: () => void;
}

export class SessionLog implements JournalMirror {
  private readonly actors = new Map<string, ActorLog>();
  /** Records not yet written, oldest first; `id` counts every record ever queued. */
  private readonly queue: Array<TopicRecord & { partition: number; id: number }> = [];
  private readonly waiters: Array<{ upTo: number; resolve: () => void }> = [];
  private enqueued = 0;
  private writing = false;
  private quiet = false;
  /** Partitions this member must not write to: it was fenced out of them (cluster-node.ts). */
  private readonly muted = new Set<number>();
  private failingSince: number | null = null;
  private closed = false;
  /** Per partition, the highest offset after a record this member wrote there. */
  private readonly written = new Map<number, number>();

  constructor(
    private readonly topic: SessionTopicWriter,
    private readonly partitionOf: (ref: ConsumerRef) => number,
    private readonly logger: Logger,
    private readonly hooks: SessionLogHooks = {},
  ) {}

  /** True while writes of the sessions topic fail (readiness says so). */
  get failing(): boolean {
    return this.failingSince !== null;
  }

  /** Records not yet on Kafka. */
  get pending(): number {
    return this.queue.length;
  }

  appended(entry: JournalEntry): void {
    if (this.quiet || entry.actorType !== CONSUMER_ACTOR_TYPE) return;
    if (entry.type === 'Created') {
      const { group, name } = entry.payload as { group: string; name: string };
      this.actors.set(entry.actorId, { partition: this.partitionOf({ group, instance: name }), n: 0, live: new Map(), stale: [] });
    }
    const actor = this.actors.get(entry.actorId);
    if (!actor) return;
    const n = ++actor.n;
    actor.live.set(entry.seq, n);
    const value: EventValue = { actorType: entry.actorType, type: entry.type, payload: entry.payload, at: entry.at };
    this.push(actor.partition, eventKey(entry.actorId, n), JSON.stringify(value));
  }

  snapshotted(actorId: string, actorType: string, seq: number, snapshot: unknown): void {
    const actor = this.quiet ? undefined : this.actors.get(actorId);
    if (!actor) return;
    let covers = 0;
    const covered: number[] = [];
    for (const [localSeq, n] of actor.live) {
      if (localSeq > seq) continue;
      covers = Math.max(covers, n);
      covered.push(localSeq);
    }
    const value: SnapshotValue = { actorType, snapshot, covers };
    this.push(actor.partition, snapshotKey(actorId), JSON.stringify(value));
    for (const n of actor.stale.splice(0)) this.push(actor.partition, eventKey(actorId, n), null);
    for (const localSeq of covered) {
      this.push(actor.partition, eventKey(actorId, actor.live.get(localSeq)!), null);
      actor.live.delete(localSeq);
    }
  }

  compacted(actorId: string): void {
    const actor = this.quiet ? undefined : this.actors.get(actorId);
    if (!actor) return;
    this.actors.delete(actorId);
    for (const n of actor.stale) this.push(actor.partition, eventKey(actorId, n), null);
    for (const n of actor.live.values()) this.push(actor.partition, eventKey(actorId, n), null);
    this.push(actor.partition, snapshotKey(actorId), null);
  }

  /** Puts a replayed actor into the journal (for recovery's fold) without writing it back. */
  load(journal: Journal, partition: number, replayed: ReplayedActor): void {
    const live = new Map<number, number>();
    this.quietly(() => {
      if (replayed.snapshot) journal.writeSnapshot(replayed.actorId, replayed.actorType, 0, replayed.snapshot.snapshot);
      for (const event of replayed.events) live.set(journal.append(replayed.actorId, event.actorType, event.type, event.payload).seq, event.n);
    });
    this.actors.set(replayed.actorId, { partition, n: replayed.lastN, live, stale: [...replayed.stale] });
  }

  /** Drops an actor this member no longer owns from the journal, leaving its records in Kafka alone. */
  forget(journal: Journal, actorId: string): void {
    this.actors.delete(actorId);
    this.quietly(() => journal.compact(actorId));
  }

  /**
   * The sessions topic was deleted and created again, empty: writes back everything this member
   * holds for `partitions` (each actor's snapshot and the events after it, under the keys they
   * had) between a `first` and a `last` marker, after whatever is still queued. Returns the
   * number of sessions.
   */
  rewrite(journal: Journal, partitions: ReadonlySet<number>, first: OwnerMarker, last: OwnerMarker): number {
    for (const partition of partitions) {
      this.written.delete(partition); // the new partition counts from 0
      this.marker(partition, first);
    }
    let sessions = 0;
    for (const [actorId, actor] of this.actors) {
      if (!partitions.has(actor.partition)) continue;
      sessions++;
      // A new topic has no covered events left to tombstone.
      actor.stale = [];
      const snapshot = journal.readSnapshot(actorId);
      if (snapshot) {
        // Every event a snapshot covers has left `live`: it covers everything before the first one still there.
        const covers = actor.live.size > 0 ? Math.min(...actor.live.values()) - 1 : actor.n;
        const value: SnapshotValue = { actorType: CONSUMER_ACTOR_TYPE, snapshot: snapshot.snapshot, covers };
        this.push(actor.partition, snapshotKey(actorId), JSON.stringify(value));
      }
      for (const entry of journal.read({ actorId })) {
        const n = actor.live.get(entry.seq);
        if (n === undefined) continue;
        const value: EventValue = { actorType: entry.actorType, type: entry.type, payload: entry.payload, at: entry.at };
        this.push(actor.partition, eventKey(actorId, n), JSON.stringify(value));
      }
    }
    for (const partition of partitions) this.marker(partition, last);
    return sessions;
  }

  /**
   * Another member writes to `partition` now: what this one wrote there says nothing more about
   * where the partition should end. Kept, it would take a later owner's shorter write-back of a
   * topic created again for a loss, and write the sessions back a second time.
   */
  disowned(partition: number): void {
    this.written.delete(partition);
  }

  /** True when a partition ends below what this member wrote to it: records it was told are durable are gone. */
  lostRecords(endOffsets: ReadonlyMap<number, number>, partitions: Iterable<number>): boolean {
    for (const partition of partitions) if ((endOffsets.get(partition) ?? 0) < (this.written.get(partition) ?? 0)) return true;
    return false;
  }

  marker(partition: number, marker: OwnerMarker): void {
    this.push(partition, markerKey(partition), JSON.stringify(marker));
  }

  /** Like flushed(), but says false after `ms` if Kafka has not taken everything yet. */
  async flushedWithin(ms: number): Promise<boolean> {
    return (await within(ms, this.flushed().then(() => true))) ?? false;
  }

  /** Resolves once every record journaled before the call is written. */
  flushed(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo: this.enqueued, resolve }));
  }

  private resolveWaiters(): void {
    const oldest = this.queue[0]?.id ?? Infinity;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.upTo < oldest) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }

  private quietly(run: () => void): void {
    this.quiet = true;
    try {
      run();
    } finally {
      this.quiet = false;
    }
  }

  /** Stops retrying: whatever is still queued is lost with this process (it is said once). */
  close(): void {
    this.closed = true;
    if (this.queue.length > 0) this.logger.error({ pending: this.queue.length }, 'shutting down with session records the sessions topic never took; those sessions go back to their last written state');
  }

  /** Drops every later record of a partition until `unmute`: another member may own it already. */
  mute(partition: number): void {
    this.muted.add(partition);
    this.queue.splice(0, this.queue.length, ...this.queue.filter((r) => r.partition !== partition));
    this.resolveWaiters();
  }

  unmute(partition: number): void {
    this.muted.delete(partition);
  }

  private push(partition: number, key: string, value: string | null): void {
    if (this.muted.has(partition)) return;
    this.queue.push({ partition, key, value, id: ++this.enqueued });
    if (!this.writing) void this.pump();
  }

  private async pump(): Promise<void> {
    this.writing = true;
    let attempt = 0;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.queue.slice(0, MAX_BATCH);
        try {
          this.wrote(batch, await this.topic.write(batch.map(({ partition, key, value }) => ({ partition, key, value }))));
        } catch (error) {
          if (this.failingSince === null) {
            this.failingSince = Date.now();
            this.hooks.writeFailed?.();
            this.logger.error({ err: error, pending: this.pending }, 'cannot write consumer sessions to the sessions topic; retrying (commands wait, then answer 503): check the brokers and the topic');
          }
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]));
          continue;
        }
        attempt = 0;
        if (this.failingSince !== null) {
          this.logger.info({ failedForMs: Date.now() - this.failingSince }, 'consumer sessions are written to the sessions topic again');
          this.failingSince = null;
        }
        // A batch is the queue's head; mute() may have removed some of it meanwhile (already counted).
        const sent = new Set(batch);
        this.queue.splice(0, this.queue.length, ...this.queue.filter((r) => !sent.has(r)));
        this.resolveWaiters();
      }
    } finally {
      this.writing = false;
    }
  }

  /** Never lowered: a write that lands in a topic created again must not hide what it lost. */
  private wrote(batch: ReadonlyArray<{ partition: number }>, firstOffsets: ReadonlyMap<number, number>): void {
    const counts = new Map<number, number>();
    for (const { partition } of batch) counts.set(partition, (counts.get(partition) ?? 0) + 1);
    for (const [partition, first] of firstOffsets) {
      this.written.set(partition, Math.max(this.written.get(partition) ?? 0, first + (counts.get(partition) ?? 0)));
    }
  }
}
