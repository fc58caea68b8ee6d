/**
 * Produces one v3 record (a streamed ProduceRequest or a records:batch entry) and describes the
 * outcome as Confluent's ProduceAction does: a receipt `{error_code: 200, cluster_id, topic_name,
 * partition_id, offset, timestamp, key?, value?}`, or an error `{error_code, message}`.
 *
 *   not valid (binding, data vs type) ............ 400 "<Jackson's words>" / "Bad Request: ..."
 *   negative partition_id ........................ 40402 "Partition not found."
 *   topic not there within producer.max.block.ms  40401 "Topic X not present in metadata after N ms."
 *   partition_id beyond the topic's partitions ... 40401 "Partition P of topic X with partition count N is not present in metadata."
 *   record larger than max.request.size .......... 413
 *   no room in producer.buffer.memory ............ 429
 *   registry and schema failures ................. 422 "Error: 422xx : ..." (Confluent folds 422xx codes)
 *   other Kafka failures ......................... Kafka's code (40101, 40301, 50002, 50003, ...)
 */
import type { ProduceRecord } from '../../actors/producer/produce-records.ts';
import { binaryCodec } from '../../codecs/binary.ts';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import { describeKafkaError } from '../../kafka/kafka-error.ts';
import { TopicNotPresentError } from '../../kafka/topic-partitions.ts';
import { BindingError } from '../v2/json-binding.ts';
import type { ProduceSchemas } from './produce-schemas.ts';
import { requiresSchema, type ProduceType, type RecordData, type RecordRequest } from './produce-request.ts';
import type { RecordSender, SendOrder } from './send-order.ts';

export type { RecordSender } from './send-order.ts';

export interface PartitionCount {
  /** The topic's partition count; rejects with TopicNotPresentError when it never showed up. */
  count(topic: string): Promise<number>;
}

export interface RecordProduction {
  sender: RecordSender;
  partitions: PartitionCount;
  schemas: ProduceSchemas;
  /** Told of a failure that is neither the client's nor Kafka's (a bug): answered 500. */
  onUnexpected?: (error: unknown) => void;
}

/** How a key or value was written, in a receipt. */
export interface DataReceipt {
  type: ProduceType;
  subject?: string;
  schema_id?: number;
  schema_version?: number;
  size: number;
}

export interface Receipt {
  cluster_id: string;
  topic_name: string;
  partition_id: number;
  offset: number | null;
  timestamp: string;
  key?: DataReceipt;
  value?: DataReceipt;
}

export interface ErrorEntry {
  error_code: number;
  message: string;
}

export type Outcome = { receipt: Receipt } | { error: ErrorEntry };

export interface Serialized {
  bytes: Buffer | null;
  receipt: DataReceipt | undefined;
}

export type Prepared = { record: ProduceRecord; key: Serialized; value: Serialized } | { error: ErrorEntry };

export function produceRecord(
  production: RecordProduction,
  order: SendOrder,
  clusterId: string,
  topic: string,
  request: RecordRequest,
): Promise<Outcome> {
  return order.after(prepare(production, topic, request), (prepared) => send(production, order, prepared, clusterId, topic));
}

async function prepare(production: RecordProduction, topic: string, request: RecordRequest): Promise<Prepared> {
  try {
    if (request.partitionId !== null && request.partitionId < 0) throw Errors.partitionNotFound();
    checkTimestamp(request.timestamp);
    // The key first, as Confluent: when both are wrong, the key's error is the one told.
    const key = await serialize(production, topic, true, request.key);
    const value = await serialize(production, topic, false, request.value);
    const count = await production.partitions.count(topic);
    const partition = request.partitionId ?? undefined;
    if (partition !== undefined && partition >= count) {
      return errorOutcome(ErrorCode.TopicNotFound, `Partition ${partition} of topic ${topic} with partition count ${count} is not present in metadata.`);
    }
    return { record: kafkaRecord(request, key, value, partition), key, value };
  } catch (error) {
    return failed(production, error);
  }
}

/**
 * A record that needs no schema and names no partition, prepared at once (null: it needs either,
 * see prepare): what a stream of such records spends per record stays synchronous.
 */
export function prepareNow(production: RecordProduction, request: RecordRequest): Prepared | null {
  if (request.partitionId !== null || (request.key !== null && needsSchema(request.key)) || (request.value !== null && needsSchema(request.value))) return null;
  try {
    checkTimestamp(request.timestamp);
    const key = serializeNow(request.key);
    const value = serializeNow(request.value);
    return { record: kafkaRecord(request, key, value, undefined), key, value };
  } catch (error) {
    return failed(production, error);
  }
}

