/**
 * The body of a v2 records response, `[{"topic":..,"key":..,"value":..,"partition":..,"offset":..}]`,
 * written straight into one Buffer instead of `JSON.stringify` of the record objects (whose string
 * Koa would then measure with Buffer.byteLength and encode again on the socket: for ~1,000 binary
 * records of 1 KiB that was most of a read's CPU).
 *
 * The bytes are exactly those of `JSON.stringify(records)`: each topic is JSON-escaped once per
 * body; a binary key or value is a base64 string (only `A–Z a–z 0–9 + / =`, never escaped) and is
 * copied as it is (the binary decoder makes nothing else); any other key or value (the json and
 * schema formats) goes through JSON.stringify on its own, and one that JSON.stringify would leave
 * out (undefined) is left out. Records of an instance created with `record.metadata` end with
 * their `timestamp` and `headers` (names JSON-escaped, values base64 or null); other records have
 * neither, so their bytes are those of Confluent's responses. The push consume stream's events
 * (`recordEvents`) are written the same way: a string per event, joined and then encoded again by
 * the socket, cost the stream a quarter of its CPU.
 */
import type { EmbeddedFormat } from '../../codecs/embedded-format.ts';
import type { RestRecord } from '../../actors/consumer/protocol.ts';

/** One record's JSON text, as JSON.stringify(record) writes it (for the event stream's `data:`). */
export function recordJson(record: RestRecord, format: EmbeddedFormat): string {
  const key = fieldJson(record.key, format);
  const value = fieldJson(record.value, format);
  return (
    `{"topic":${JSON.stringify(record.topic)}` +
    (key === undefined ? '' : `,"key":${key}`) +
    (value === undefined ? '' : `,"value":${value}`) +
    `,"partition":${numberJson(record.partition)},"offset":${numberJson(record.offset)}` +
    metadataJson(record) +
    '}'
  );
}

/**
 * One server-sent event per record (the push consume stream's wire format): `id` is where the
 * record is, `data` its JSON exactly as in a records response. JSON text never holds a raw line
 * break, so `data` is always a single line.
 */
export function recordEvent(record: RestRecord, format: EmbeddedFormat): string {
  return `id: ${record.topic}/${record.partition}/${record.offset}\nevent: record\ndata: ${recordJson(record, format)}\n\n`;
}

/** The events of a read, one after the other, as UTF-8 bytes: what one socket write sends. */
export function recordEvents(records: readonly RestRecord[], format: EmbeddedFormat): Buffer {
  if (format === 'binary' && records.every(isBinaryRecord)) return binaryRecords(records as readonly BinaryRecord[], true);
  let events = '';
  for (const record of records) events += recordEvent(record, format);
  return Buffer.from(events, 'utf8');
}

/** The whole response body: a JSON array of the records, as UTF-8 bytes. */
export function recordsBody(records: readonly RestRecord[], format: EmbeddedFormat): Buffer {
  if (format === 'binary' && records.every(isBinaryRecord)) return binaryRecords(records as readonly BinaryRecord[], false);
  const body = new Pieces();
  const topics = new Map<string, string>();
  for (let r = 0; r < records.length; r++) {
    const record = records[r]!;
    let topic = topics.get(record.topic);
    if (topic === undefined) topics.set(record.topic, (topic = `{"topic":${JSON.stringify(record.topic)}`));
    body.text(r === 0 ? '[' : ',');
    body.text(topic);
    field(body, ',"key":', record.key, format);
    field(body, ',"value":', record.value, format);
    const position = `,"partition":${numberJson(record.partition)},"offset":${numberJson(record.offset)}`;
    if (record.timestamp === undefined && record.headers === undefined) body.ascii(`${position}}`);
    else {
      body.ascii(position);
      body.text(`${metadataJson(record)}}`); // header names may be any text
    }
  }
  body.ascii(records.length === 0 ? '[]' : ']');
  return body.toBuffer();
}

type BinaryRecord = RestRecord & { key: string | null; value: string | null };

const isBinaryRecord = (r: RestRecord): boolean =>
  (r.key === null || typeof r.key === 'string') &&
  (r.value === null || typeof r.value === 'string') &&
  isIndex(r.partition) &&
  isIndex(r.offset) &&
  r.timestamp === undefined &&
  r.headers === undefined;

/** A non-negative safe integer: what partitions and offsets are, written digit by digit. */
const isIndex = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

const QUOTE = 0x22;
const SLASH = 0x2f;
const NULL = Buffer.from('null');
const VALUE = Buffer.from(',"value":');
const PARTITION = Buffer.from(',"partition":');
const OFFSET = Buffer.from(',"offset":');
const EVENT_DATA = Buffer.from('\nevent: record\ndata: ');
/** Longest text of a safe integer (9007199254740991). */
const MAX_DIGITS = 16;

/** Per topic, ready-made bytes: the start of a record's JSON and (for events) of its `id` line. */
interface TopicBytes {
  json: Buffer;
  id: Buffer;
}

/**
 * Binary records, written byte by byte into one Buffer, as a JSON array or as events: the
 * per-topic bytes and the fixed names are copied from ready-made bytes, keys and values (base64)
 * with one latin1 write each (a plain copy), numbers digit by digit. A call per short string
 * would cost more than the copying does.
 */
