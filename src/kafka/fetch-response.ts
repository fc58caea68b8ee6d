/**
 * Fetch responses (v11, the version kafkajs 2.2.4 uses with any broker since Kafka 2.3) decoded
 * in one pass over the response buffer, into exactly the objects kafkajs's own decoder makes, so
 * kafkajs's consumer and the partition fetcher use them unchanged. kafkajs decodes every record
 * through a decoder object of its own and computes each offset and timestamp with `Long`
 * arithmetic from decimal strings; here they are plain numbers turned into kafkajs's strings.
 *
 * One thing kafkajs drops is kept: the order of a record's headers. kafkajs folds them into an
 * object (a repeated name becomes a list, so `a, b, a` reads `a, a, b`); each message that has
 * headers also carries them as a list, in order, under ORDERED_HEADERS.
 *
 * Record sets in the legacy message format (magic 0 and 1) are left to kafkajs (the answer is
 * null). Compressed batches are decompressed with kafkajs's codec for their attributes.
 */

/** A fetched message's headers in the order the record has them (see record-headers.ts). */
export const ORDERED_HEADERS = Symbol('kafka-rest:orderedHeaders');

export type Codec = { decompress(buffer: Buffer): Promise<Buffer> } | null;

/** A header as a record holds it: a name and bytes or null. (A malformed null name reads "null", as kafkajs names it.) */
export interface OrderedHeader {
  key: string;
  value: Buffer | null;
}

const MAGIC_OFFSET = 16;
const RECORD_BATCH_V2 = 2;
/** kafkajs reads a batch only while this many bytes are left; fewer is the partial tail of the set. */
const RECORD_BATCH_OVERHEAD = 49;
const BATCH_PREFIX = 12;
const TIMESTAMP_TYPE_FLAG = 0x8;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;
const LOG_APPEND_TIME = 1;
const CREATE_TIME = 0;

class Reader {
  constructor(
    readonly buffer: Buffer,
    public offset = 0,
  ) {}

