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
 * out (undefined) is left out.
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
    `,"partition":${numberJson(record.partition)},"offset":${numberJson(record.offset)}}`
  );
}

/** The whole response body: a JSON array of the records, as UTF-8 bytes. */
export function recordsBody(records: readonly RestRecord[], format: EmbeddedFormat): Buffer {
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
    body.ascii(`,"partition":${numberJson(record.partition)},"offset":${numberJson(record.offset)}}`);
  }
  body.ascii(records.length === 0 ? '[]' : ']');
  return body.toBuffer();
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

/** JSON numbers: integers print as String() does; NaN and ±Infinity become null. */
const numberJson = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');