function binaryRecords(records: readonly BinaryRecord[], events: boolean): Buffer {
  const topics = new Map<string, TopicBytes>();
  let bound = 2;
  const perRecord = 1 + VALUE.length + PARTITION.length + OFFSET.length + 2 * MAX_DIGITS + 1 + (events ? 2 * MAX_DIGITS + 1 + EVENT_DATA.length + 2 : 0);
  for (const r of records) {
    let topic = topics.get(r.topic);
    if (!topic) {
      topic = { json: Buffer.from(`{"topic":${JSON.stringify(r.topic)},"key":`, 'utf8'), id: Buffer.from(`id: ${r.topic}/`, 'utf8') };
      topics.set(r.topic, topic);
    }
    bound += perRecord + topic.json.length + (r.key === null ? 4 : r.key.length + 2) + (r.value === null ? 4 : r.value.length + 2);
    if (events) bound += topic.id.length;
  }
  const out = Buffer.allocUnsafe(bound);
  let at = 0;
  if (!events) out[at++] = 0x5b; // [
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const topic = topics.get(r.topic)!;
    if (events) {
      out.set(topic.id, at);
      at = writeIndex(out, at + topic.id.length, r.partition);
      out[at++] = SLASH;
      at = writeIndex(out, at, r.offset);
      out.set(EVENT_DATA, at);
      at += EVENT_DATA.length;
    } else if (i > 0) out[at++] = 0x2c; // ,
    out.set(topic.json, at);
    at += topic.json.length;
    at = writeBase64(out, at, r.key);
    out.set(VALUE, at);
    at += VALUE.length;
    at = writeBase64(out, at, r.value);
    out.set(PARTITION, at);
    at = writeIndex(out, at + PARTITION.length, r.partition);
    out.set(OFFSET, at);
    at = writeIndex(out, at + OFFSET.length, r.offset);
    out[at++] = 0x7d; // }
    if (events) {
      out[at++] = 0x0a;
      out[at++] = 0x0a;
    }
  }
  if (!events) out[at++] = 0x5d; // ]
  return out.subarray(0, at);
}

/** Node's latin1 writer without Buffer#write's dispatch on the encoding name (a copy per value). */
const latin1Write = (Buffer.prototype as unknown as { latin1Write: (this: Buffer, text: string, at: number) => number }).latin1Write;

function writeBase64(out: Buffer, at: number, text: string | null): number {
  if (text === null) {
    out.set(NULL, at);
    return at + NULL.length;
  }
  out[at++] = QUOTE;
  at += latin1Write.call(out, text, at);
  out[at++] = QUOTE;
  return at;
}

function writeIndex(out: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  for (let i = digits - 1, rest = n; i >= 0; i--, rest = Math.floor(rest / 10)) out[at + i] = 0x30 + (rest % 10);
  return at + digits;
}

/**
 * A binary key or value is copied without looking at it: the binary decoder makes only base64
 * strings (`A–Z a–z 0–9 + / =`: nothing to escape, one byte each). Checking every character
 * would cost about what JSON.stringify does, the very cost this module avoids.
 */
function field(body: Pieces, name: string, value: unknown, format: EmbeddedFormat): void {
  if (value === null) return body.ascii(`${name}null`);
  if (format === 'binary' && typeof value === 'string') {
    body.ascii(`${name}"`);
    body.ascii(value);
    return body.ascii('"');
  }
  const json = JSON.stringify(value);
  if (json === undefined) return;
  body.ascii(name);
  body.text(json);
}

/**
 * Strings to write one after the other, with their exact UTF-8 length. Short ASCII pieces are
 * joined as they come; long ones (the values) stay as they are, so no value is copied into a
 * joined string first: each is copied once, into the body.
 */
class Pieces {
  private readonly parts: string[] = [];
  private readonly utf8: boolean[] = [];
  private pending = '';
  private bytes = 0;

  /** Text known to be ASCII (one byte per character). */
  ascii(text: string): void {
    this.bytes += text.length;
    if (text.length < 64) this.pending += text;
    else this.push(text, false);
  }

  /** Any text: measured, and written as UTF-8 unless it turned out to be ASCII. */
  text(text: string): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    this.bytes += bytes;
    if (bytes === text.length && text.length < 64) this.pending += text;
    else this.push(text, bytes !== text.length);
  }

  toBuffer(): Buffer {
    this.flush();
    const out = Buffer.allocUnsafe(this.bytes);
    let at = 0;
    // latin1 is a plain copy of one-byte characters: right for ASCII, and cheaper than UTF-8.
    for (let i = 0; i < this.parts.length; i++) at += out.write(this.parts[i]!, at, this.utf8[i] ? 'utf8' : 'latin1');
    if (at !== this.bytes) throw new Error(`records body: wrote ${at} bytes, expected ${this.bytes}`);
    return out;
  }

  private push(text: string, utf8: boolean): void {
    this.flush();
    this.parts.push(text);
    this.utf8.push(utf8);
  }

  private flush(): void {
    if (this.pending === '') return;
    this.parts.push(this.pending);
    this.utf8.push(false);
    this.pending = '';
  }
}

/** A key or value as JSON, or undefined where JSON.stringify would leave the property out. */
function fieldJson(value: unknown, format: EmbeddedFormat): string | undefined {
  if (value === null) return 'null';
  if (format === 'binary' && typeof value === 'string') return `"${value}"`;
  return JSON.stringify(value);
}

/**
 * `,"timestamp":..,"headers":[..]` of a record that has them, else ''. Header values are base64
 * (read.ts makes nothing else), copied as they are like binary keys and values.
 */
function metadataJson(record: RestRecord): string {
  let json = record.timestamp === undefined ? '' : `,"timestamp":${numberJson(record.timestamp)}`;
  if (record.headers !== undefined) {
    json += ',"headers":[';
    for (let i = 0; i < record.headers.length; i++) {
      const { key, value } = record.headers[i]!;
      json += `${i === 0 ? '' : ','}{"key":${JSON.stringify(key)},"value":${value === null ? 'null' : `"${value}"`}}`;
    }
    json += ']';
  }
  return json;
}

/** JSON numbers: integers print as String() does; NaN and ±Infinity become null. */
const numberJson = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');
