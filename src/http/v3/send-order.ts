/**
 * Hands a v3 request's records to the producer pool in the order they were given, although some
 * are prepared asynchronously (their schema looked up, their topic's partition count awaited): a
 * record goes to the pool only once every earlier one has. With the pool keeping a client's records
 * on one slot, a stream's records of one partition are written in the order they were sent, as by
 * Confluent's single producer.
 *
 * With `coalesce` (a stream's order), records handed over within one turn of the event loop
 * (typically those of one or a few request chunks) go to the pool in one call, in order: the pool's
 * work per call (buffer reservation, slot choice, delivery timer, actor events) is then paid per
 * group, not per record, and the slot's Kafka requests are as large as v2's, while each record is
 * still answered on its own. A stream holds at most producer.buffer.memory in flight, so such a call
 * always fits the buffer. records:batch entries go one by one: each finds room in the buffer, or is
 * refused, on its own.
 *
 * Results are handed to a Delivery, not through a promise per record: at a stream's rate, the
 * promises and closures per record were a large part of the proxy's garbage.
 */
import type { ProduceClient, ProduceRecord, RecordResult } from '../../actors/producer/produce-records.ts';

/** What produces the records: the producer pool. */
export interface RecordSender {
  produceRecords(topic: string, records: ProduceRecord[], defaultPartition?: number, client?: ProduceClient): Promise<RecordResult[]>;
}

/** Where a record's result goes: the pool's result, or what the pool call threw. */
export interface Delivery {
  delivered(result: RecordResult): void;
  failed(error: unknown): void;
}

interface Batch {
  records: ProduceRecord[];
  deliveries: Delivery[];
}

export class SendOrder {
  private last: Promise<void> = Promise.resolve();
  /** Records given to after() whose turn has not come: until none is left, no record may skip ahead. */
  private waiting = 0;
  private batch: Batch | null = null;

  constructor(
    private readonly sender: RecordSender,
    private readonly topic: string,
    private readonly client?: ProduceClient,
    private readonly coalesce = false,
  ) {}

  /** True when a record prepared now may be handed over at once (none before it is still being prepared). */
  get clear(): boolean {
    return this.waiting === 0;
  }

  /** Hands a record over now; only when `clear` (or within after()'s turn). */
  hand(record: ProduceRecord, delivery: Delivery): void {
    if (!this.coalesce) {
      this.sender.produceRecords(this.topic, [record], undefined, this.client).then(
        ([result]) => delivery.delivered(result!),
        (error: unknown) => delivery.failed(error),
      );
      return;
    }
    let batch = this.batch;
    if (!batch) {
      batch = this.batch = { records: [], deliveries: [] };
      setImmediate(() => this.send(batch!));
    }
    batch.records.push(record);
    batch.deliveries.push(delivery);
  }

  /** The record's result, as a promise (records:batch, and records prepared asynchronously). */
  produce(record: ProduceRecord): Promise<RecordResult> {
    return new Promise((resolve, reject) => this.hand(record, { delivered: resolve, failed: reject }));
  }

  /** Runs `send` with the prepared value once every record given before has been handed over. */
  after<T, R>(ready: Promise<T>, send: (value: T) => Promise<R>): Promise<R> {
    let started!: () => void;
    const turn = new Promise<void>((resolve) => (started = resolve));
    this.waiting++;
    const begin = () => {
      this.waiting--;
      started();
    };
    const result = this.last
      .then(() => ready)
      .then(
        (value) => {
          begin();
          return send(value);
        },
        (error: unknown) => {
          begin();
          throw error;
        },
      );
    this.last = turn;
    return result;
  }

  private send(batch: Batch): void {
    if (this.batch === batch) this.batch = null;
    const { records, deliveries } = batch;
    this.sender.produceRecords(this.topic, records, undefined, this.client).then(
      (results) => {
        for (let i = 0; i < deliveries.length; i++) deliveries[i]!.delivered(results[i]!);
      },
      (error: unknown) => {
        for (const delivery of deliveries) delivery.failed(error);
      },
    );
  }
}
