/**
 * Validates a v2 ProduceRequest body, then encodes every record with the embedded format before
 * anything is sent: one bad record fails the whole request and nothing reaches Kafka.
 *  - not an object, or fields of the wrong type → 400 (what a Jackson binding failure gives)
 *  - no body, missing or empty `records` → 422 (Confluent's bean validation)
 *  - a key/value the format cannot encode → 400 from the codec
 */
import type { ProduceRecord } from '../../actors/producer/pool.ts';
import type { EmbeddedCodec } from '../../codecs/embedded-format.ts';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import { NO_BODY } from '../body.ts';

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

export function readProduceRequest(body: unknown): ProduceRequest {
  if (body === NO_BODY || body === null) throw unprocessable('Request body is empty. Data is required.');
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw Errors.badRequest('The request body must be a JSON object with a "records" array.');
  }
  const fields = body as Record<string, unknown>;
  const { records } = fields;
  if (records === undefined || records === null) throw unprocessable('records may not be empty');
  if (!Array.isArray(records)) throw Errors.badRequest('"records" must be an array.');
  if (records.length === 0) throw unprocessable('records may not be empty');
  const request: ProduceRequest = {
    records: records.map((record: unknown, i) => {
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw Errors.badRequest(`records[${i}] must be a JSON object.`);
      }
      const { key, value, partition } = record as { key?: unknown; value?: unknown; partition?: unknown };
      if (partition !== undefined && partition !== null && !isPartition(partition)) {
        throw Errors.badRequest(`records[${i}].partition must be a non-negative integer, got ${JSON.stringify(partition)}.`);
      }
      return { key, value, partition: partition === null ? undefined : (partition as number | undefined) };
    }),
  };
  for (const field of ['key_schema', 'value_schema'] as const) {
    const schema = fields[field];
    if (schema === undefined || schema === null) continue;
    if (typeof schema !== 'string') throw Errors.badRequest(`"${field}" must be a string holding the schema.`);
    request[field] = schema;
  }
  for (const field of ['key_schema_id', 'value_schema_id'] as const) {
    const id = fields[field];
    if (id === undefined || id === null) continue;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw Errors.badRequest(`"${field}" must be a schema id.`);
    request[field] = id;
  }
  return request;
}

/** A request in the binary or json format, validated and encoded. */
export function parseProduceRequest(body: unknown, codec: EmbeddedCodec): ProduceRecord[] {
  return readProduceRequest(body).records.map(({ key, value, partition }) => ({
    key: codec.encode(key),
    value: codec.encode(value),
    partition,
  }));
}

function isPartition(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 2_147_483_647;
}

function unprocessable(message: string): RestError {
  return new RestError(ErrorCode.UnprocessableEntity, message);
}
