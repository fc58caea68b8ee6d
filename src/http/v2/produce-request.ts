/**
 * Validates a v2 ProduceRequest body, then encodes every record with the embedded format before
 * anything is sent: one bad record fails the whole request and nothing reaches Kafka.
 *  - not an object, an unknown field, or a field of the wrong type → 400 with Jackson's message
 *    (Confluent binds the body with Jackson, which refuses unknown properties)
 *  - no body, missing or empty `records` → 422 (Confluent's bean validation)
 *  - a key/value the format cannot encode → 400 from the codec
 * Records may also carry `headers` and a `timestamp`, an extension in the Strimzi HTTP Bridge's
 * shape (Confluent's v2 refuses both as unknown fields, so no request it accepts changes meaning);
 * a bad one is 400 naming where it is, and nothing is sent.
 */
import type { ProduceRecord } from '../../actors/producer/produce-records.ts';
import { binaryCodec } from '../../codecs/binary.ts';
import type { EmbeddedCodec } from '../../codecs/embedded-format.ts';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import type { RecordHeader } from '../../kafka/record-producer.ts';
import { NO_BODY } from '../body.ts';
import { bind, entity, intOf, listOf, objectOf, property, stringOf, unrecognizedField } from './json-binding.ts';

/** Most headers one record may carry. */
export const MAX_RECORD_HEADERS = 1000;
/** Longest header name, in characters. */
export const MAX_HEADER_KEY_LENGTH = 4096;

export interface RequestRecord {
  key: unknown;
  value: unknown;
  partition?: number;
  /** The extension's headers, in request order; absent when none were given. */
  headers?: RecordHeader[];
  /** The extension's CreateTime (epoch ms); absent = when the batch is built. */
  timestamp?: number;
}

/** Confluent's ProduceRequest: records plus, for the schema formats, schemas or schema ids. */
export interface ProduceRequest {
  records: RequestRecord[];
  key_schema?: string;
  key_schema_id?: number;
  value_schema?: string;
  value_schema_id?: number;
}

// Confluent's entities (kafka-rest entities/v2/ProduceRequest.java), as Jackson names them.
const PRODUCE_REQUEST = entity('ProduceRequest', ['records', 'key_schema_id', 'key_schema', 'value_schema_id', 'value_schema']);
const PRODUCE_RECORD = entity('ProduceRequest$ProduceRecord', ['partition', 'key', 'value']);
/** Confluent's fields plus the extension's; an unknown field's message lists Confluent's only. */
const RECORD_FIELDS = new Set([...PRODUCE_RECORD.properties, 'headers', 'timestamp']);

export function readProduceRequest(body: unknown): ProduceRequest {
  if (body === NO_BODY || body === null) throw unprocessable('Request body is empty. Data is required.');
  const request = bind(() => bindProduceRequest(body));
  if (request.records.length === 0) throw unprocessable('records may not be empty');
  request.records.forEach(({ partition }, i) => {
    if (partition !== undefined && partition < 0) {
      throw Errors.badRequest(`records[${i}].partition must be a non-negative integer, got ${partition}.`);
    }
  });
  for (const field of ['key_schema_id', 'value_schema_id'] as const) {
    const id = request[field];
    if (id !== undefined && id < 0) throw Errors.badRequest(`"${field}" must be a schema id, got ${id}.`);
  }
  return request;
}

function bindProduceRequest(body: unknown): ProduceRequest {
  const fields = objectOf(body, PRODUCE_REQUEST);
  let index = 0;
  const records = property(PRODUCE_REQUEST, 'records', fields.records, (list) => listOf(list, PRODUCE_RECORD.className, (r) => bindRecord(r, index++))) ?? [];
  const request: ProduceRequest = { records };
  for (const field of ['key_schema', 'value_schema'] as const) {
    const schema = property(PRODUCE_REQUEST, field, fields[field], stringOf);
    if (schema !== undefined) request[field] = schema;
  }
  for (const field of ['key_schema_id', 'value_schema_id'] as const) {
    const id = property(PRODUCE_REQUEST, field, fields[field], intOf);
    if (id !== undefined) request[field] = id;
  }
  return request;
}

