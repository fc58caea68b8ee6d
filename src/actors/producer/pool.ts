/**
 * The producer pool: N slot actors behind one `produce` call. It resolves each record's
 * partition (explicit, by key with the Java client's murmur2, or sticky per request for keyless
 * records), reserves the records' bytes in `producer.buffer.memory`, hands the request to a ready
 * slot (round robin), and returns one Confluent PartitionOffset per record, in order. It never
 * hangs: with no room in the buffer for `producer.max.block.ms` the request is refused with 429;
 * with no ready slot the records fail with 50003; past `producer.delivery.timeout.ms` they fail
 * with 50003 too, and if they were still queued they are dropped, never sent.
 */
import type { Logger } from 'pino';
import { ErrorCode, RestError } from '../../errors.ts';
import type { KafkaFailure } from '../../kafka/kafka-error.ts';
import { partitionForKey } from '../../kafka/partitioner.ts';
import { recordSize, type OutgoingRecord, type RecordOutcome } from '../../kafka/record-producer.ts';
import { metadataFailure, partitionOffset, retriableFailures, v2ErrorCode, type PartitionCounts, type PartitionOffset, type ProduceClient, type ProduceRecord, type RecordResult } from './produce-records.ts';
import { BufferMemory } from './buffer-memory.ts';
import { ProducerSlot, type QueuedProduce, type SlotOptions, type SlotProducer } from './slot.ts';
import type { Journal } from '../../journal/journal.ts';
import type { ProxyMetrics } from '../../observability/metrics.ts';
import { WakeUp } from '../../wake-up.ts';


export interface ProducerPoolOptions {
  size: number;
  lingerMs: number;
  maxBlockMs: number;
  /** Longest a request waits for its records' acknowledgements (Kafka's delivery.timeout.ms). */
  deliveryTimeoutMs: number;
  /** Bytes of records the pool may hold, queued or in flight (Kafka's buffer.memory, 32 MiB by default). */
  bufferMemory?: number;
  /** A buffer shared with other pools (principal propagation gives each principal a pool, all bounded by one buffer.memory). */
  buffer?: BufferMemory;
  /** Journal ids of the slots are `<slotIdPrefix><i>`; pools sharing a journal need different prefixes. */
  slotIdPrefix?: string;
  createProducer: (slotId: string) => SlotProducer;
  partitions: PartitionCounts;
  journal: Journal;
  logger: Logger;
  backoffMs?: SlotOptions['backoffMs'];
  metrics?: Pick<ProxyMetrics, 'recordProduced' | 'recordProduceErrors' | 'recordProduceDropped' | 'recordProduceExpiredInFlight'>;
}

const DEFAULT_BUFFER_MEMORY = 33_554_432;
const CLIENT_GONE = 'The client went away before the records were sent.';

/** Exponential backoff with jitter: 100 ms, 200 ms, 400 ms ... capped at 10 s. */
export const defaultBackoff = (attempt: number) => Math.min(10_000, 100 * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);

export class ProducerPool {
  readonly slots: ProducerSlot[];
  private next = 0;
  private readonly keylessPartition = new Map<string, number>();
  private readonly slotReady = new WakeUp();
  /** The slot each client's records went to last: a client's records keep their order on one slot. */
  private readonly slotOf = new WeakMap<ProduceClient, ProducerSlot>();
  readonly buffer: BufferMemory;
  /** Faults already logged in their current episode (said once, again only after they cleared). */
  private readonly warned = new Set<'bufferFull' | 'expired'>();
  private started = false;

