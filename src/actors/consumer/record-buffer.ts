/**
 * Records fetched for a consumer instance but not yet delivered, in arrival order, with their
 * size. Bounded by the caller (pause fetching above `maxBytes`); a seek or a lost partition drops
 * that partition's records.
 */
import { tpKey, type FetchedRecord, type TopicPartition } from '../../kafka/topic-partition.ts';
import { WakeUp } from '../../wake-up.ts';

/** A record's size as reads count it against `max_bytes`: its key and value, as Confluent counts. */
export const recordSize = (r: FetchedRecord): number => (r.key?.length ?? 0) + (r.value?.length ?? 0);

/** What a buffered record holds: its headers too, so records with big headers still fill the buffer. */
export function heldSize(r: FetchedRecord): number {
  let size = recordSize(r);
  if (r.headers !== undefined) for (const h of r.headers) size += h.key.length + (h.value?.length ?? 0);
  return size;
}

export class RecordBuffer {
  private records: FetchedRecord[] = [];
  private head = 0;
  private size = 0;
  /** Next offset expected per partition: records below it were buffered or delivered already. */
  private readonly next = new Map<string, number>();
  private readonly arrivals = new WakeUp();
  private readonly room = new WakeUp();

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.size;
  }

  get length(): number {
    return this.records.length - this.head;
  }

  get full(): boolean {
    return this.size >= this.maxBytes;
  }

  /** Adds records unless they are below the partition's expected offset (duplicates after a rejoin). */
  push(records: FetchedRecord[]): void {
    let added = false;
    // A batch is one partition's run of records: its key and expected offset are looked up once.
    let key = '';
    let topic: string | null = null;
    let partition = -1;
    let expected: number | undefined;
    for (const record of records) {
      if (record.partition !== partition || record.topic !== topic) {
        if (topic !== null && expected !== undefined) this.next.set(key, expected);
        topic = record.topic;
        partition = record.partition;
        key = tpKey(record);
        expected = this.next.get(key);
      }
      if (expected !== undefined && record.offset < expected) continue;
      expected = record.offset + 1;
      this.records.push(record);
      this.size += heldSize(record);
      added = true;
    }
    if (topic !== null && expected !== undefined) this.next.set(key, expected);
    if (added) this.arrivals.wake();
  }

  /** The next offset to fetch for a partition, if anything was buffered or positioned for it. */
  nextOffset(tp: TopicPartition): number | undefined {
    return this.next.get(tpKey(tp));
  }

  /** Moves a partition's next offset forward past offsets that hold no records for us (never back). */
  skipTo(tp: TopicPartition, offset: number): void {
    const key = tpKey(tp);
    const next = this.next.get(key);
    if (next !== undefined && offset > next) this.next.set(key, offset);
  }

  /** Repositions a partition: its buffered records go and only records from `offset` are taken. */
  reposition(tp: TopicPartition, offset: number): void {
    this.drop(tp);
    this.next.set(tpKey(tp), offset);
  }

  /** Forgets a partition entirely (no position either). */
  drop(tp: TopicPartition): void {
    const key = tpKey(tp);
    this.next.delete(key);
    if (this.length === 0) return;
    const kept: FetchedRecord[] = [];
    let size = 0;
    for (let i = this.head; i < this.records.length; i++) {
      const r = this.records[i]!;
      if (r.partition === tp.partition && r.topic === tp.topic) continue;
      kept.push(r);
      size += heldSize(r);
    }
    if (kept.length !== this.length) {
      this.records = kept;
      this.head = 0;
      this.size = size;
      if (!this.full) this.room.wake();
    }
  }

  clear(): void {
    this.records = [];
    this.head = 0;
    this.size = 0;
    this.next.clear();
    this.room.wake();
  }

  peek(index: number): FetchedRecord | undefined {
    return this.records[this.head + index];
  }

  /** Removes the first `count` records (they were delivered). */
  shift(count: number): void {
    for (let i = 0; i < count && this.head < this.records.length; i++) this.size -= heldSize(this.records[this.head++]!);
    if (this.head > 1024 && this.head * 2 > this.records.length) this.compact();
    if (!this.full) this.room.wake();
  }

  /** Resolves when records arrive, after `ms`, or when `signal` aborts. */
  waitForRecords(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return this.arrivals.wait(ms, signal);
  }

  /** Resolves when records are taken out (room may have appeared) or after `ms`. */
  waitForRoom(ms: number): Promise<void> {
    if (!this.full || ms <= 0) return Promise.resolve();
    return this.room.wait(ms);
  }

  private compact(): void {
    this.records = this.records.slice(this.head);
    this.head = 0;
  }
}
