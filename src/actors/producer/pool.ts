/**
 * The producer pool: N slot actors behind one `produce` call. It resolves each record's
 * partition (explicit, by key with the Java client's murmur2, or sticky per request for keyless
 * records), hands the request to a ready slot (round robin), and returns one Confluent
 * PartitionOffset per record, in order. It never hangs: with no ready slot for
 * `producer.max.block.ms` the records fail with 50003.
 */
import type { Logger } from 'pino';
import { ErrorCode } from '../../errors.ts';
import { describeKafkaError, produceErrorCode } from '../../kafka/kafka-error.ts';
import { partitionForKey } from '../../kafka/partitioner.ts';
import type { OutgoingRecord, RecordOutcome } from '../../kafka/record-producer.ts';
import { TopicNotPresentError } from '../../kafka/topic-partitions.ts';
import { ProducerSlot, type SlotOptions, type SlotProducer } from './slot.ts';
import type { Journal } from '../../journal/journal.ts';
import type { ProxyMetrics } from '../../observability/metrics.ts';

export interface ProduceRecord {
  key: Buffer | null;
  value: Buffer | null;
  partition?: number;
}

/** Confluent's per-record produce result. */
export interface PartitionOffset {
  partition: number | null;
  offset: number | null;
  error_code: number | null;
  error: string | null;
}

export interface PartitionCounts {
  count(topic: string): Promise<number>;
}

export interface ProducerPoolOptions {
  size: number;
  lingerMs: number;
  maxBlockMs: number;
  /** Longest a request waits for its records' acknowledgements (Kafka's delivery.timeout.ms). */
  deliveryTimeoutMs: number;
  createProducer: (slotId: string) => SlotProducer;
  partitions: PartitionCounts;
  journal: Journal;
  logger: Logger;
  backoffMs?: SlotOptions['backoffMs'];
  metrics?: Pick<ProxyMetrics, 'recordProduced' | 'recordProduceErrors'>;
}

/** Exponential backoff with jitter: 100 ms, 200 ms, 400 ms ... capped at 10 s. */
export const defaultBackoff = (attempt: number) => Math.min(10_000, 100 * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);

export class ProducerPool {
  readonly slots: ProducerSlot[];
  private next = 0;
  private readonly keylessPartition = new Map<string, number>();
  private readonly readyWaiters = new Set<() => void>();

  constructor(private readonly options: ProducerPoolOptions) {
    this.slots = Array.from({ length: options.size }, (_, i) => {
      const slotId = `producer-slot-${i}`;
      const producer = options.createProducer(slotId);
      const slot = new ProducerSlot({
        slotId,
        lingerMs: options.lingerMs,
        producer,
        journal: options.journal,
        logger: options.logger,
        backoffMs: options.backoffMs ?? defaultBackoff,
      });
      slot.onStateChange((state) => {
        if (state === 'ready') for (const wake of this.readyWaiters) wake();
      });
      return slot;
    });
  }

