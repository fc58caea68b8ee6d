/**
 * The body of a Produce request (v3 to v7: record batches of magic 2), encoded in one pass into
 * one Buffer. kafkajs builds every record and every varint in a buffer of its own, copies records
 * into the batch, the batch into the partition and that into the request, and checksums a byte at a
 * time: about 10 µs per 1 KiB record, which the proxy paid for every record it produced. This
 * measures the request first, writes it once and checksums eight bytes per step.
 *
 * Input is what kafkajs's producer hands its broker (`broker.produce`), so kafkajs keeps doing
 * everything else: partition leaders, idempotent sequence numbers, retries. The bytes are those
 * kafkajs writes for the same request (a unit test compares them), but for two things: headers
 * keep the order they were given in (RECORD_HEADERS; kafkajs groups them by name), and timestamps
 * are compared as numbers to find a batch's first and largest, where kafkajs sorts them as strings.
 * A compressed batch's records are written the same way and compressed with kafkajs's codec.
 */
import { crc32c } from './crc32c.ts';
import { bytesSize, stringSize, varIntSize, varLongSize, Writer, type Bytes } from './protocol-writer.ts';

/**
 * A message's headers in their order, beside the object kafkajs needs (record-headers.ts): what
 * this encoder writes when the message has it.
 */
export const RECORD_HEADERS = Symbol('kafka-rest:recordHeaders');

/** A message as kafkajs's producer has it; headers as kafkajs keeps them (a repeated name holds a list). */
export interface ProduceMessage {
  key?: Bytes;
  value?: Bytes;
  timestamp?: number | string | null;
  headers?: Record<string, Bytes | Bytes[]>;
  [RECORD_HEADERS]?: ReadonlyArray<{ key: string; value: Buffer | null }>;
}

export interface ProduceRequest {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  /** A kafkajs Long, a number or a decimal string; -1 when not idempotent. */
  producerId?: { toString(): string } | number | string;
  producerEpoch?: number;
  compression?: number;
  topicData: Array<{
    topic: string;
    partitions: Array<{ partition: number; firstSequence?: number; messages: ProduceMessage[] }>;
  }>;
}

/**
 * Stands for a null header value on its way through kafkajs's producer (see record-headers.ts);
 * never a real value. Written as Kafka's null, here and by kafkajs's own encoder.
 */
export const NULL_HEADER_VALUE = Buffer.alloc(0);

const MAGIC = 2;
const COMPRESSION_CODEC_MASK = 0x07;
const TRANSACTIONAL = 0x10;
/** Base offset, length, leader epoch, magic, CRC, then the checksummed header fields and the record count. */
const BATCH_HEADER = 8 + 4 + 4 + 1 + 4;
const CHECKSUMMED_HEADER = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

/** Compresses a batch's records (kafkajs's codec for the request's `compression`). */
export type Compress = (records: Buffer) => Promise<Buffer>;

export interface EncodeOptions {
  /** Needed when the request is compressed. */
  compress?: Compress;
  /** The time of records without a timestamp (as kafkajs: when the request is encoded). */
  now?: number;
}

export async function encodeProduceRequest(request: ProduceRequest, options: EncodeOptions = {}): Promise<Buffer> {
  const now = options.now ?? Date.now();
  const codec = (request.compression ?? 0) & COMPRESSION_CODEC_MASK;
  const transactionalId = request.transactionalId ?? null;
  const producerId = BigInt((request.producerId ?? -1).toString());
  const producerEpoch = request.producerEpoch ?? 0;
  const attributes = codec | (transactionalId ? TRANSACTIONAL : 0);

  // First pass: every record's size, so the request is allocated once; compressed records are
  // written and compressed first, and their size is the compressed size.
  const batches = request.topicData.map(({ partitions }) => partitions.map(({ messages }) => measureBatch(messages, now)));
  if (codec !== 0) {
    const { compress } = options;
    if (!compress) throw new Error('a compressed produce request needs its codec');
    for (const [t, { partitions }] of request.topicData.entries()) {
      for (const [p, { messages }] of partitions.entries()) {
        const batch = batches[t]![p]!;
        batch.compressed = await compress(encodeRecords(messages, batch));
        batch.bytes = BATCH_HEADER + CHECKSUMMED_HEADER + batch.compressed.length;
      }
    }
  }
  let size = stringSize(transactionalId) + 2 + 4 + 4;
  request.topicData.forEach(({ topic, partitions }, t) => {
    size += stringSize(topic) + 4;
    partitions.forEach((_, p) => (size += 4 + 4 + batches[t]![p]!.bytes));
  });

  const out = new Writer(Buffer.allocUnsafe(size));
  out.string(transactionalId);
  out.int16(request.acks);
  out.int32(request.timeout);
  out.int32(request.topicData.length);
  request.topicData.forEach(({ topic, partitions }, t) => {
    out.string(topic);
    out.int32(partitions.length);
    partitions.forEach(({ partition, firstSequence, messages }, p) => {
      const batch = batches[t]![p]!;
      out.int32(partition);
      out.int32(batch.bytes);
      out.int64(0n); // base offset: the broker assigns it
      out.int32(batch.bytes - 12);
      out.int32(0); // partition leader epoch
      out.int8(MAGIC);
      const crcAt = out.skip(4);
      const checksummed = out.offset;
      out.int16(attributes);
      out.int32(messages.length - 1);
      out.int64(BigInt(batch.firstTimestamp));
      out.int64(BigInt(batch.maxTimestamp));
      out.int64(producerId);
      out.int16(producerEpoch);
      out.int32(firstSequence ?? 0);
      out.int32(messages.length);
      if (batch.compressed) out.raw(batch.compressed);
      else messages.forEach((message, i) => writeRecord(out, message, i, batch));
      out.buffer.writeUInt32BE(crc32c(out.buffer, checksummed, out.offset), crcAt);
    });
  });
  if (out.offset !== size) throw new Error(`produce request measured ${size} bytes but took ${out.offset}`);
  return out.buffer;
}

