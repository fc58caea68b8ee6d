/**
 * v3 records:batch: `{"entries": [{"id", "partition_id", "headers", "key", "value", "timestamp"}]}`,
 * every entry produced at once, answered 207 with `{"successes": [...], "failures": [...]}`, each
 * list in the entries' order and each item carrying its entry's `id`.
 *
 * The batch itself is checked first, with Confluent's 422 / 42208 answers: an empty body, an id
 * that is not a string of 1-80 of [0-9a-zA-Z-_] ("Batch entry identifier is not a valid string."),
 * ids that repeat, no entries, more than `api.v3.produce.batch.maximum.entries`. An unknown field
 * beside `entries` is 422 "Unrecognized field: <name>"; a body that does not bind otherwise is 400.
 */
import { ErrorCode, RestError } from '../../errors.ts';
import { BindingError, listOf, objectOf, property, type Entity } from '../v2/json-binding.ts';
import { bindBatchEntry, type BatchEntryRequest } from './produce-request.ts';
import type { ProduceClient } from '../../actors/producer/produce-records.ts';
import { produceRecord, type RecordProduction } from './produce-record.ts';
import { SendOrder } from './send-order.ts';

const BATCH_CODE = 42208;
const BATCH = { className: 'io.confluent.kafkarest.entities.v3.ProduceBatchRequest', properties: new Set(['entries']) } satisfies Entity;

const batchError = (message: string) => new RestError(BATCH_CODE, message);

/** The batch's entries, checked; throws the 400 / 422 of a batch that cannot be produced. */
export function readBatch(body: unknown, maximumEntries: number): BatchEntryRequest[] {
  if (body === null || body === undefined) throw batchError('Request body is empty. Data is required.');
  let entries: BatchEntryRequest[];
  try {
    const fields = objectOf(body, BATCH, false);
    for (const name in fields) if (name !== 'entries') throw new RestError(ErrorCode.UnprocessableEntity, `Unrecognized field: ${name}`);
    entries = property(BATCH, 'entries', fields.entries, (list) => listOf(list, 'ProduceBatchRequestEntry', bindBatchEntry)) ?? [];
  } catch (error) {
    if (error instanceof BindingError) throw new RestError(ErrorCode.BadRequest, error.reason);
    throw error;
  }
  const ids = new Set<string>();
  for (const { id } of entries) {
    if (ids.has(id)) throw batchError('Batch entry IDs are not distinct.');
    ids.add(id);
  }
  if (entries.length === 0) throw batchError('Empty batch.');
  if (entries.length > maximumEntries) throw batchError('Too many entries in batch.');
  return entries;
}

/** Produces every entry (handed to the producer in the entries' order) and sorts the outcomes. */
export async function produceBatch(production: RecordProduction, clusterId: string, topic: string, entries: BatchEntryRequest[], client?: ProduceClient) {
  const order = new SendOrder(production.sender, topic, client);
  const outcomes = await Promise.all(entries.map((entry) => produceRecord(production, order, clusterId, topic, entry)));
  const successes: object[] = [];
  const failures: object[] = [];
  outcomes.forEach((outcome, i) => {
    const id = entries[i]!.id;
    if ('receipt' in outcome) successes.push({ id, ...outcome.receipt });
    else failures.push({ id, ...outcome.error });
  });
  return { successes, failures };
}
