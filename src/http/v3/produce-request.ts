/**
 * Binds one v3 produce record (a streamed ProduceRequest, or an entry of records:batch) the way
 * Confluent's Jackson entities do, with Jackson's words when it does not bind: an unknown field, a
 * value of the wrong JSON type, and ProduceRequestData's own checks (which schema fields go
 * together, kafka-rest entities/v3/ProduceRequest.java). Each failure is a BindingError whose
 * reason is what a client reads (Confluent strips the source location and reference chain).
 */
import { binaryCodec } from '../../codecs/binary.ts';
import { RestError } from '../../errors.ts';
import { BindingError, intOf, listOf, mismatch, objectOf, property, stringOf, unrecognizedField, type Entity } from '../v2/json-binding.ts';

export const PRODUCE_TYPES = ['BINARY', 'JSON', 'STRING', 'AVRO', 'JSONSCHEMA', 'PROTOBUF'] as const;
export type ProduceType = (typeof PRODUCE_TYPES)[number];
export type SchemaProduceType = 'AVRO' | 'JSONSCHEMA' | 'PROTOBUF';
export const SUBJECT_NAME_STRATEGIES = ['TOPIC_NAME', 'RECORD_NAME', 'TOPIC_RECORD_NAME'] as const;
export type SubjectNameStrategy = (typeof SUBJECT_NAME_STRATEGIES)[number];

export const requiresSchema = (type: ProduceType): type is SchemaProduceType => type === 'AVRO' || type === 'JSONSCHEMA' || type === 'PROTOBUF';

/** A key or value: its data and how to serialize it. */
export interface RecordData {
  type: ProduceType | null;
  subject: string | null;
  subjectNameStrategy: SubjectNameStrategy | null;
  schemaId: number | null;
  schemaVersion: number | null;
  schema: string | null;
  /** Any JSON; null when absent. */
  data: unknown;
}

export interface RecordHeaderData {
  name: string;
  value: Buffer | null;
}

export interface RecordRequest {
  partitionId: number | null;
  headers: RecordHeaderData[];
  /** null: no key (none is written, and the receipt has no `key`). */
  key: RecordData | null;
  value: RecordData | null;
  /** Epoch ms; null = now. */
  timestamp: number | null;
}

export interface BatchEntryRequest extends RecordRequest {
  id: string;
}

const PACKAGE = 'io.confluent.kafkarest.entities.v3';
/** Jackson's entity as its messages name it: class and known properties, in the order it lists them. */
const entityOf = (className: string, listed: string[]): Entity => ({ className: `${PACKAGE}.${className}`, properties: new Set(listed) });

// Jackson binds these through AutoValue builders: their setters (partitionId, originalSize) are
// known properties too, and the messages list them in the builder's hash order.
const PRODUCE_REQUEST = entityOf('AutoValue_ProduceRequest$Builder', ['value', 'originalSize', 'partitionId', 'headers', 'key', 'timestamp']);
const BATCH_ENTRY = entityOf('AutoValue_ProduceBatchRequestEntry$Builder', ['value', 'originalSize', 'partitionId', 'headers', 'id', 'key', 'timestamp']);
const RECORD_DATA = entityOf('ProduceRequest$ProduceRequestData', ['schema', 'subject_name_strategy', 'schema_id', 'type', 'subject', 'schema_version', 'data']);
const HEADER = entityOf('ProduceRequest$ProduceRequestHeader', ['value', 'name']);

const RECORD_FIELDS = new Set(['partition_id', 'partitionId', 'headers', 'key', 'value', 'timestamp', 'originalSize']);
const ENTRY_FIELDS = new Set([...RECORD_FIELDS, 'id']);

/** The 42208 of a batch entry id that is not a string of 1-80 of [0-9a-zA-Z-_]. */
export const invalidEntryId = () => new RestError(42208, 'Batch entry identifier is not a valid string.');

export function bindRecordRequest(body: unknown): RecordRequest {
  return bindRecord(body, PRODUCE_REQUEST, RECORD_FIELDS);
}

/** A records:batch entry; an id that is not valid is a RestError 42208 (Confluent's, thrown while binding). */
export function bindBatchEntry(body: unknown): BatchEntryRequest {
  const fields = objectOf(body, BATCH_ENTRY, false);
  const id = fields.id;
  if (typeof id !== 'string' || id.length < 1 || id.length > 80 || !/^[0-9a-zA-Z_-]+$/.test(id)) throw invalidEntryId();
  return { id, ...bindRecord(body, BATCH_ENTRY, ENTRY_FIELDS) };
}

function bindRecord(body: unknown, entity: Entity, known: ReadonlySet<string>): RecordRequest {
  const fields = objectOf(body, entity, false);
  for (const name in fields) if (!known.has(name)) throw unrecognizedField(entity, name);
  const partition = fields.partition_id ?? fields.partitionId;
  return {
    partitionId: property(entity, 'partition_id', partition, intOf) ?? null,
    headers: property(entity, 'headers', fields.headers, (list) => listOf(list, HEADER.className, bindHeader)) ?? [],
    key: property(entity, 'key', fields.key, bindData),
    value: property(entity, 'value', fields.value, bindData),
    timestamp: property(entity, 'timestamp', fields.timestamp, instantOf),
  };
}

