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
import type { ReadAnswer, RestRecord } from './protocol.ts';
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
  const deadline = Date.now() + wait;
  const taken: RestRecord[] = [];
  const first = new Map<string, TopicPartitionOffset>();
  const next = new Map<string, TopicPartitionOffset>();
  const perTopic = new Map<string, { records: number; bytes: number }>();
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
        let rest: RestRecord;
        try {
          rest = await decodeRecord(rt, record);
        } catch (error) {
          if (taken.length === 0) throw error; // the record stays first in line: every read reports it
          full = true;
          break;
        }
        if (signal.aborted) throw cancelled();
        if (buffer.peek(0) !== record) continue; // a rebalance took it while it was decoded
        buffer.shift(1);
        taken.push(rest);
        bytes += size;
        const topicTotal = perTopic.get(record.topic) ?? { records: 0, bytes: 0 };
        topicTotal.records += 1;
        topicTotal.bytes += size;
        perTopic.set(record.topic, topicTotal);
        const key = tpKey(record);
        if (!first.has(key)) first.set(key, { topic: record.topic, partition: record.partition, offset: record.offset });
        next.set(key, { topic: record.topic, partition: record.partition, offset: record.offset + 1 });
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
  const delivery =
    taken.length > 0 ? { id: randomUUID(), first: [...first.values()], next: [...next.values()], perTopic: Object.fromEntries(perTopic) } : null;
  const answer: ReadAnswer = { records: taken, delivery: delivery?.id ?? null };
  return { events: [], answer, delivery, read: { at: Date.now(), records: taken.length, bytes } };
}

/** Kafka's RecordDeserializationException wording: which part, where, and what to do. */
async function decodeRecord(rt: ConsumerRuntime, record: FetchedRecord): Promise<RestRecord> {
  const part = async (which: 'key' | 'value', bytes: Buffer | null) => {
    try {
      const decoded = rt.decoder.decode(bytes);
      return decoded instanceof Promise ? await decoded : decoded;
    } catch (error) {
      const code = error instanceof RestError ? error.errorCode : ErrorCode.Serialization;
      const cause = error instanceof Error ? error.message : String(error);
      throw new RestError(
        code,
        `Error deserializing ${which} for partition ${record.topic}-${record.partition} at offset ${record.offset}. ` +
          `If needed, please seek past the record to continue consumption. ${cause}`,
      );
    }
  };
  return { topic: record.topic, key: await part('key', record.key), value: await part('value', record.value), partition: record.partition, offset: record.offset };
}

const cancelled = () => new RestError(ErrorCode.KafkaRetriableError, 'The read was cancelled.');
