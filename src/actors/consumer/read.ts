/**
 * A records read: takes records from the instance's buffer (fetching for manual assignments)
 * until `max_bytes`, `fetch.min.bytes` or the timeout says stop, and hands them out as one
 * delivery. Nothing is journaled here: positions move only when the delivery is acknowledged, and
 * a read that is cancelled puts back everything it took, at once, from the first offset it took
 * of each partition.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, RestError } from '../../errors.ts';
import { tpKey, type FetchedRecord, type TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import type { SessionSnapshot } from './decide.ts';
import type { Outcome } from './pending.ts';
import type { ReadAnswer, RestHeader, RestRecord } from './protocol.ts';
import { recordSize } from './record-buffer.ts';
import type { ConsumerRuntime } from './runtime.ts';

export interface ReadRequest {
  timeoutMs: number;
  maxBytes: number;
}

export async function read(rt: ConsumerRuntime, session: SessionSnapshot, request: ReadRequest, signal: AbortSignal): Promise<Outcome> {
  const { config } = session.context;
  const { settings, buffer } = rt;
  const requestTimeout = config.requestTimeoutMs ?? settings.requestTimeoutMs;
  const wait = request.timeoutMs > 0 ? Math.min(request.timeoutMs, requestTimeout) : requestTimeout;
  const maxBytes = Math.min(request.maxBytes > 0 ? request.maxBytes : Infinity, settings.requestMaxBytes);
  const minBytes = config.fetchMinBytes ?? settings.fetchMinBytes;
  const metadata = config.recordMetadata === true;
  const deadline = Date.now() + wait;
  const taken: RestRecord[] = [];
  const first = new Map<string, TopicPartitionOffset>();
  const next = new Map<string, TopicPartitionOffset>();
  const perTopic = new Map<string, { records: number; bytes: number }>();
  // Records of one partition come in runs: the bookkeeping of the last one is kept at hand.
  let last: { topic: string; partition: number; next: TopicPartitionOffset; total: { records: number; bytes: number } } | null = null;
  let bytes = 0;
  const putBack = () => rt.putBack([...first.values()]);
  signal.addEventListener('abort', putBack, { once: true });
  try {
    for (;;) {
      let full = false;
      for (let record = buffer.peek(0); record; record = buffer.peek(0)) {
        const size = recordSize(record);
        // Stay below max_bytes, as Confluent does; but a record larger than max_bytes on its own
        // is still returned, or the instance could never get past it.
        if (bytes + size >= maxBytes && taken.length > 0) {
          full = true;
          break;
        }
        // binary and json decode at once: only a schema format's decoder (a Promise) is awaited.
        let rest: RestRecord | Promise<RestRecord>;
        try {
          rest = decodeRecord(rt, record, metadata);
          if (rest instanceof Promise) {
            rest = await rest;
            if (signal.aborted) throw cancelled();
            if (buffer.peek(0) !== record) continue; // a rebalance took it while it was decoded
          }
        } catch (error) {
          if (signal.aborted) throw error;
          if (taken.length === 0) throw error; // the record stays first in line: every read reports it
          full = true;
          break;
        }
        buffer.shift(1);
        taken.push(rest);
        bytes += size;
        if (last === null || last.partition !== record.partition || last.topic !== record.topic) {
          const key = tpKey(record);
          let total = perTopic.get(record.topic);
          if (!total) perTopic.set(record.topic, (total = { records: 0, bytes: 0 }));
          if (!first.has(key)) first.set(key, { topic: record.topic, partition: record.partition, offset: record.offset });
          let position = next.get(key);
          if (!position) next.set(key, (position = { topic: record.topic, partition: record.partition, offset: record.offset + 1 }));
          last = { topic: record.topic, partition: record.partition, next: position, total };
        }
        last.next.offset = record.offset + 1;
        last.total.records += 1;
        last.total.bytes += size;
      }
      if (full || (minBytes >= 0 && bytes > minBytes)) break;
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      await rt.poll(session, remaining, signal);
      if (signal.aborted) throw cancelled();
    }
  } finally {
    signal.removeEventListener('abort', putBack);
  }
  // A manual assignment fetches ahead now, while this answer is on its way (a group member does by itself).
  rt.prefetch(session);
  const delivery =
    taken.length > 0 ? { id: randomUUID(), first: [...first.values()], next: [...next.values()], perTopic: Object.fromEntries(perTopic) } : null;
  const answer: ReadAnswer = { records: taken, delivery: delivery?.id ?? null };
  return { events: [], answer, delivery, read: { at: Date.now(), records: taken.length, bytes } };
}

/**
 * Decodes key and value; a Promise only when the decoder answers with one (the schema formats).
 * Module-level functions, not closures: a closure per record costs more than a binary decode.
 */
function decodeRecord(rt: ConsumerRuntime, record: FetchedRecord, metadata: boolean): RestRecord | Promise<RestRecord> {
  const key = decodePart(rt, record, 'key', record.key);
  // The key first: a key that fails is reported even if the value would fail too.
  if (key instanceof Promise) return key.then((k) => withValue(record, k, decodePart(rt, record, 'value', record.value), metadata));
  return withValue(record, key, decodePart(rt, record, 'value', record.value), metadata);
}

function decodePart(rt: ConsumerRuntime, record: FetchedRecord, which: 'key' | 'value', bytes: Buffer | null): unknown {
  try {
    const decoded = rt.decoder.decode(bytes);
    return decoded instanceof Promise ? decoded.catch((error: unknown) => deserializationFailed(record, which, error)) : decoded;
  } catch (error) {
    return deserializationFailed(record, which, error);
  }
}

/** Kafka's RecordDeserializationException wording: which part, where, and what to do. */
function deserializationFailed(record: FetchedRecord, which: 'key' | 'value', error: unknown): never {
  const code = error instanceof RestError ? error.errorCode : ErrorCode.Serialization;
  const cause = error instanceof Error ? error.message : String(error);
  throw new RestError(
    code,
    `Error deserializing ${which} for partition ${record.topic}-${record.partition} at offset ${record.offset}. ` +
      `If needed, please seek past the record to continue consumption. ${cause}`,
  );
}

function withValue(record: FetchedRecord, key: unknown, value: unknown, metadata: boolean): RestRecord | Promise<RestRecord> {
  if (value instanceof Promise) return value.then((v) => restRecord(record, key, v, metadata));
  return restRecord(record, key, value, metadata);
}

function restRecord(record: FetchedRecord, key: unknown, value: unknown, metadata: boolean): RestRecord {
  const { topic, partition, offset } = record;
  if (!metadata) return { topic, key, value, partition, offset };
  // In the order the Strimzi HTTP Bridge writes them: after the offset, timestamp then headers.
  return { topic, key, value, partition, offset, timestamp: record.timestamp, headers: restHeaders(record) };
}

/** A record's headers for a response: in the order fetched, values in base64 (null stays null). */
export function restHeaders(record: Pick<FetchedRecord, 'headers'>): RestHeader[] {
  const headers = record.headers;
  if (headers === undefined) return [];
  const out: RestHeader[] = new Array<RestHeader>(headers.length);
  for (let i = 0; i < headers.length; i++) {
    const { key, value } = headers[i]!;
    out[i] = { key, value: value === null ? null : value.toString('base64') };
  }
  return out;
}

function cancelled(): RestError {
  return new RestError(ErrorCode.KafkaRetriableError, 'The read was cancelled.');
}
