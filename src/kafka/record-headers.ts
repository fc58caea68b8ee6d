/**
 * Record headers for kafkajs, whose messages carry them as an object: a name given more than once
 * becomes a list, so the values of one name keep their order, but names given in between do not
 * keep theirs (`a, b, a` is written `a, a, b`). Readers look headers up by name, so this rarely
 * matters; docs/COMPATIBILITY.md says it.
 *
 * A null value (Kafka allows it, and Confluent's v3 produce writes it) cannot be given to kafkajs
 * 2.2.4 as null: its record encoder measures every header value with Buffer.byteLength before
 * writing it, and that throws for null. So a null value travels as NULL_HEADER_VALUE, an empty
 * buffer that only this module hands out, which the encoder is taught to write as Kafka's null
 * (length -1). Both take one byte (the varint of 0 and of -1), so the record's size as kafkajs
 * measured it stays right.
 */
import { KafkaJSEncoder } from './client.ts';
import type { RecordHeader } from './record-producer.ts';

type Headers = Record<string, Buffer | Buffer[]>;

/** Stands for a null header value on its way through kafkajs; never a real value. */
const NULL_HEADER_VALUE = Buffer.alloc(0);

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
