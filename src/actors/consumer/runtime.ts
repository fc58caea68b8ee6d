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
    readonly fetcher: PartitionFetcher,
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

  /** Waits for records: the group member fills the buffer by itself; assignments fetch here. */
  async poll(session: SessionSnapshot, maxWaitMs: number, signal: AbortSignal): Promise<void> {
    const { assignment, positions, config } = session.context;
    if (!assignment) return this.buffer.waitForRecords(maxWaitMs, signal);
    if (this.buffer.full) return;
    const wanted = assignment.map((tp) => ({ ...tp, offset: this.buffer.nextOffset(tp) ?? positions[tpKey(tp)] ?? 0 }));
    const { records, outOfRange } = await this.fetcher.fetch(wanted, {
      maxWaitMs: Math.min(maxWaitMs, 1000),
      minBytes: 1,
      maxBytes: Math.max(this.buffer.maxBytes - this.buffer.bytes, 1),
      maxBytesPerPartition: this.settings.maxBytesPerPartition,
    });
    // A partition repositioned while the fetch was out (a seek, a put-back) keeps its new place.
    const unmoved = new Set(wanted.filter((w) => this.buffer.nextOffset(w) === w.offset).map(tpKey));
    this.buffer.push(records.filter((r) => unmoved.has(tpKey(r))));
    const reset = outOfRange.filter((tp) => unmoved.has(tpKey(tp)));
    if (reset.length > 0) {
      const edge = config.autoOffsetReset === 'earliest' ? 'beginning' : 'end';
      for (const o of await this.fetcher.edgeOffsets(reset, edge)) this.buffer.reposition(o, o.offset);
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
