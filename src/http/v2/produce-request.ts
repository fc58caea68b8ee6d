/**
 * Validates a v2 ProduceRequest body and encodes every record with the embedded format before
 * anything is sent: one bad record fails the whole request and nothing reaches Kafka.
 *  - not an object, or fields of the wrong type → 400 (what a Jackson binding failure gives)
 *  - no body, missing or empty `records` → 422 (Confluent's bean validation)
 *  - a key/value the format cannot encode → 400 from the codec
 */
import type { ProduceRecord } from '../../actors/producer/pool.ts';
import type { EmbeddedCodec } from '../../codecs/embedded-format.ts';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import { NO_BODY } from '../body.ts';

export function parseProduceRequest(body: unknown, codec: EmbeddedCodec): ProduceRecord[] {
  if (body === NO_BODY || body === null) throw unprocessable('Request body is empty. Data is required.');
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw Errors.badRequest('The request body must be a JSON object with a "records" array.');
  }
  const { records } = body as { records?: unknown };
  if (records === undefined || records === null) throw unprocessable('records may not be empty');
  if (!Array.isArray(records)) throw Errors.badRequest('"records" must be an array.');
  if (records.length === 0) throw unprocessable('records may not be empty');
  return records.map((record: unknown, i) => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw Errors.badRequest(`records[${i}] must be a JSON object.`);
    }
    const { key, value, partition } = record as { key?: unknown; value?: unknown; partition?: unknown };
    if (partition !== undefined && partition !== null && !isPartition(partition)) {
      throw Errors.badRequest(`records[${i}].partition must be a non-negative integer, got ${JSON.stringify(partition)}.`);
    }
    return {
      key: codec.encode(key),
      value: codec.encode(value),
      partition: partition === null ? undefined : (partition as number | undefined),
    };
  });
}

function isPartition(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 2_147_483_647;
}

function unprocessable(message: string): RestError {
  return new RestError(ErrorCode.UnprocessableEntity, message);
}
