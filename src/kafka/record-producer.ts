/**
 * One kafkajs producer that sends records whose partition is already chosen, and reports an
 * outcome per record: its offset, or the failure that hit it. Offsets are derived from each
 * partition's base offset, which works because kafkajs sends all of one partition's records of a
 * sendBatch as one record batch, in order.
 *
 * Idempotent (the default): the broker drops a batch it already has (same producer id and
 * sequence numbers), so kafkajs's retries after a lost connection or a timeout write it once.
 * kafkajs rolls a partition's sequence number back when a produce request fails, although the
 * broker may have written it (a timeout) or other partitions of the request: the next, different
 * records would reuse those numbers and the broker would take them for duplicates and drop them
 * while acknowledging them. So after any failed send this producer is replaced by a fresh one
 * (a new producer id) before other records go out. Retrying the very same records is safe:
 * those are the batches the broker can recognise. So when the connection is lost mid-send, the
 * same records are sent again on the same producer until the broker is back or their requests'
 * delivery timeout has passed: a batch the broker wrote just before it died is then acknowledged,
 * not failed (and written a second time by a client's retry).
 */
import type { Kafka, Message, Producer, ProducerBatch, ProducerConfig } from './client.ts';
import { Partitioners } from './client.ts';
import { ErrorCode } from '../errors.ts';
import { describeKafkaError, rootCause, type KafkaFailure } from './kafka-error.ts';
import { kafkaHeaders, headersSize } from './record-headers.ts';
import { RECORD_HEADERS } from './produce-request.ts';

/** A record header: a name (which may repeat within a record) and bytes, or null. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface OutgoingRecord {
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: readonly RecordHeader[];
  /** CreateTime (epoch ms); unset = when kafkajs builds the batch. */
  timestamp?: number;
}

/** `logAppendTime`: the broker's timestamp, for a topic with message.timestamp.type=LogAppendTime. */
export type RecordOutcome = { offset: number | null; logAppendTime?: number } | { failure: KafkaFailure };

/** The per-sendBatch settings (acks, broker ack timeout, compression codec). */
export type SendOptions = Pick<ProducerBatch, 'acks' | 'timeout' | 'compression'>;

/** Thrown by send() when the connection is gone: the records were not (known to be) written. */
export class ConnectionLostError extends Error {
  constructor(readonly failure: KafkaFailure) {
    super(failure.message);
    this.name = 'ConnectionLostError';
  }
}

/** Longest pause between two sends of the same records to a broker that went away. */
const MAX_RESEND_BACKOFF_MS = 5_000;

/** Errors of the idempotent producer's own state: a fresh producer (new id) clears them, so a retry can work. */
const PRODUCER_STATE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH', 'DUPLICATE_SEQUENCE_NUMBER']);

export interface RecordProducerEvents {
  /** The idempotent producer was replaced by a fresh one (new producer id) because of `reason`. */
  onRenewed?: (reason: string) => void;
}