  remaining(): number {
    return this.buffer.length - this.offset;
  }
  int8(): number {
    return this.buffer.readInt8(this.offset++);
  }
  int16(): number {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }
  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  int64(): bigint {
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }
  string(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    return this.text(length);
  }
  text(length: number): string {
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  bytes(length: number): Buffer {
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  /** Zigzag varint of up to 32 bits. */
  varInt(): number {
    let unsigned = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.buffer[this.offset++]!;
      if (byte === undefined) throw new RangeError('varint past the end of the buffer');
      unsigned |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    return (unsigned >>> 1) ^ -(unsigned & 1);
  }
  /** Zigzag varint of up to 64 bits, as a number (timestamp deltas are far below 2^53). */
  varLong(): number {
    let unsigned = 0;
    let scale = 1;
    let byte: number;
    do {
      byte = this.buffer[this.offset++]!;
      if (byte === undefined) throw new RangeError('varlong past the end of the buffer');
      unsigned += (byte & 0x7f) * scale;
      scale *= 128;
    } while (byte & 0x80 && scale <= 2 ** 63);
    return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
  }
  varBytes(): Buffer | null {
    const length = this.varInt();
    return length === -1 ? null : this.bytes(length);
  }
  varString(): string | null {
    const length = this.varInt();
    return length === -1 ? null : this.text(length);
  }
}

/** What kafkajs's Fetch v11 decode answers, or null when kafkajs must decode it (legacy message sets). */
export async function decodeFetchResponseV11(raw: Buffer, codecFor: (attributes: number) => Codec): Promise<object | null> {
  const reader = new Reader(raw);
  const clientSideThrottleTime = reader.int32();
  const errorCode = reader.int16();
  const sessionId = reader.int32();
  const topics = reader.int32();
  const responses = [];
  for (let t = 0; t < Math.max(0, topics); t++) {
    const topicName = reader.string();
    const count = reader.int32();
    const partitions = [];
    for (let p = 0; p < Math.max(0, count); p++) {
      const partition = reader.int32();
      const partitionError = reader.int16();
      const highWatermark = reader.int64().toString();
      const lastStableOffset = reader.int64().toString();
      const lastStartOffset = reader.int64().toString();
      const aborted = reader.int32();
      const abortedTransactions = [];
      for (let a = 0; a < aborted; a++) abortedTransactions.push({ producerId: reader.int64().toString(), firstOffset: reader.int64().toString() });
      const preferredReadReplica = reader.int32();
      const messages = await decodeRecordSet(reader, codecFor);
      if (messages === null) return null;
      partitions.push({ partition, errorCode: partitionError, highWatermark, lastStableOffset, lastStartOffset, abortedTransactions, preferredReadReplica, messages });
    }
    responses.push({ topicName, partitions });
  }
  // As kafkajs: the broker did not throttle; a positive time asks the client to wait that long.
  return { throttleTime: 0, clientSideThrottleTime, errorCode, sessionId, responses };
}

async function decodeRecordSet(reader: Reader, codecFor: (attributes: number) => Codec): Promise<object[] | null> {
  const size = reader.int32();
  if (size <= 0 || reader.remaining() < size) return [];
  const set = new Reader(reader.bytes(size));
  if (set.buffer.readInt8(MAGIC_OFFSET) !== RECORD_BATCH_V2) return null;
  const messages: object[] = [];
  while (set.remaining() >= RECORD_BATCH_OVERHEAD) {
    const start = set.offset;
    const length = set.buffer.readInt32BE(start + 8);
    // The tail of a record set may be a batch cut short by the fetch's byte limit.
    if (set.remaining() - BATCH_PREFIX < length) break;
    const batch = new Reader(set.buffer.subarray(0, start + BATCH_PREFIX + length), start);
    set.offset = start + BATCH_PREFIX + length;
    await decodeBatch(batch, codecFor, messages);
  }
  return messages;
}

async function decodeBatch(batch: Reader, codecFor: (attributes: number) => Codec, messages: object[]): Promise<void> {
  const firstOffset = batch.int64();
  batch.int32(); // length
  const partitionLeaderEpoch = batch.int32();
  const magicByte = batch.int8();
  batch.int32(); // CRC: kafkajs does not check it either; the broker did
  const attributes = batch.int16();
  const lastOffsetDelta = batch.int32();
  const firstTimestamp = batch.int64();
  const maxTimestamp = batch.int64().toString();
  const producerId = batch.int64().toString();
  const producerEpoch = batch.int16();
  const firstSequence = batch.int32();
  const isControlBatch = (attributes & CONTROL_FLAG) > 0;
  const timestampType = (attributes & TIMESTAMP_TYPE_FLAG) > 0 ? LOG_APPEND_TIME : CREATE_TIME;
  const batchContext = {
    firstOffset: firstOffset.toString(),
    firstTimestamp: firstTimestamp.toString(),
    partitionLeaderEpoch,
    inTransaction: (attributes & TRANSACTIONAL_FLAG) > 0,
    isControlBatch,
    lastOffsetDelta,
    producerId,
    producerEpoch,
    firstSequence,
    maxTimestamp,
    timestampType,
    magicByte,
  };
  const count = batch.int32();
  const codec = codecFor(attributes);
  let records = batch;
  if (codec) {
    if (count <= 0) return;
    records = new Reader(await codec.decompress(batch.bytes(batch.remaining())));
  }
  const base = Number(firstOffset);
  const baseTime = Number(firstTimestamp);
  // LogAppendTime: every record has the batch's (the broker's) time.
  const appendTime = timestampType === LOG_APPEND_TIME ? maxTimestamp : null;
  for (let i = 0; i < count; i++) messages.push(decodeRecord(records, base, baseTime, appendTime, isControlBatch, batchContext, magicByte));
}

function decodeRecord(reader: Reader, base: number, baseTime: number, appendTime: string | null, isControlRecord: boolean, batchContext: object, magicByte: number): object {
  const length = reader.varInt();
  const end = reader.offset + length;
  const attributes = reader.int8();
  const timestampDelta = reader.varLong();
  const offsetDelta = reader.varInt();
  const key = reader.varBytes();
  const value = reader.varBytes();
  const count = reader.varInt();
  const message: Record<string | symbol, unknown> = {
    magicByte,
    attributes,
    timestamp: appendTime ?? String(baseTime + timestampDelta),
    offset: String(base + offsetDelta),
    key,
    value,
    headers: {},
    isControlRecord,
    batchContext,
  };
  if (count > 0) {
    const ordered: OrderedHeader[] = new Array(count);
    // As kafkajs builds it: a plain object, a repeated name holding a list of its values.
    let folded: Record<string, Buffer | null | Array<Buffer | null>> = {};
    for (let h = 0; h < count; h++) {
      const header = { key: String(reader.varString()), value: reader.varBytes() };
      ordered[h] = header;
      const present = folded[header.key];
      folded = { ...folded, [header.key]: present === undefined ? header.value : Array.isArray(present) ? present.concat([header.value]) : [present, header.value] };
    }
    message.headers = folded;
    message[ORDERED_HEADERS] = ordered;
  }
  reader.offset = end;
  return message;
}