  start(): void {
    for (const slot of this.slots) slot.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.stop()));
  }

  /** Produces records to a topic (or a default partition) and reports each record's outcome. */
  async produce(topic: string, records: ProduceRecord[], defaultPartition?: number): Promise<PartitionOffset[]> {
    const deadline = Date.now() + this.options.maxBlockMs;
    let count: number;
    try {
      count = await this.options.partitions.count(topic);
    } catch (error) {
      return this.counted(topic, records, records.map(() => failed(error)));
    }
    const results: Array<PartitionOffset | null> = records.map(() => null);
    const outgoing: OutgoingRecord[] = [];
    const places: number[] = [];
    const sticky = this.stickyPartition(topic, count);
    records.forEach((record, i) => {
      const partition = record.partition ?? defaultPartition ?? (record.key ? partitionForKey(record.key, count) : sticky);
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        results[i] = {
          partition: null,
          offset: null,
          error_code: ErrorCode.PartitionNotFound,
          error: `Partition ${partition} not found: topic ${topic} has ${count} partitions.`,
        };
        return;
      }
      outgoing.push({ topic, partition, key: record.key, value: record.value });
      places.push(i);
    });
    if (outgoing.length > 0) {
      const slot = await this.readySlot(deadline);
      const outcomes: RecordOutcome[] = slot
        ? await this.withinDeliveryTimeout(slot.produce(outgoing), outgoing.length)
        : retriableFailures(outgoing.length, `No producer connection to Kafka became ready within ${this.options.maxBlockMs} ms.`);
      outcomes.forEach((outcome, j) => {
        const record = outgoing[j]!;
        results[places[j]!] =
          'failure' in outcome
            ? { partition: null, offset: null, error_code: produceErrorCode(outcome.failure), error: outcome.failure.message }
            : { partition: record.partition, offset: outcome.offset, error_code: null, error: null };
      });
    }
    return this.counted(topic, records, results as PartitionOffset[]);
  }

  /** Reports a request's acknowledged records and bytes, and its failures per error code, to the metrics. */
  private counted(topic: string, records: ProduceRecord[], results: PartitionOffset[]): PartitionOffset[] {
    const metrics = this.options.metrics;
    if (!metrics) return results;
    let ok = 0;
    let bytes = 0;
    const failures = new Map<number, number>();
    results.forEach(({ error_code }, i) => {
      if (error_code !== null) failures.set(error_code, (failures.get(error_code) ?? 0) + 1);
      else {
        ok += 1;
        bytes += (records[i]!.key?.length ?? 0) + (records[i]!.value?.length ?? 0);
      }
    });
    if (ok > 0) metrics.recordProduced(topic, ok, bytes);
    for (const [code, count] of failures) metrics.recordProduceErrors(code, count);
    return results;
  }

  /**
   * The slot's outcomes, or 50003 for every record once delivery.timeout.ms has passed. The records
   * may still be written later, as with the Java producer: the client only learns it was not in time.
   */
  private withinDeliveryTimeout(outcomes: Promise<RecordOutcome[]>, count: number): Promise<RecordOutcome[]> {
    const timeoutMs = this.options.deliveryTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<RecordOutcome[]>((resolve) => {
      timer = setTimeout(
        () => resolve(retriableFailures(count, `Expiring ${count} record(s): ${timeoutMs} ms has passed since the request arrived.`)),
        timeoutMs,
      );
    });
    return Promise.race([outcomes, expired]).finally(() => clearTimeout(timer));
  }

  /** A ready slot, round robin; waits for one until the deadline. */
  private async readySlot(deadline: number): Promise<ProducerSlot | null> {
    for (;;) {
      for (let i = 0; i < this.slots.length; i++) {
        const slot = this.slots[(this.next + i) % this.slots.length]!;
        if (slot.state === 'ready') {
          this.next = (this.next + i + 1) % this.slots.length;
          return slot;
        }
      }
      const wait = deadline - Date.now();
      if (wait <= 0) return null;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.readyWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, wait);
        this.readyWaiters.add(wake);
      });
    }
  }

  /** Keyless records of one request share a partition, rotating per request (like Java's sticky partitioner). */
  private stickyPartition(topic: string, count: number): number {
    const current = this.keylessPartition.get(topic) ?? Math.floor(Math.random() * count);
    this.keylessPartition.set(topic, (current + 1) % count);
    return current % count;
  }
}

function retriableFailures(count: number, message: string): RecordOutcome[] {
  const failure = describeKafkaError({ name: 'KafkaJSTimeout', message, retriable: true });
  return Array.from({ length: count }, () => ({ failure }));
}

function failed(error: unknown): PartitionOffset {
  if (error instanceof TopicNotPresentError) {
    return { partition: null, offset: null, error_code: ErrorCode.KafkaRetriableError, error: error.message };
  }
  const failure = describeKafkaError(error);
  return { partition: null, offset: null, error_code: produceErrorCode(failure), error: failure.message };
}