export class RecordProducer {
  private producer: Producer;
  private readonly idempotent: boolean;
  /** A connect after the first one gets a fresh producer (a new producer id, sequences from 0). */
  private connectedOnce = false;
  /** Why the current producer's sequence numbers can no longer be trusted; null while they can. */
  private stale: string | null = null;
  /** Set by disconnect: stop sending the same records again. */
  private closing = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: ProducerConfig,
    private readonly sendOptions: SendOptions,
    /** `max.request.size`: no produce request is larger (a broker refuses batches above its `message.max.bytes`). */
    private readonly maxRequestBytes = 1_048_576,
    private readonly events: RecordProducerEvents = {},
  ) {
    this.idempotent = config.idempotent === true;
    this.producer = this.create();
  }

  async connect(): Promise<void> {
    if (this.idempotent && this.connectedOnce) this.producer = this.create();
    this.connectedOnce = true;
    this.stale = null;
    this.closing = false;
    const producer = this.producer;
    try {
      await producer.connect();
    } finally {
      // Stopped while connecting: kafkajs went on opening connections after our disconnect, and
      // they would keep the process from exiting.
      if (this.closing) await producer.disconnect().catch(() => undefined);
    }
  }

  disconnect(): Promise<void> {
    this.closing = true;
    return this.producer.disconnect();
  }

  private create(): Producer {
    // The partitioner is never asked: every record arrives with its partition chosen.
    return this.kafka.producer({ ...this.config, createPartitioner: Partitioners.DefaultPartitioner });
  }

  /** Replaces a producer whose sequence numbers are stale; if the new one cannot connect, the connection counts as lost. */
  private async renewIfStale(): Promise<void> {
    const reason = this.stale;
    if (reason === null) return;
    this.stale = null;
    await this.producer.disconnect().catch(() => undefined);
    this.producer = this.create();
    this.events.onRenewed?.(reason);
    try {
      await this.producer.connect();
    } catch (error) {
      this.stale = reason;
      throw new ConnectionLostError({ ...describeKafkaError(error), connectionLost: true });
    }
  }

  /**
   * Sends the records in requests of at most `max.request.size`, one after the other (so a
   * partition's records stay in order). A record that alone is larger fails with the Java
   * producer's RecordTooLargeException message; the others are sent.
   */
  async send(records: OutgoingRecord[], retryUntil: number | null = null): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = new Array(records.length);
    let chunk: number[] = [];
    let bytes = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      await this.renewIfStale();
      const sent = await this.sendChunk(chunk.map((i) => records[i]!), retryUntil);
      chunk.forEach((i, j) => (outcomes[i] = sent[j]!));
      chunk = [];
      bytes = 0;
    };
    for (let i = 0; i < records.length; i++) {
      const size = recordSizeUpperBound(records[i]!);
      if (size > this.maxRequestBytes) {
        outcomes[i] = { failure: recordTooLarge(size, this.maxRequestBytes) };
        continue;
      }
      if (bytes + size > this.maxRequestBytes) await flush();
      chunk.push(i);
      bytes += size;
    }
    await flush();
    return outcomes;
  }

  /**
   * Sends the records as one batch. If that fails for a reason other than a lost connection and
   * the batch spans topics, each topic is retried alone so one bad topic fails only its records.
   */
  private async sendChunk(records: OutgoingRecord[], retryUntil: number | null): Promise<RecordOutcome[]> {
    try {
      return await this.sendAgainWhileLost(records, retryUntil);
    } catch (error) {
      const failure = this.failed(error);
      if (failure.connectionLost) throw new ConnectionLostError(failure);
      const topics = [...new Set(records.map((r) => r.topic))];
      if (topics.length === 1) return records.map(() => ({ failure }));
      const outcomes = new Map<OutgoingRecord, RecordOutcome>();
      await Promise.all(
        topics.map(async (topic) => {
          const ofTopic = records.filter((r) => r.topic === topic);
          const result = await this.sendBatch(ofTopic).catch((e: unknown) => {
            const topicFailure = this.failed(e);
            if (topicFailure.connectionLost) throw new ConnectionLostError(topicFailure);
            return ofTopic.map(() => ({ failure: topicFailure }));
          });
          ofTopic.forEach((record, i) => outcomes.set(record, result[i]!));
        }),
      );
      return records.map((r) => outcomes.get(r)!);
    }
  }

  /**
   * Sends the records; while the connection is lost (idempotent only) sends the same records again
   * on the same producer, with backoff, until `retryUntil`. kafkajs retries too, but gives up once
   * reconnecting has failed a few times; the broker may be restarting.
   */
  private async sendAgainWhileLost(records: OutgoingRecord[], retryUntil: number | null): Promise<RecordOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.sendBatch(records);
      } catch (error) {
        const wait = Math.min(MAX_RESEND_BACKOFF_MS, 100 * 2 ** attempt);
        const lost = describeKafkaError(error).connectionLost;
        if (!this.idempotent || !lost || this.closing || retryUntil === null || Date.now() + wait >= retryUntil) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /** Describes a failed send, and marks an idempotent producer's sequence numbers stale. */
  private failed(error: unknown): KafkaFailure {
    const failure = describeKafkaError(error);
    if (!this.idempotent) return failure;
    this.stale ??= failure.message;
    if (!PRODUCER_STATE_ERRORS.has(rootCause(error).type ?? '')) return failure;
    return { ...failure, errorCode: ErrorCode.KafkaRetriableError, status: 500, retriable: true };
  }

  private async sendBatch(records: OutgoingRecord[]): Promise<RecordOutcome[]> {
    // Group by topic, keep per-partition order, and remember each record's place in its partition.
    const byTopic = new Map<string, Message[]>();
    const positionInPartition: number[] = [];
    const partitionSizes = new Map<string, number>();
    for (const record of records) {
      const slot = `${record.topic}\u0000${record.partition}`;
      const position = partitionSizes.get(slot) ?? 0;
      partitionSizes.set(slot, position + 1);
      positionInPartition.push(position);
      let messages = byTopic.get(record.topic);
      if (!messages) byTopic.set(record.topic, (messages = []));
      const message: Message = { key: record.key, value: record.value, partition: record.partition };
      if (record.headers !== undefined && record.headers.length > 0) Object.assign(message, { headers: kafkaHeaders(record.headers), [RECORD_HEADERS]: record.headers });
      // A string: kafkajs treats a timestamp of 0 (a number) as unset.
      if (record.timestamp !== undefined) message.timestamp = String(record.timestamp);
      messages.push(message);
    }
    const metadata = await this.producer.sendBatch({
      ...this.sendOptions,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    const baseOffsets = new Map<string, number>();
    const appendTimes = new Map<string, number>();
    for (const m of metadata) {
      const slot = `${m.topicName}\u0000${m.partition}`;
      if (m.baseOffset !== undefined) baseOffsets.set(slot, Number(m.baseOffset));
      // -1 unless the topic stamps records with the broker's clock (LogAppendTime).
      if (m.logAppendTime !== undefined && Number(m.logAppendTime) >= 0) appendTimes.set(slot, Number(m.logAppendTime));
    }
    return records.map((record, i) => {
      const slot = `${record.topic}\u0000${record.partition}`;
      const base = baseOffsets.get(slot);
      const offset = base === undefined ? null : base + positionInPartition[i]!;
      const logAppendTime = appendTimes.get(slot);
      return logAppendTime === undefined ? { offset } : { offset, logAppendTime };
    });
  }
}

/** Java's upper bound for one record in its own batch: the batch header plus the record's framing. */
const RECORD_BATCH_OVERHEAD = 61;
const RECORD_OVERHEAD_MAX = 21;

/** A record's size in a batch at most: its key, value and headers plus the record framing. */
export function recordSize(record: OutgoingRecord): number {
  const headers = record.headers === undefined ? 0 : headersSize(record.headers);
  return RECORD_OVERHEAD_MAX + (record.key?.length ?? 0) + (record.value?.length ?? 0) + headers;
}

function recordSizeUpperBound(record: OutgoingRecord): number {
  return RECORD_BATCH_OVERHEAD + recordSize(record);
}

function recordTooLarge(size: number, max: number): KafkaFailure {
  const message = `The message is ${size} bytes when serialized which is larger than ${max}, which is the value of the max.request.size configuration.`;
  return { errorCode: ErrorCode.PayloadTooLarge, status: 413, message, retriable: false, connectionLost: false };
}
