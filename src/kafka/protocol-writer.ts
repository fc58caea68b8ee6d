/**
 * Kafka's protocol primitives as the Produce encoder writes them: the size of each (to measure a
 * request before allocating it) and a writer that puts them into one Buffer, in order.
 */

/** A key, value or header value as kafkajs hands it over: bytes, text (UTF-8) or null. */
export type Bytes = Buffer | string | null | undefined;

export function stringSize(value: string | null): number {
  return value === null ? 2 : 2 + Buffer.byteLength(value);
}

export function bytesSize(value: Bytes): number {
  if (value == null) return 1;
  const length = typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  return varIntSize(length) + length;
}

export function varIntSize(value: number): number {
  let unsigned = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (unsigned > 0x7f) {
    size++;
    unsigned >>>= 7;
  }
  return size;
}

/** Zigzag of a safe integer, as a number (timestamps differences fit). */
function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function varLongSize(value: number): number {
  let unsigned = zigzag64(value);
  let size = 1;
  while (unsigned >= 0x80) {
    size++;
    unsigned = Math.floor(unsigned / 0x80);
  }
  return size;
}

export class Writer {
  offset = 0;
  constructor(readonly buffer: Buffer) {}

  skip(count: number): number {
    const at = this.offset;
    this.offset += count;
    return at;
  }
  int8(value: number): void {
    this.offset = this.buffer.writeInt8(value, this.offset);
  }
  int16(value: number): void {
    this.offset = this.buffer.writeInt16BE(value, this.offset);
  }
  int32(value: number): void {
    this.offset = this.buffer.writeInt32BE(value, this.offset);
  }
  int64(value: bigint): void {
    this.offset = this.buffer.writeBigInt64BE(value, this.offset);
  }
  string(value: string | null): void {
    if (value === null) return this.int16(-1);
    const length = Buffer.byteLength(value);
    this.int16(length);
    this.offset += this.buffer.write(value, this.offset, length, 'utf8');
  }
  varInt(value: number): void {
    let unsigned = ((value << 1) ^ (value >> 31)) >>> 0;
    while (unsigned > 0x7f) {
      this.buffer[this.offset++] = (unsigned & 0x7f) | 0x80;
      unsigned >>>= 7;
    }
    this.buffer[this.offset++] = unsigned;
  }
  varLong(value: number): void {
    let unsigned = zigzag64(value);
    while (unsigned >= 0x80) {
      this.buffer[this.offset++] = (unsigned % 0x80) | 0x80;
      unsigned = Math.floor(unsigned / 0x80);
    }
    this.buffer[this.offset++] = unsigned;
  }
  raw(bytes: Buffer): void {
    this.offset += bytes.copy(this.buffer, this.offset);
  }
  /** Kafka's varint-length bytes: -1 for null. */
  bytes(value: Bytes): void {
    if (value == null) return this.varInt(-1);
    if (typeof value === 'string') {
      const length = Buffer.byteLength(value);
      this.varInt(length);
      this.offset += this.buffer.write(value, this.offset, length, 'utf8');
      return;
    }
    this.varInt(value.length);
    this.offset += value.copy(this.buffer, this.offset);
  }
}
