/**
 * The batched produce case (bench/produce.ts's scenario a, and the one bench/security.ts repeats
 * over TLS and authentication): 100 records of 1 KiB per request, 16 requests in flight, into a
 * 6-partition topic; and the native kafkajs side of it, `sendBatch` of the same 100 records.
 */
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Kafka, Message, Producer } from 'kafkajs';
import type { OpResult } from './load.ts';

const { Partitioners } = kafkajs;

export const PARTITIONS = 6;
export const VALUE_BYTES = 1024;
export const BATCH_RECORDS = 100;
export const BATCH_CONCURRENCY = 16;
/** Distinct pre-built payloads cycled through: the generator must not spend its CPU on random bytes. */
export const PAYLOAD_VARIANTS = 64;

/** An operation that walks through pre-built payloads round robin. */
export function cycle<T>(items: T[], send: (item: T) => Promise<OpResult>): () => Promise<OpResult> {
  let i = 0;
  return () => send(items[i++ % items.length]!);
}

export const ok = (records: number): OpResult => ({ okRecords: records, recordErrors: 0, requestError: null });

/** Keyless messages with random values, like the proxy's binary bodies. */
export function messageSets(count: number, records: number, valueBytes = VALUE_BYTES): Message[][] {
  return Array.from({ length: count }, () => Array.from({ length: records }, () => ({ value: randomBytes(valueBytes) })));
}

/** A connected producer with the proxy's client defaults: not idempotent, acks -1 per send, Java-compatible partitioner. */
export async function nativeProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return producer;
}

/** One native batched send per call, cycling through `messageSets`. */
export function nativeBatchOp(producer: Producer, topic: string, sets: Message[][]): () => Promise<OpResult> {
  return cycle(sets, async (messages) => {
    await producer.sendBatch({ topicMessages: [{ topic, messages }], acks: -1 });
    return ok(messages.length);
  });
}

/** One native `send()` per call (single records: bench/produce.ts's scenario b), cycling through `messageSets`. */
export function nativeSendOp(producer: Producer, topic: string, sets: Message[][]): () => Promise<OpResult> {
  return cycle(sets, async (messages) => {
    await producer.send({ topic, messages, acks: -1 });
    return ok(messages.length);
  });
}