  constructor(private readonly options: ProducerPoolOptions) {
    this.buffer = options.buffer ?? new BufferMemory(options.bufferMemory ?? DEFAULT_BUFFER_MEMORY);
    this.slots = Array.from({ length: options.size }, (_, i) => {
      const slotId = `${options.slotIdPrefix ?? 'producer-slot-'}${i}`;
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
        // A slot that is ready, or whose connection failed (perhaps refused), is worth a new look.
        if (state === 'ready' || state === 'reconnecting') this.slotReady.wake();
      });
      return slot;
    });
  }

  /** Connects the slots; calling it again does nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const slot of this.slots) slot.start();
  }

  async stop(): Promise<void> {
    if (this.started) await Promise.all(this.slots.map((slot) => slot.stop()));
  }

  /** Produces records to a topic (or a default partition) and reports each record's outcome. */
  async produce(topic: string, records: ProduceRecord[], defaultPartition?: number, client?: ProduceClient): Promise<PartitionOffset[]> {
    return (await this.produceRecords(topic, records, defaultPartition, client)).map(partitionOffset);
  }

  /** As produce(), with each failure as the Kafka client described it (see RecordResult). */
  async produceRecords(topic: string, records: ProduceRecord[], defaultPartition?: number, client?: ProduceClient): Promise<RecordResult[]> {
    const deadline = Date.now() + this.options.maxBlockMs;
    let count: number;
    try {
      count = await this.options.partitions.count(topic);
    } catch (error) {
      const failure = metadataFailure(error);
      return this.counted(topic, records, records.map(() => ({ failure })));
    }
    const results: Array<RecordResult | null> = records.map(() => null);
    const outgoing: OutgoingRecord[] = [];
    const places: number[] = [];
    const sticky = this.stickyPartition(topic, count);
    records.forEach((record, i) => {
      const partition = record.partition ?? defaultPartition ?? (record.key ? partitionForKey(record.key, count) : sticky);
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        const message = `Partition ${partition} not found: topic ${topic} has ${count} partitions.`;
        results[i] = { failure: { errorCode: ErrorCode.PartitionNotFound, status: 404, message, retriable: false, connectionLost: false } };
        return;
      }
      const { key, value, headers, timestamp } = record;
      outgoing.push(headers === undefined && timestamp === undefined ? { topic, partition, key, value } : { topic, partition, key, value, headers, timestamp });
      places.push(i);
    });
    if (outgoing.length > 0) {
      const outcomes = await this.send(topic, outgoing, deadline, client);
      outcomes.forEach((outcome, j) => {
        const record = outgoing[j]!;
        results[places[j]!] =
          'failure' in outcome
            ? { failure: outcome.failure }
            : { partition: record.partition, offset: outcome.offset, timestamp: outcome.logAppendTime ?? record.timestamp ?? null };
      });
    }
    return this.counted(topic, records, results as RecordResult[]);
  }

  /** Reports a request's acknowledged records and bytes, and its failures per error code, to the metrics. */
  private counted(topic: string, records: ProduceRecord[], results: RecordResult[]): RecordResult[] {
    const metrics = this.options.metrics;
    if (!metrics) return results;
    let ok = 0;
    let bytes = 0;
    const failures = new Map<number, number>();
    results.forEach((result, i) => {
      if ('failure' in result) {
        const code = v2ErrorCode(result.failure);
        failures.set(code, (failures.get(code) ?? 0) + 1);
      } else {
        ok += 1;
        bytes += (records[i]!.key?.length ?? 0) + (records[i]!.value?.length ?? 0);
      }
    });
    if (ok > 0) metrics.recordProduced(topic, ok, bytes);
    for (const [code, count] of failures) metrics.recordProduceErrors(code, count);
    return results;
  }

  /** Reserves the records' bytes, hands them to a ready slot and waits for their outcomes. */
  private async send(topic: string, outgoing: OutgoingRecord[], deadline: number, client?: ProduceClient): Promise<RecordOutcome[]> {
    let bytes = 0;
    for (const record of outgoing) bytes += recordSize(record);
    if (!(await this.buffer.reserve(bytes, deadline))) throw this.bufferFull(outgoing.length);
    const slot = await this.readySlot(deadline, client);
    if (slot && 'errorCode' in slot) {
      // Kafka refused every slot's login or producer id: the caller hears why (401/403), not a timeout.
      this.buffer.release(bytes);
      return outgoing.map(() => ({ failure: slot }));
    }
    if (!slot || client?.gone) {
      this.buffer.release(bytes);
      const why = slot ? CLIENT_GONE : `No producer connection to Kafka became ready within ${this.options.maxBlockMs} ms.`;
      return retriableFailures(outgoing.length, why);
    }
    const queued = slot.produce(outgoing, Date.now() + this.options.deliveryTimeoutMs);
    return this.delivered(topic, queued, bytes, outgoing.length, client);
  }

  private bufferFull(count: number): RestError {
    const { maxBlockMs } = this.options;
    const bufferMemory = this.buffer.totalBytes;
    this.options.metrics?.recordProduceErrors(ErrorCode.KafkaTooManyRequests, count);
    if (!this.warned.has('bufferFull')) {
      this.warned.add('bufferFull');
      this.options.logger.warn(
        { bufferMemory, usedBytes: this.buffer.usedBytes, waiting: this.buffer.waiting },
        'producer.buffer.memory is full: produce requests get 429 after waiting producer.max.block.ms. Kafka takes records slower than clients send them, or is unreachable: check the brokers, slow the clients down, or raise producer.buffer.memory',
      );
    }
    return new RestError(
      ErrorCode.KafkaTooManyRequests,
      `Too many records are waiting to be sent to Kafka: no room for this request in producer.buffer.memory (${bufferMemory} bytes) within producer.max.block.ms (${maxBlockMs} ms); retry later.`,
      429,
    );
  }

  /**
   * The slot's outcomes, or 50003 for every record once delivery.timeout.ms has passed. Records still
   * queued then are dropped unsent; records already in flight cannot be recalled and may still be
   * written, as with the Java producer: the client only learns they were not acknowledged in time.
   * A client that goes away takes its queued records with it.
   */
  private delivered(topic: string, queued: QueuedProduce, bytes: number, count: number, client?: ProduceClient): Promise<RecordOutcome[]> {
    const timeoutMs = this.options.deliveryTimeoutMs;
    return new Promise((resolve) => {
      let answered = false;
      const answer = (outcomes: RecordOutcome[]) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        stopWatching?.();
        resolve(outcomes);
      };
      const timer = setTimeout(() => {
        const expiring = `Expiring ${count} record(s) for ${topic}: ${timeoutMs} ms has passed since they were queued`;
        const dropped = queued.withdraw(`${expiring}; they were not sent.`);
        if (dropped) this.options.metrics?.recordProduceDropped('delivery_timeout', count);
        else this.expiredInFlight(count, timeoutMs);
        answer(retriableFailures(count, dropped ? `${expiring}; they were not sent.` : `${expiring}; they were already sent and may still be written.`));
      }, timeoutMs);
      const stopWatching = client?.onGone(() => {
        if (queued.withdraw(CLIENT_GONE)) this.options.metrics?.recordProduceDropped('client_gone', count);
      });
      // The bytes are held until the slot is done with the records, even past the request's answer.
      void queued.outcomes.then((outcomes) => {
        this.buffer.release(bytes);
        if (this.buffer.waiting === 0) this.warned.delete('bufferFull');
        if (outcomes.some((o) => 'offset' in o)) this.warned.delete('expired');
        answer(outcomes);
      });
    });
  }

  private expiredInFlight(count: number, timeoutMs: number): void {
    this.options.metrics?.recordProduceExpiredInFlight(count);
    if (this.warned.has('expired')) return;
    this.warned.add('expired');
    this.options.logger.warn(
      { deliveryTimeoutMs: timeoutMs, records: count },
      'records sent to Kafka were not acknowledged within producer.delivery.timeout.ms: they were answered 50003 and may still be written (a client that retries them may write them twice). Check the brokers; raise producer.delivery.timeout.ms if they are only slow',
    );
  }

  /**
   * A ready slot: the client's own while it is ready (a slot sends what it is given in order, so a
   * stream of produces from one client is written in order), else the next one round robin.
   * Waits for one until the deadline, unless Kafka refused every slot (then that refusal).
   */
  private async readySlot(deadline: number, client?: ProduceClient): Promise<ProducerSlot | KafkaFailure | null> {
    for (;;) {
      const own = client && this.slotOf.get(client);
      if (own?.state === 'ready') return own;
      for (let i = 0; i < this.slots.length; i++) {
        const slot = this.slots[(this.next + i) % this.slots.length]!;
        if (slot.state === 'ready') {
          this.next = (this.next + i + 1) % this.slots.length;
          if (client) this.slotOf.set(client, slot);
          return slot;
        }
      }
      const refusal = this.slots[0]?.refusal;
      if (refusal && this.slots.every((slot) => slot.refusal)) return refusal;
      const wait = deadline - Date.now();
      if (wait <= 0) return null;
      await this.slotReady.wait(wait);
    }
  }

  /** Keyless records of one request share a partition, rotating per request (like Java's sticky partitioner). */
  private stickyPartition(topic: string, count: number): number {
    const current = this.keylessPartition.get(topic) ?? Math.floor(Math.random() * count);
    this.keylessPartition.set(topic, (current + 1) % count);
    return current % count;
  }
}
