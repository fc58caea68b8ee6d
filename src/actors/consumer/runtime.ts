/**
 * The live objects behind one consumer actor, which never go into its context: the record buffer,
 * the group membership, the groupless fetcher and the decoder. The actor's invoked effects
 * (commands.ts, read.ts) work through this; it holds no state of the session itself.
 */
import type { Logger } from 'pino';
import { ErrorCode, RestError } from '../../errors.ts';
import { describeKafkaError } from '../../kafka/kafka-error.ts';
import type { PartitionFetcher } from '../../kafka/partition-fetcher.ts';
import { tpKey, type TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import type { ProxyMetrics } from '../../observability/metrics.ts';
import type { SessionSnapshot } from './decide.ts';
import type { Membership } from './membership.ts';
import type { CommitOffset } from './protocol.ts';
import type { RecordBuffer } from './record-buffer.ts';

/** How long a prefetch may wait at the broker for records (Kafka's fetch.max.wait.ms default). */
const PREFETCH_WAIT_MS = 500;

export interface ConsumerSettings {
  requestTimeoutMs: number;
  requestMaxBytes: number;
  fetchMinBytes: number;
  instanceTimeoutMs: number;
  bufferMaxBytes: number;
  maxBytesPerPartition: number;
  autoCommitIntervalMs: number;
  maxPendingRequests: number;
  patternRefreshMs: number;
}

/** Turns record bytes into the JSON a records response carries; schema formats answer async. */
export interface RecordDecoder {
  decode(bytes: Buffer | null): unknown;
}

export class ConsumerRuntime {
  /** Offsets last committed per partition, so auto-commit only sends what moved. */
  readonly lastCommitted = new Map<string, number>();

  constructor(
    readonly buffer: RecordBuffer,
    readonly membership: Membership,
    /** Commits and offset lookups. */
    readonly fetcher: PartitionFetcher,
    /** Fetches of a manual assignment: the instance's own connections (ConsumerDeps.openReader). */
    private readonly reader: Pick<PartitionFetcher, 'fetch'>,
    readonly decoder: RecordDecoder,
    readonly settings: ConsumerSettings,
    readonly log: Logger,
    private readonly metrics?: Pick<ProxyMetrics, 'recordConsumed'>,
  ) {}

  /** The next read starts at these offsets again (records a failed delivery had taken). */
  putBack(offsets: TopicPartitionOffset[]): void {
    if (offsets.length === 0) return;
    for (const o of offsets) this.buffer.reposition(o, o.offset);
    this.membership.seek(offsets);
  }

  /** Moves partitions to new offsets: buffered records of theirs go, the member seeks. */
  seek(offsets: TopicPartitionOffset[]): void {
    this.putBack(offsets);
  }

  /**
   * Waits for records: the group member fills the buffer by itself; assignments fetch here, or
   * wait for the prefetch already out (a second fetch of the same offsets would bring the same).
   */
  async poll(session: SessionSnapshot, maxWaitMs: number, signal: AbortSignal): Promise<void> {
    const { assignment } = session.context;
    if (!assignment) return this.buffer.waitForRecords(maxWaitMs, signal);
    const out = this.prefetching;
    // One made stale by a seek, a put-back or a new assignment brings nothing usable: fetch now.
    if (out && assignment.every((tp) => out.from.has(tpKey(tp)) && out.from.get(tpKey(tp)) === this.buffer.nextOffset(tp))) {
      return this.awaitPrefetch(out.done, maxWaitMs, signal);
    }
    await this.fetchAssigned(session, Math.min(maxWaitMs, 1000));
  }

  /**
   * After a read of a manual assignment: fetches ahead in the background, so the next read is
   * answered from records already here (a group member's kafkajs consumer does this by itself).
   * At most one is out; what it brings for a partition that moved meanwhile (a seek, a put-back,
   * a new assignment) is dropped, as a read's own fetch does. A failure is left to the next
   * read's own fetch to report.
   */
  prefetch(session: SessionSnapshot): void {
    const { assignment, positions } = session.context;
    if (!assignment || assignment.length === 0 || this.prefetching || this.buffer.full) return;
    const from = new Map(assignment.map((tp) => [tpKey(tp), this.buffer.nextOffset(tp) ?? positions[tpKey(tp)] ?? 0]));
    const done: Promise<void> = this.fetchAssigned(session, PREFETCH_WAIT_MS)
      .catch((error: unknown) => this.log.debug({ err: error }, 'prefetch failed; the next read fetches again'))
      .finally(() => {
        if (this.prefetching?.done === done) this.prefetching = null;
      });
    this.prefetching = { done, from };
  }

  /** The prefetch out, and the offset it fetches each partition from. */
  private prefetching: { done: Promise<void>; from: Map<string, number> } | null = null;

  /** Until the prefetch is back or records arrived, at most `maxWaitMs`. */
  private async awaitPrefetch(prefetch: Promise<void>, maxWaitMs: number, signal: AbortSignal): Promise<void> {
    const stop = new AbortController();
    const abort = () => stop.abort();
    signal.addEventListener('abort', abort, { once: true });
    try {
      await Promise.race([prefetch, this.buffer.waitForRecords(maxWaitMs, stop.signal)]);
    } finally {
      stop.abort();
      signal.removeEventListener('abort', abort);
    }
  }

  /** One fetch for the assigned partitions from where the buffer stands, into the buffer. */
  private async fetchAssigned(session: SessionSnapshot, maxWaitMs: number): Promise<void> {
    const { assignment, positions, config } = session.context;
    if (!assignment || this.buffer.full) return;
    const wanted = assignment.map((tp) => ({ ...tp, offset: this.buffer.nextOffset(tp) ?? positions[tpKey(tp)] ?? 0 }));
    const { records, outOfRange, nextOffsets } = await this.reader.fetch(wanted, {
      maxWaitMs,
      minBytes: 1,
      maxBytes: Math.max(this.buffer.maxBytes - this.buffer.bytes, 1),
      maxBytesPerPartition: this.settings.maxBytesPerPartition,
    });
    // A partition repositioned while the fetch was out (a seek, a put-back) keeps its new place.
    const unmoved = new Set(wanted.filter((w) => this.buffer.nextOffset(w) === w.offset).map(tpKey));
    this.buffer.push(records.filter((r) => unmoved.has(tpKey(r))));
    // Past batches that yielded nothing (aborted transactions, markers), or the next fetch asks again.
    for (const o of nextOffsets) if (unmoved.has(tpKey(o))) this.buffer.skipTo(o, o.offset);
    const reset = outOfRange.filter((tp) => unmoved.has(tpKey(tp)));
    if (reset.length > 0) {
      const edge = config.autoOffsetReset === 'earliest' ? 'beginning' : 'end';
      const from = new Map(wanted.map((w) => [tpKey(w), w.offset]));
      for (const o of await this.fetcher.edgeOffsets(reset, edge)) {
        // Still where the fetch found it out of range (a seek meanwhile wins).
        if (this.buffer.nextOffset(o) === from.get(tpKey(o))) this.buffer.reposition(o, o.offset);
      }
    }
  }

  /** Commits through the group member when there is one, else as a consumer outside any generation. */
  async commit(group: string, offsets: CommitOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      if (!(await this.membership.commit(offsets))) await this.fetcher.commit(group, offsets);
    } catch (error) {
      const failure = describeKafkaError(error);
      if (failure.errorCode === ErrorCode.InternalServerError) throw error;
      const type = (error as { type?: string }).type ?? '';
      if (['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS'].includes(type)) {
        throw new RestError(ErrorCode.IllegalState, `Illegal state: Commit cannot be completed: ${failure.message}`);
      }
      throw new RestError(failure.errorCode, failure.message, failure.status);
    }
    for (const o of offsets) this.lastCommitted.set(tpKey(o), o.offset);
  }

  countConsumed(perTopic: Record<string, { records: number; bytes: number }>): void {
    for (const [topic, { records, bytes }] of Object.entries(perTopic)) this.metrics?.recordConsumed(topic, records, bytes);
  }
}
