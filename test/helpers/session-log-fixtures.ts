/**
 * Fixtures for the SessionLog unit tests (no broker): a fake sessions topic that records what
 * would have been written and numbers offsets per partition as Kafka does, journals set up as
 * the supervisor and the consumer actor write them, and the fold checks.
 */
import assert from 'node:assert/strict';
import { afterEach } from 'node:test';
import { pino } from 'pino';
import { foldSession, type SessionSnapshot } from '../../src/actors/consumer/recovery.ts';
import type { SessionEvent, SessionInput } from '../../src/actors/consumer/session-machine.ts';
import { SessionLog, type SessionTopicWriter } from '../../src/cluster/session-log.ts';
import { sessionPartition } from '../../src/cluster/session-partition.ts';
import { replayPartition, type LogRecord } from '../../src/cluster/session-records.ts';
import { Journal } from '../../src/journal/journal.ts';
import type { TopicRecord } from '../../src/kafka/session-topic.ts';

export const T0 = 1_700_000_000_000;
export const PARTITIONS = 16;
export const CONSUMER = 'consumer';
export const partitionOf = (ref: { group: string; instance: string }) => sessionPartition(ref, PARTITIONS);
export const silent = pino({ level: 'silent' });

export type Written = TopicRecord & { partition: number };

export interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

/** Records every batch it is given; can refuse the next `failures` writes, or hold them at a gate. */
export class FakeWriter implements SessionTopicWriter {
  readonly batches: Written[][] = [];
  attempts = 0;
  failures = 0;
  gate: Promise<void> | null = null;

  /** Each partition's end offset, as the topic numbers its records. */
  readonly ends = new Map<number, number>();

  async write(records: Written[]): Promise<ReadonlyMap<number, number>> {
    this.attempts++;
    if (this.gate) await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('NOT_ENOUGH_REPLICAS');
    }
    this.batches.push(records.map((r) => ({ ...r })));
    const first = new Map<number, number>();
    for (const { partition } of records) {
      const end = this.ends.get(partition) ?? 0;
      if (!first.has(partition)) first.set(partition, end);
      this.ends.set(partition, end + 1);
    }
    return first;
  }

  /** The topic deleted and created again: empty, offsets from 0. */
  recreate(): void {
    this.batches.length = 0;
    this.ends.clear();
  }

  get records(): Written[] {
    return this.batches.flat();
  }

  /** What a partition holds, oldest first, as replay reads it. */
  partition(partition: number): LogRecord[] {
    return this.records.filter((r) => r.partition === partition).map(({ key, value }) => ({ key, value }));
  }
}

const opened: Journal[] = [];
afterEach(() => {
  for (const journal of opened.splice(0)) journal.close();
});

/** A cluster member's journal mirrored to a fake topic; counts the write failures its log reports. */
export function member() {
  const journal = Journal.open(':memory:');
  opened.push(journal);
  const writer = new FakeWriter();
  let failures = 0;
  const log = new SessionLog(writer, partitionOf, silent, { writeFailed: () => failures++ });
  journal.mirror = log;
  return { journal, writer, log, failures: () => failures };
}

export const input = (name = 'c1', group = 'g1', at = T0): SessionInput => ({
  group,
  name,
  config: { format: 'binary', autoOffsetReset: 'earliest', autoCommit: false, fetchMinBytes: null, requestTimeoutMs: null },
  at,
});

/** Journals a creation as the supervisor does. */
export const create = (journal: Journal, actorId: string, session = input()) => journal.append(actorId, CONSUMER, 'Created', session);

/** Journals events as the consumer actor does: the type apart, the rest as payload. */
export function record(journal: Journal, actorId: string, ...events: SessionEvent[]): number {
  let seq = 0;
  for (const { type, ...payload } of events) seq = journal.append(actorId, CONSUMER, type, payload).seq;
  return seq;
}

/** Snapshots the live session as the consumer actor does (and trims the journal as it does). */
export function snapshot(journal: Journal, actorId: string, seq: number): void {
  const live = foldSession(journal, actorId)!;
  journal.writeSnapshot(actorId, CONSUMER, seq, { value: live.value, context: live.context });
  journal.trim(actorId, seq, 1000);
}

export const tp = (partition: number) => ({ topic: 't1', partition });
export const at = (i: number) => T0 + i * 1000;

/** A session's life: subscribed, joined, records delivered and committed. */
export function lifeBeforeSnapshot(journal: Journal, actorId: string): number {
  create(journal, actorId);
  return record(
    journal,
    actorId,
    { type: 'Subscribed', subscription: { topics: ['t1'] }, at: at(1) },
    { type: 'Joined', memberId: 'member-1', partitions: [tp(0), tp(1)], at: at(2) },
    { type: 'Delivered', offsets: [{ ...tp(0), offset: 10 }, { ...tp(1), offset: 4 }], at: at(3) },
    { type: 'Committed', offsets: [{ ...tp(0), offset: 10 }], at: at(4) },
    { type: 'Delivered', offsets: [{ ...tp(0), offset: 25 }], at: at(5) },
  );
}

export function lifeAfterSnapshot(journal: Journal, actorId: string): number {
  return record(
    journal,
    actorId,
    { type: 'Touched', at: at(6) },
    { type: 'Joined', memberId: 'member-2', partitions: [tp(0)], at: at(7) },
    { type: 'PositionsSet', offsets: [{ ...tp(0), offset: 3 }], at: at(8) },
    { type: 'Delivered', offsets: [{ ...tp(0), offset: 7 }], at: at(9) },
  );
}

/** Rebuilds a partition's sessions into a fresh member's journal, as adopting a partition does. */
export function adopt(records: Iterable<LogRecord>, partition: number) {
  const next = member();
  const replayed = replayPartition(records);
  for (const actor of replayed.actors) next.log.load(next.journal, partition, actor);
  return { ...next, replayed };
}

export function assertSameSession(actual: SessionSnapshot | null, expected: SessionSnapshot | null, message?: string): void {
  assert.ok(expected, 'the live session exists');
  assert.ok(actual, message ?? 'the replayed session exists');
  assert.deepEqual(actual.value, expected.value, message);
  assert.deepEqual(actual.context, expected.context, message);
  assert.equal(actual.status, expected.status, message);
}

/** What Kafka's log compaction leaves: the latest record of each key, in log order; tombstones optionally gone too. */
export function compactLog(records: LogRecord[], dropTombstones: boolean): LogRecord[] {
  const last = new Map<string, number>();
  records.forEach((r, i) => last.set(r.key, i));
  return records.filter((r, i) => last.get(r.key) === i && !(dropTombstones && r.value === null));
}