interface MeasuredBatch {
  bytes: number;
  /** The batch's records, compressed (a compressed request only). */
  compressed?: Buffer;
  firstTimestamp: number;
  maxTimestamp: number;
  /** Each record's timestamp (as kafkajs: now when it has none). */
  timestamps: number[];
  /** Each record's size after its length varint. */
  bodies: number[];
  /** Each record's headers, in the order they are written. */
  headers: ReadonlyArray<ReadonlyArray<OutgoingHeader>>;
}

function measureBatch(messages: ProduceMessage[], now: number): MeasuredBatch {
  const timestamps = new Array<number>(messages.length);
  // kafkajs: a batch whose records have no timestamp starts at now; otherwise at the given ones.
  let firstTimestamp = Infinity;
  let maxTimestamp = -Infinity;
  messages.forEach((m, i) => {
    if (m.timestamp == null) return void (timestamps[i] = now);
    const timestamp = (timestamps[i] = Number(m.timestamp));
    if (timestamp < firstTimestamp) firstTimestamp = timestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
  });
  if (firstTimestamp === Infinity) firstTimestamp = maxTimestamp = now;
  let bytes = BATCH_HEADER + CHECKSUMMED_HEADER;
  const headers = messages.map(headerList);
  const bodies = messages.map((message, i) => {
    let body = 1 + varLongSize(timestamps[i]! - firstTimestamp) + varIntSize(i) + bytesSize(message.key) + bytesSize(message.value);
    body += varIntSize(headers[i]!.length);
    for (const { key, value } of headers[i]!) body += bytesSize(key) + bytesSize(value === NULL_HEADER_VALUE ? null : value);
    bytes += varIntSize(body) + body;
    return body;
  });
  return { bytes, firstTimestamp, maxTimestamp, timestamps, bodies, headers };
}

/** A batch's records alone, for its codec to compress. */
function encodeRecords(messages: ProduceMessage[], batch: MeasuredBatch): Buffer {
  const out = new Writer(Buffer.allocUnsafe(batch.bytes - BATCH_HEADER - CHECKSUMMED_HEADER));
  messages.forEach((message, i) => writeRecord(out, message, i, batch));
  return out.buffer;
}

function writeRecord(out: Writer, message: ProduceMessage, index: number, batch: MeasuredBatch): void {
  out.varInt(batch.bodies[index]!);
  out.int8(0); // record attributes: none are defined
  out.varLong(batch.timestamps[index]! - batch.firstTimestamp);
  out.varInt(index);
  out.bytes(message.key);
  out.bytes(message.value);
  const headers = batch.headers[index]!;
  out.varInt(headers.length);
  for (const { key, value } of headers) {
    out.bytes(key);
    out.bytes(value === NULL_HEADER_VALUE ? null : value);
  }
}

interface OutgoingHeader {
  key: string;
  value: Bytes;
}

const NO_HEADERS: OutgoingHeader[] = [];

/** The message's own order when it has one; else kafkajs's: names as Object.keys gives them, a list's values in turn. */
function headerList(message: ProduceMessage): ReadonlyArray<OutgoingHeader> {
  const ordered = message[RECORD_HEADERS];
  if (ordered !== undefined) return ordered;
  const { headers } = message;
  if (headers === undefined) return NO_HEADERS;
  const list: OutgoingHeader[] = [];
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (Array.isArray(value)) for (const one of value) list.push({ key, value: one });
    else list.push({ key, value });
  }
  return list;
}
