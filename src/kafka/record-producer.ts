/**
 * One kafkajs producer that sends records whose partition is already chosen, and reports an
 * outcome per record: its offset, or the failure that hit it. Offsets are derived from each
 * partition's base offset, which works because kafkajs sends all of one partition's records of a
 * sendBatch as one record batch, in order.
 */
import type { Kafka, Producer, ProducerBatch, ProducerConfig } from './client.ts';
import { Partitioners } from './client.ts';
import { ErrorCode } from '../errors.ts';
import { describeKafkaError, type KafkaFailure } from './kafka-error.ts';

export interface OutgoingRecord {
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer | null;
}

export type RecordOutcome = { offset: number | null } | { failure: KafkaFailure };

/** The per-sendBatch settings (acks, broker ack timeout, compression codec). */
export type SendOptions = Pick<ProducerBatch, 'acks' | 'timeout' | 'compression'>;

/** Thrown by send() when the connection is gone: the records were not (known to be) written. */
export class ConnectionLostError extends Error {
  constructor(readonly failure: KafkaFailure) {
    super(failure.message);
    this.name = 'ConnectionLostError';
  }
}

export class RecordProducer {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    config: ProducerConfig,
    private readonly sendOptions: SendOptions,
    /** `max.request.size`: no produce request is larger (a broker refuses batches above its `message.max.bytes`). */
    private readonly maxRequestBytes = 1_048_576,
  ) {
    // The partitioner is never asked: every record arrives with its partition chosen.
    this.producer = kafka.producer({ ...config, createPartitioner: Partitioners.DefaultPartitioner });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Calls back when kafkajs gives up the producer's connection (e.g. the broker went away). */
  onDisconnect(listener: () => void): () => void {
    return this.producer.on(this.producer.events.DISCONNECT, listener);
  }

  /**
   * Sends the records in requests of at most `max.request.size`, one after the other (so a
   * partition's records stay in order). A record that alone is larger fails with the Java
   * producer's RecordTooLargeException message; the others are sent.
   */
  async send(records: OutgoingRecord[]): Promise<RecordOutcome[]> {
    const outcomes: RecordOutcome[] = new Array(records.length);
    let chunk: number[] = [];
    let bytes = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      const sent = await this.sendChunk(chunk.map((i) => records[i]!));
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
  private async sendChunk(records: OutgoingRecord[]): Promise<RecordOutcome[]> {
    try {
      return await this.sendBatch(records);
    } catch (error) {
      const failure = describeKafkaError(error);
      if (failure.connectionLost) throw new ConnectionLostError(failure);
      const topics = [...new Set(records.map((r) => r.topic))];
      if (topics.length === 1) return records.map(() => ({ failure }));
      const outcomes = new Map<OutgoingRecord, RecordOutcome>();
      await Promise.all(
        topics.map(async (topic) => {
          const ofTopic = records.filter((r) => r.topic === topic);
          const result = await this.sendBatch(ofTopic).catch((e: unknown) => {
            const topicFailure = describeKafkaError(e);
            if (topicFailure.connectionLost) throw new ConnectionLostError(topicFailure);
            return ofTopic.map(() => ({ failure: topicFailure }));
          });
          ofTopic.forEach((record, i) => outcomes.set(record, result[i]!));
        }),
      );
      return records.map((r) => outcomes.get(r)!);
    }
  }

  private async sendBatch(records: OutgoingRecord[]): Promise<RecordOutcome[]> {
    // Group by topic, keep per-partition order, and remember each record's place in its partition.
    const byTopic = new Map<string, Array<{ key: Buffer | null; value: Buffer | null; partition: number }>>();
    const positionInPartition: number[] = [];
    const partitionSizes = new Map<string, number>();
    for (const record of records) {
      const slot = `${record.topic}\u0000${record.partition}`;
      const position = partitionSizes.get(slot) ?? 0;
      partitionSizes.set(slot, position + 1);
      positionInPartition.push(position);
      let messages = byTopic.get(record.topic);
      if (!messages) byTopic.set(record.topic, (messages = []));
      messages.push({ key: record.key, value: record.value, partition: record.partition });
    }
    const metadata = await this.producer.sendBatch({
      ...this.sendOptions,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
    const baseOffsets = new Map<string, number>();
    for (const m of metadata) {
      if (m.baseOffset !== undefined) baseOffsets.set(`${m.topicName}\u0000${m.partition}`, Number(m.baseOffset));
    }
    return records.map((record, i) => {
      const base = baseOffsets.get(`${record.topic}\u0000${record.partition}`);
      return { offset: base === undefined ? null : base + positionInPartition[i]! };
    });
  }
}

/** Java's upper bound for one record in its own batch: the batch header plus the record's framing. */
const RECORD_BATCH_OVERHEAD = 61;
const RECORD_OVERHEAD_MAX = 21;

function recordSizeUpperBound(record: OutgoingRecord): number {
  return RECORD_BATCH_OVERHEAD + RECORD_OVERHEAD_MAX + (record.key?.length ?? 0) + (record.value?.length ?? 0);
}

function recordTooLarge(size: number, max: number): KafkaFailure {
  const message = `The message is ${size} bytes when serialized which is larger than ${max}, which is the value of the max.request.size configuration.`;
  return { errorCode: ErrorCode.PayloadTooLarge, status: 413, message, retriable: false, connectionLost: false };
}
