/**
 * Record headers on their way through kafkajs, whose messages carry them as an object: a name
 * given more than once becomes a list, so the values of one name keep their order but names given
 * in between do not keep theirs (`a, b, a` would be `a, a, b`). The proxy's own encoder and
 * decoder (produce-request.ts, fetch-response.ts) keep the order: a produced message also carries
 * its headers as a list (RECORD_HEADERS), and a fetched one as the record has them
 * (ORDERED_HEADERS). Only what kafkajs still encodes or decodes itself (brokers older than 2.3,
 * record sets in the legacy format, which has no headers anyway) would be grouped by name.
 *
 * A null value (Kafka allows it, and Confluent's v3 produce writes it) cannot be given to kafkajs
 * 2.2.4 as null: its record encoder measures every header value with Buffer.byteLength before
 * writing it, and that throws for null. So a null value travels as NULL_HEADER_VALUE, an empty
 * buffer that only this module hands out, which the encoders are taught to write as Kafka's null
 * (length -1). Both take one byte (the varint of 0 and of -1), so the record's size as kafkajs
 * measured it stays right.
 */
import { KafkaJSEncoder } from './client.ts';
import { ORDERED_HEADERS, type OrderedHeader } from './fetch-response.ts';
import { NULL_HEADER_VALUE } from './produce-request.ts';
import type { RecordHeader } from './record-producer.ts';

type Headers = Record<string, Buffer | Buffer[]>;

const writeVarIntBytes = KafkaJSEncoder.prototype.writeVarIntBytes;
KafkaJSEncoder.prototype.writeVarIntBytes = function (this: { writeVarInt(value: number): unknown }, value: unknown) {
  return value === NULL_HEADER_VALUE ? this.writeVarInt(-1) : writeVarIntBytes.call(this, value);
};

export function kafkaHeaders(headers: readonly RecordHeader[]): Headers {
  // No prototype: a header may be named __proto__.
  const out = Object.create(null) as Headers;
  for (const { key, value } of headers) {
    const bytes = value ?? NULL_HEADER_VALUE;
    const present = out[key];
    if (present === undefined) out[key] = bytes;
    else if (Array.isArray(present)) present.push(bytes);
    else out[key] = [present, bytes];
  }
  return out;
}

/** Bytes the headers take in a record at most: each name and value with a 5-byte varint length. */
export function headersSize(headers: readonly RecordHeader[]): number {
  let size = 0;
  for (const { key, value } of headers) size += 10 + Buffer.byteLength(key) + (value?.length ?? 0);
  return size;
}

/**
 * A fetched record's headers as a list: in the record's order when the proxy's decoder read it,
 * else from kafkajs's decoded object (a name given more than once holds a list of its values, in
 * order; a null value is null), which has grouped them by name: `a, b, a` comes out `a, a, b`,
 * and names that are array indices ("0", "42") come first, in numeric order, as in any JavaScript
 * object. undefined when there are none.
 */
export function fetchedHeaders(message: { headers?: unknown; [ORDERED_HEADERS]?: OrderedHeader[] }): RecordHeader[] | undefined {
  const ordered = message[ORDERED_HEADERS];
  if (ordered !== undefined) return ordered;
  const { headers } = message;
  if (typeof headers !== 'object' || headers === null) return undefined;
  let list: RecordHeader[] | undefined;
  // for-in, not Object.entries: most records have no headers, and this runs for every record.
  for (const key in headers) {
    if (!Object.hasOwn(headers, key)) continue;
    const value = (headers as Record<string, unknown>)[key];
    list ??= [];
    if (!Array.isArray(value)) pushHeader(list, key, value);
    else for (const one of value as unknown[]) pushHeader(list, key, one);
  }
  return list;
}

/** Buffers and nulls only: kafkajs, merging a header named __proto__, puts Object.prototype first. */
function pushHeader(list: RecordHeader[], key: string, value: unknown): void {
  if (value === null || Buffer.isBuffer(value)) list.push({ key, value });
}