/** One record, `records[i]`. This runs for every record: the usual partition (an int32, or none) is taken first. */
function bindRecord(record: unknown, i: number): RequestRecord {
  const fields = objectOf(record, PRODUCE_RECORD, false);
  for (const name in fields) if (!RECORD_FIELDS.has(name)) throw unrecognizedField(PRODUCE_RECORD, name);
  const { key, value, partition, headers, timestamp } = fields as { key?: unknown; value?: unknown; partition?: unknown; headers?: unknown; timestamp?: unknown };
  let bound: RequestRecord;
  if (typeof partition === 'number' && Number.isInteger(partition) && partition >= 0 && partition <= 2_147_483_647) bound = { key, value, partition };
  else if (partition === undefined || partition === null) bound = { key, value, partition: undefined };
  else bound = { key, value, partition: property(PRODUCE_RECORD, 'partition', partition, intOf) };
  if (headers !== undefined && headers !== null) {
    const list = recordHeaders(headers, `records[${i}]`);
    if (list.length > 0) bound.headers = list;
  }
  if (timestamp !== undefined && timestamp !== null) bound.timestamp = recordTimestamp(timestamp, `records[${i}]`);
  return bound;
}

/** `headers`: a list of {"key": string, "value": base64 or null}, as the Strimzi HTTP Bridge takes them. */
export function recordHeaders(list: unknown, at: string): RecordHeader[] {
  const shape = `a list of {"key": a string, "value": base64 or null}`;
  if (!Array.isArray(list)) throw Errors.badRequest(`${at}.headers must be ${shape}, got ${excerpt(list)}.`);
  if (list.length > MAX_RECORD_HEADERS) throw Errors.badRequest(`${at}.headers may hold at most ${MAX_RECORD_HEADERS} headers, not ${list.length}.`);
  return list.map((header: unknown, j) => {
    const where = `${at}.headers[${j}]`;
    if (typeof header !== 'object' || header === null || Array.isArray(header)) throw Errors.badRequest(`${at}.headers must be ${shape}, got ${excerpt(header)} at [${j}].`);
    for (const name in header) {
      if (name !== 'key' && name !== 'value') throw Errors.badRequest(`${where} has an unknown field ${excerpt(name)}: a header is {"key", "value"}.`);
    }
    const { key, value } = header as { key?: unknown; value?: unknown };
    if (typeof key !== 'string') throw Errors.badRequest(`${where}.key must be a string, got ${excerpt(key)}.`);
    if (key.length > MAX_HEADER_KEY_LENGTH) throw Errors.badRequest(`${where}.key may be at most ${MAX_HEADER_KEY_LENGTH} characters, not ${key.length}.`);
    return { key, value: headerValue(value, where) };
  });
}

function headerValue(value: unknown, where: string): Buffer | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw Errors.badRequest(`${where}.value must be a base64 string or null, got ${excerpt(value)}.`);
  try {
    return binaryCodec.encode(value);
  } catch {
    // The binary format's words for the same mistake, with where it is.
    throw Errors.badRequest(`${where}.value: data=${JSON.stringify(shorten(value))} is not a valid base64 string.`);
  }
}

/** `timestamp`: the record's CreateTime in whole milliseconds since the epoch. */
export function recordTimestamp(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw Errors.badRequest(`${at}.timestamp must be a non-negative integer of milliseconds since the epoch, got ${excerpt(value)}.`);
  }
  return value;
}

const shorten = (text: string) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);
/** A value as a message shows it: JSON, cut short. */
const excerpt = (value: unknown): string => (value === undefined ? 'nothing' : shorten(JSON.stringify(value)));

/** An encoded record with its request's partition and, when given, headers and timestamp. */
export function produceRecord(encoded: { key: Buffer | null; value: Buffer | null }, request: RequestRecord): ProduceRecord {
  const record: ProduceRecord = { key: encoded.key, value: encoded.value, partition: request.partition };
  if (request.headers !== undefined) record.headers = request.headers;
  if (request.timestamp !== undefined) record.timestamp = request.timestamp;
  return record;
}

/** A request in the binary or json format, validated and encoded. */
export function parseProduceRequest(body: unknown, codec: EmbeddedCodec): ProduceRecord[] {
  return readProduceRequest(body).records.map((record) => produceRecord({ key: codec.encode(record.key), value: codec.encode(record.value) }, record));
}

function unprocessable(message: string): RestError {
  return new RestError(ErrorCode.UnprocessableEntity, message);
}