function checkTimestamp(timestamp: number | null): void {
  if (timestamp !== null && timestamp < 0) throw Errors.badRequest(`Invalid timestamp: ${timestamp}. Timestamp should always be non-negative or null.`);
}

function kafkaRecord(request: RecordRequest, key: Serialized, value: Serialized, partition: number | undefined): ProduceRecord {
  return {
    key: key.bytes,
    value: value.bytes,
    partition,
    headers: request.headers.map(({ name, value: bytes }) => ({ key: name, value: bytes })),
    timestamp: request.timestamp ?? Date.now(),
  };
}

async function send(production: RecordProduction, order: SendOrder, prepared: Prepared, clusterId: string, topic: string): Promise<Outcome> {
  if ('error' in prepared) return prepared;
  const { record, key, value } = prepared;
  try {
    const result = await order.produce(record);
    if ('failure' in result) return errorOutcome(result.failure.errorCode, result.failure.message);
    const receipt: Receipt = {
      cluster_id: clusterId,
      topic_name: topic,
      partition_id: result.partition,
      offset: result.offset,
      timestamp: new Date(result.timestamp ?? record.timestamp!).toISOString(),
    };
    if (key.receipt) receipt.key = key.receipt;
    if (value.receipt) receipt.value = value.receipt;
    return { receipt };
  } catch (error) {
    return failed(production, error);
  }
}

export function failed(production: RecordProduction, error: unknown): { error: ErrorEntry } {
  const entry = errorEntry(error);
  if (entry.error_code === ErrorCode.InternalServerError && !(error instanceof RestError)) production.onUnexpected?.(error);
  return { error: entry };
}

async function serialize(production: RecordProduction, topic: string, isKey: boolean, data: RecordData | null): Promise<Serialized> {
  if (data === null || !needsSchema(data)) return serializeNow(data);
  const schema = await production.schemas.resolve(topic, isKey, data);
  const bytes = await production.schemas.encode(schema, isKey, data.data, topic);
  return {
    bytes,
    receipt: { type: schema.type, subject: schema.subject, schema_id: schema.schemaId, schema_version: schema.schemaVersion, size: bytes?.length ?? -1 },
  };
}

/** Whether a key or value is written with a schema (which is looked up asynchronously). */
export const needsSchema = (data: RecordData): boolean => data.type === null || requiresSchema(data.type);

/** A key or value that needs no schema (see needsSchema), serialized at once; throws a RestError. */
export function serializeNow(data: RecordData | null): Serialized {
  if (data === null) return { bytes: null, receipt: undefined };
  const type = data.type as 'BINARY' | 'JSON' | 'STRING';
  const bytes = serializeWithoutSchema(type, data.data);
  return { bytes, receipt: { type, size: bytes?.length ?? -1 } };
}

/** BINARY is base64 text, STRING a JSON string (written as UTF-8), JSON any JSON (written as its text). */
function serializeWithoutSchema(type: 'BINARY' | 'JSON' | 'STRING', data: unknown): Buffer | null {
  if (data === null || data === undefined) return null;
  if (type === 'BINARY') return binaryCodec.encode(data);
  if (type === 'STRING') {
    if (typeof data !== 'string') throw Errors.badRequest(`data=${JSON.stringify(data)} is not a string.`);
    return Buffer.from(data, 'utf8');
  }
  return Buffer.from(JSON.stringify(data), 'utf8');
}

export function errorOutcome(errorCode: number, message: string): { error: ErrorEntry } {
  return { error: { error_code: errorCode, message } };
}

/**
 * An error as a stream entry: Confluent folds its 422xx codes into 422 with the code in the
 * message; a full producer buffer is its produce limit's 429.
 */
export function errorEntry(error: unknown): ErrorEntry {
  if (error instanceof BindingError) return { error_code: ErrorCode.BadRequest, message: error.reason };
  if (error instanceof TopicNotPresentError) return { error_code: ErrorCode.TopicNotFound, message: error.message };
  if (error instanceof RestError) {
    if (error.errorCode > 42200 && error.errorCode < 42300) return { error_code: ErrorCode.UnprocessableEntity, message: `Error: ${error.errorCode} : ${error.message}` };
    if (error.errorCode === ErrorCode.KafkaTooManyRequests) return { error_code: 429, message: error.message };
    return { error_code: error.errorCode, message: error.message };
  }
  const failure = describeKafkaError(error);
  return { error_code: failure.errorCode, message: failure.message };
}