function bindHeader(value: unknown): RecordHeaderData {
  const fields = objectOf(value, HEADER);
  const name = property(HEADER, 'name', fields.name, stringOf);
  if (name === undefined) throw problem(HEADER, 'Null name');
  return { name, value: property(HEADER, 'value', fields.value, bytesOf) };
}

function bindData(value: unknown): RecordData | null {
  if (value === undefined || value === null) return null;
  const fields = objectOf(value, RECORD_DATA);
  const data: RecordData = {
    type: property(RECORD_DATA, 'type', fields.type, (v) => enumOf(v, 'io.confluent.kafkarest.entities.EmbeddedFormat', PRODUCE_TYPES)),
    subject: property(RECORD_DATA, 'subject', fields.subject, stringOf) ?? null,
    subjectNameStrategy: property(RECORD_DATA, 'subject_name_strategy', fields.subject_name_strategy, (v) =>
      enumOf(v, `${PACKAGE}.ProduceRequest$EnumSubjectNameStrategy`, SUBJECT_NAME_STRATEGIES),
    ),
    schemaId: property(RECORD_DATA, 'schema_id', fields.schema_id, intOf) ?? null,
    schemaVersion: property(RECORD_DATA, 'schema_version', fields.schema_version, intOf) ?? null,
    schema: property(RECORD_DATA, 'schema', fields.schema, stringOf) ?? null,
    data: fields.data ?? null,
  };
  checkRecordData(data);
  return data;
}

/** ProduceRequestData.Builder.build's checks, in its order and words. */
function checkRecordData(data: RecordData): void {
  const check = (ok: boolean, message: string) => {
    if (!ok) throw problem(RECORD_DATA, message);
  };
  const has = (v: unknown) => v !== null;
  check(!has(data.subjectNameStrategy) || !has(data.subject), "Only one of 'subject_name_strategy' or 'subject' can be used.");
  check(
    has(data.schemaId) ? !has(data.schemaVersion) && !has(data.schema) : !has(data.schemaVersion) || !has(data.schema),
    "Only one of 'schema_id', 'schema_version' or 'schema' can be used.",
  );
  if (data.type === null) return;
  if (requiresSchema(data.type)) {
    check(!has(data.schemaId), `'schema_id=${data.schemaId}' cannot be used with 'serializer'.`);
    check(!has(data.schemaVersion), `'schema_version=${data.schemaVersion}' cannot be used with 'serializer'.`);
    check(has(data.schema), "'schema_version=latest' cannot be used with 'serializer'.");
  } else {
    check(!has(data.subjectNameStrategy), `'type=${data.type}' cannot be used with 'subject_strategy'.`);
    check(!has(data.subject), `'type=${data.type}' cannot be used with 'subject'.`);
    check(!has(data.schemaId), `'type=${data.type}' cannot be used with 'schema_id'.`);
    check(!has(data.schemaVersion), `'type=${data.type}' cannot be used with 'schema_version'.`);
    check(!has(data.schema), `'type=${data.type}' cannot be used with 'schema'.`);
  }
}

/** What Jackson says when an entity's creator refuses its values. */
const problem = (entity: Entity, message: string) => new BindingError(`Cannot construct instance of \`${entity.className}\`, problem: ${message}`);

function enumOf<T extends string>(value: unknown, javaType: string, names: readonly T[]): T | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw mismatch(javaType, value);
  if (!(names as readonly string[]).includes(value)) {
    throw new BindingError(`Cannot deserialize value of type \`${javaType}\` from String ${JSON.stringify(value)}: not one of the values accepted for Enum class: [${names.join(', ')}]`);
  }
  return value as T;
}

/** A header value: base64 (Jackson's byte[]), or null. */
function bytesOf(value: unknown): Buffer | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw mismatch('byte[]', value);
  try {
    return binaryCodec.encode(value);
  } catch {
    throw new BindingError(`Cannot deserialize value of type \`byte[]\` from String ${JSON.stringify(shorten(value))}: not a valid base64 string`);
  }
}

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Jackson's Instant: an ISO-8601 string ("2021-02-05T19:14:42Z", a fraction and an offset
 * allowed), or a number of seconds since the epoch (a fraction allowed). Kafka keeps milliseconds.
 */
function instantOf(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  let ms: number;
  if (typeof value === 'number') ms = Math.floor(value * 1000);
  else if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) ms = Math.floor(Number(value) * 1000);
  else if (typeof value === 'string') {
    const match = ISO_INSTANT.exec(value.trim());
    const fraction = match?.[2] ? `.${match[2].padEnd(3, '0').slice(0, 3)}` : '';
    ms = match ? Date.parse(`${match[1]}${fraction}${match[3]}`) : NaN;
    if (!Number.isFinite(ms)) {
      throw new BindingError(`Cannot deserialize value of type \`java.time.Instant\` from String ${JSON.stringify(shorten(value))}: not an ISO-8601 instant`);
    }
  } else throw mismatch('java.time.Instant', value);
  if (!Number.isSafeInteger(ms)) throw new BindingError(`Cannot deserialize value of type \`java.time.Instant\` from ${String(value)}: out of range`);
  return ms;
}

const shorten = (text: string) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);
