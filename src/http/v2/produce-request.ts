/**
 * Validates a v2 ProduceRequest body, then encodes every record with the embedded format before
 * anything is sent: one bad record fails the whole request and nothing reaches Kafka.
 *  - not an object, an unknown field, or a field of the wrong type → 400 with Jackson's message
 *    (Confluent binds the body with Jackson, which refuses unknown properties)
 *  - no body, missing or empty `records` → 422 (Confluent's bean validation)
 *  - a key/value the format cannot encode → 400 from the codec
 */
import type { ProduceRecord } from '../../actors/producer/pool.ts';
import type { EmbeddedCodec } from '../../codecs/embedded-format.ts';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import { NO_BODY } from '../body.ts';
import { bind, entity, intOf, listOf, objectOf, property, stringOf } from './json-binding.ts';

export interface RequestRecord {
  key: unknown;
  value: unknown;
  partition?: number;
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
  const records = property(PRODUCE_REQUEST, 'records', fields.records, (list) => listOf(list, PRODUCE_RECORD.className, bindRecord)) ?? [];
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

/** One record. This runs for every record: the usual partition (an int32, or none) is taken first. */
function bindRecord(record: unknown): RequestRecord {
  const fields = objectOf(record, PRODUCE_RECORD);
  const { key, value, partition } = fields as { key?: unknown; value?: unknown; partition?: unknown };
  if (typeof partition === 'number' && Number.isInteger(partition) && partition >= 0 && partition <= 2_147_483_647) {
    return { key, value, partition };
  }
  if (partition === undefined || partition === null) return { key, value, partition: undefined };
  return { key, value, partition: property(PRODUCE_RECORD, 'partition', partition, intOf) };
}

/** A request in the binary or json format, validated and encoded. */
export function parseProduceRequest(body: unknown, codec: EmbeddedCodec): ProduceRecord[] {
  return readProduceRequest(body).records.map(({ key, value, partition }) => ({
    key: codec.encode(key),
    value: codec.encode(value),
    partition,
  }));
}

function unprocessable(message: string): RestError {
  return new RestError(ErrorCode.UnprocessableEntity, message);
}
