/**
 * Binary records written as their v2 JSON once, when they are fetched, instead of at every read.
 *
 * A consumer instance of the binary format (without `record.metadata`) buffers each fetched batch
 * as one Buffer holding every record's `{"topic":..,"key":..,"value":..,"partition":..,"offset":..}`
 * one after the other, separated by commas, and drops the record objects at once. A read then takes
 * byte ranges: records that were fetched together are one copy into the response body, and the
 * event stream copies each record's JSON behind its `id` line.
 *
 * Why: objects held ahead of the reader (up to the instance's buffer) survived every young-generation
 * collection, and the base64 string made per record at read time was most of what a read allocated;
 * together that was about half of the proxy's CPU under a fast reader. Bytes in a Buffer live outside
 * the JavaScript heap, and the base64 strings now die young, right where they are written.
 *
 * The bytes are exactly `JSON.stringify`'s of the records a read would otherwise have built
 * (unit-tested): each topic is escaped once per batch, base64 is never escaped.
 */
import type { FetchedRecord } from '../kafka/topic-partition.ts';

/** A fetched binary record, already its v2 JSON: `json.subarray(start, end)`. */
export interface RenderedRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Its key and value bytes, as reads count them against `max_bytes`. */
  size: number;
  json: Buffer;
  start: number;
  end: number;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const SLASH = 0x2f;
const NULL = Buffer.from('null');
const VALUE = Buffer.from(',"value":');
const PARTITION = Buffer.from(',"partition":');
const OFFSET = Buffer.from(',"offset":');
export const EVENT_DATA = Buffer.from('\nevent: record\ndata: ');
/** Longest text of a safe integer (9007199254740991). */
export const MAX_DIGITS = 16;

/** Node's latin1 writer without Buffer#write's dispatch on the encoding name (a plain copy). */
export const latin1Write = (Buffer.prototype as unknown as { latin1Write: (this: Buffer, text: string, at: number) => number }).latin1Write;
/** And its base64 encoder, without toString's. */
const base64Slice = (Buffer.prototype as unknown as { base64Slice: (this: Buffer, start: number, end: number) => string }).base64Slice;

const base64Length = (bytes: Buffer | null): number => (bytes === null ? NULL.length : 4 * Math.ceil(bytes.length / 3) + 2);

/** Writes one batch of fetched records (one topic-partition's run, usually) into one Buffer. */
export function renderBinary(records: readonly FetchedRecord[]): RenderedRecord[] {
  const topics = new Map<string, Buffer>();
  let bound = 0;
  const fixed = VALUE.length + PARTITION.length + OFFSET.length + 2 * MAX_DIGITS + 2;
  for (const r of records) {
    let topic = topics.get(r.topic);
    if (topic === undefined) topics.set(r.topic, (topic = topicJson(r.topic)));
    bound += fixed + topic.length + base64Length(r.key) + base64Length(r.value);
  }
  const json = Buffer.allocUnsafe(bound);
  const rendered = new Array<RenderedRecord>(records.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const start = at;
    const topic = topics.get(r.topic)!;
    json.set(topic, at);
    at = writeBase64(json, at + topic.length, r.key);
    json.set(VALUE, at);
    at = writeBase64(json, at + VALUE.length, r.value);
    json.set(PARTITION, at);
    at = writeIndex(json, at + PARTITION.length, r.partition);
    json.set(OFFSET, at);
    at = writeIndex(json, at + OFFSET.length, r.offset);
    json[at++] = 0x7d; // }
    const size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
    rendered[i] = { topic: r.topic, partition: r.partition, offset: r.offset, size, json, start, end: at };
    json[at++] = COMMA; // so that records fetched together are one range, commas included
  }
  return rendered;
}

/** A records response body: `[` the records' JSON, comma-separated `]`; one copy per run of records fetched together. */
export function renderedBody(records: readonly RenderedRecord[]): Buffer {
  let bytes = 2;
  for (const r of records) bytes += r.end - r.start + 1;
  const out = Buffer.allocUnsafe(records.length === 0 ? 2 : bytes - 1);
  out[0] = 0x5b; // [
  let at = 1;
  for (let i = 0; i < records.length; ) {
    const first = records[i]!;
    let last = first;
    // Consecutive records of one batch sit next to each other, commas between them.
    while (++i < records.length && records[i]!.json === first.json && records[i]!.start === last.end + 1) last = records[i]!;
    if (at > 1) out[at++] = COMMA;
    at += first.json.copy(out, at, first.start, last.end);
  }
  out[at++] = 0x5d; // ]
  return out.subarray(0, at);
}

/** The push consume stream's events: per record its `id` line, then its JSON as `data`. */
export function renderedEvents(records: readonly RenderedRecord[]): Buffer {
  const ids = new Map<string, Buffer>();
  let bound = 0;
  for (const r of records) {
    let id = ids.get(r.topic);
    if (id === undefined) ids.set(r.topic, (id = Buffer.from(`id: ${r.topic}/`, 'utf8')));
    bound += id.length + 2 * MAX_DIGITS + 1 + EVENT_DATA.length + (r.end - r.start) + 2;
  }
  const out = Buffer.allocUnsafe(bound);
  let at = 0;
  for (const r of records) {
    const id = ids.get(r.topic)!;
    out.set(id, at);
    at = writeIndex(out, at + id.length, r.partition);
    out[at++] = SLASH;
    at = writeIndex(out, at, r.offset);
    out.set(EVENT_DATA, at);
    at += EVENT_DATA.length;
    at += r.json.copy(out, at, r.start, r.end);
    out[at++] = 0x0a;
    out[at++] = 0x0a;
  }
  return out.subarray(0, at);
}

/** `{"topic":<topic>,"key":` as UTF-8: the start of every record of that topic. */
export const topicJson = (topic: string): Buffer => Buffer.from(`{"topic":${JSON.stringify(topic)},"key":`, 'utf8');

/** A key or value in base64 between quotes, or `null`. */
export function writeBase64(out: Buffer, at: number, bytes: Buffer | null): number {
  if (bytes === null) {
    out.set(NULL, at);
    return at + NULL.length;
  }
  out[at++] = QUOTE;
  at += latin1Write.call(out, base64Slice.call(bytes, 0, bytes.length), at);
  out[at++] = QUOTE;
  return at;
}

/** A non-negative safe integer, digit by digit. */
export function writeIndex(out: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = digits - 1, rest = n; i >= 0; i--, rest = Math.floor(rest / 10)) out[at + i] = 0x30 + (rest % 10);
  return at + digits;
}
