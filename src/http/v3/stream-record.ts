/**
 * One record of a v3 produce stream, answered as the JSON text of its entry: the receipt
 * `{"error_code":200,"cluster_id",...}` (the fields in the order Confluent writes them, the same
 * text JSON.stringify gives) or the error entry of produce-record.ts.
 *
 * A record that needs no schema and names no partition, the common case, is prepared at once and
 * handed to the stream's SendOrder with a Delivery that writes its receipt: no promise per record.
 * Any other record takes produceRecord's asynchronous path, in the same order.
 */
import type { ProduceRecord, RecordResult } from '../../actors/producer/produce-records.ts';
import { errorOutcome, failed, prepareNow, produceRecord, type DataReceipt, type Outcome, type RecordProduction, type Serialized } from './produce-record.ts';
import type { RecordRequest } from './produce-request.ts';
import type { Delivery, SendOrder } from './send-order.ts';

/** A stream's receipts as text; the cluster and topic are the same in each. */
export class ReceiptLines {
  private readonly prefix: string;
  /** The last timestamp written and its ISO text: a stream's records mostly share their millisecond. */
  private lastMs = Number.NaN;
  private lastIso = '';

  constructor(
    readonly clusterId: string,
    readonly topic: string,
  ) {
    this.prefix = `{"error_code":200,"cluster_id":${JSON.stringify(clusterId)},"topic_name":${JSON.stringify(topic)},"partition_id":`;
  }

  receipt(partition: number, offset: number | null, timestampMs: number, key: DataReceipt | undefined, value: DataReceipt | undefined): string {
    let line = `${this.prefix}${partition},"offset":${offset},"timestamp":"${this.iso(timestampMs)}"`;
    if (key) line += `,"key":${dataReceipt(key)}`;
    if (value) line += `,"value":${dataReceipt(value)}`;
    return `${line}}`;
  }

  outcome(outcome: Outcome): string {
    return 'receipt' in outcome ? JSON.stringify({ error_code: 200, ...outcome.receipt }) : JSON.stringify(outcome.error);
  }

  /** As Date.toISOString (a RangeError for a time it cannot write). */
  private iso(ms: number): string {
    if (ms !== this.lastMs) {
      this.lastIso = new Date(ms).toISOString();
      this.lastMs = ms;
    }
    return this.lastIso;
  }
}

const dataReceipt = (r: DataReceipt) => (r.subject === undefined && r.schema_id === undefined && r.schema_version === undefined ? `{"type":"${r.type}","size":${r.size}}` : JSON.stringify(r));

/** Produces one streamed record and calls `reply` once with its entry's text; never throws. */
export function streamRecord(production: RecordProduction, order: SendOrder, lines: ReceiptLines, request: RecordRequest, reply: (json: string) => void): void {
  const prepared = order.clear ? prepareNow(production, request) : null;
  if (prepared === null) {
    void produceRecord(production, order, lines.clusterId, lines.topic, request).then(
      (outcome) => reply(lines.outcome(outcome)),
      (error: unknown) => reply(JSON.stringify(failed(production, error).error)),
    );
    return;
  }
  if ('error' in prepared) return reply(JSON.stringify(prepared.error));
  order.hand(prepared.record, new ReceiptDelivery(production, lines, prepared.record, prepared.key, prepared.value, reply));
}

class ReceiptDelivery implements Delivery {
  constructor(
    private readonly production: RecordProduction,
    private readonly lines: ReceiptLines,
    private readonly record: ProduceRecord,
    private readonly key: Serialized,
    private readonly value: Serialized,
    private readonly reply: (json: string) => void,
  ) {}

  delivered(result: RecordResult): void {
    if ('failure' in result) return this.reply(JSON.stringify(errorOutcome(result.failure.errorCode, result.failure.message).error));
    let line: string;
    try {
      line = this.lines.receipt(result.partition, result.offset, result.timestamp ?? this.record.timestamp!, this.key.receipt, this.value.receipt);
    } catch (error) {
      return this.failed(error);
    }
    this.reply(line);
  }

  failed(error: unknown): void {
    this.reply(JSON.stringify(failed(this.production, error).error));
  }
}
