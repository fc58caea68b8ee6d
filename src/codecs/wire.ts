/**
 * The Confluent wire format shared by the schema-based embedded formats:
 *
 *   byte 0      magic byte, always 0
 *   bytes 1-4   schema id, big-endian int32
 *   bytes 5-    payload (Avro binary; JSON Schema: UTF-8 JSON; Protobuf: message indexes + message)
 *
 * Protobuf payloads start with the path of the message type inside its .proto file, written as
 * zig-zag varints: a count, then that many indexes (top-level message i, nested message j of it,
 * ...). The very common path [0] (the first message of the file) is written as the single byte 0.
 */
import { ErrorCode, RestError } from '../errors.ts';

export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

/** Frames a payload: magic byte, schema id, payload. */
export function frame(schemaId: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + payload.length);
  out[0] = MAGIC_BYTE;
  out.writeInt32BE(schemaId, 1);
  out.set(payload, HEADER_SIZE);
  return out;
}

/** Reads the frame of Confluent-serialized bytes; RestError 40801 when they are not framed. */
export function unframe(bytes: Uint8Array): { schemaId: number; payload: Buffer } {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buffer.length === 0 || buffer[0] !== MAGIC_BYTE) throw new RestError(ErrorCode.Serialization, 'Unknown magic byte!');
  if (buffer.length < HEADER_SIZE) {
    throw new RestError(
      ErrorCode.Serialization,
      `Error deserializing message: ${buffer.length} bytes is too short for the magic byte and a schema id.`,
    );
  }
  return { schemaId: buffer.readInt32BE(1), payload: buffer.subarray(HEADER_SIZE) };
}

function writeZigZagVarint(value: number, out: number[]): void {
  let n = ((value << 1) ^ (value >> 31)) >>> 0;
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
}

/** Message indexes as written before a Protobuf payload ([0] → the single byte 0). */
export function encodeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  writeZigZagVarint(indexes.length, out);
  for (const index of indexes) writeZigZagVarint(index, out);
  return Buffer.from(out);
}

function readZigZagVarint(bytes: Uint8Array, offset: number): { value: number; offset: number } {
  let raw = 0;
  let shift = 0;
  for (;;) {
    if (offset >= bytes.length) throw new Error('truncated message index varint');
    const byte = bytes[offset++]!;
    if (shift === 28 && byte > 0x0f) throw new Error('message index varint too long');
    raw |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  raw >>>= 0;
  return { value: (raw >>> 1) ^ -(raw & 1), offset };
}

/**
 * Reads the message indexes at the start of a Protobuf payload; returns them and where the
 * message bytes start. Throws a plain Error on malformed input (callers wrap it).
 */
export function decodeMessageIndexes(payload: Uint8Array): { indexes: number[]; offset: number } {
  const first = readZigZagVarint(payload, 0);
  if (first.value === 0) return { indexes: [0], offset: first.offset };
  if (first.value < 0 || first.value > 100) throw new Error(`invalid message index count ${first.value}`);
  const indexes: number[] = [];
  let offset = first.offset;
  for (let i = 0; i < first.value; i++) {
    const next = readZigZagVarint(payload, offset);
    if (next.value < 0) throw new Error(`invalid message index ${next.value}`);
    indexes.push(next.value);
    offset = next.offset;
  }
  return { indexes, offset };
}
