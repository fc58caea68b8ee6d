/**
 * Everything a topic holds, read with a native kafkajs consumer up to each partition's high
 * watermark: the independent check of what the proxy really wrote.
 */
import { randomUUID } from 'node:crypto';
import { registerCompressionCodecs } from '../../src/kafka/compression.ts';
import { nativeKafka } from './cluster.ts';

export interface StoredRecord {
  partition: number;
  offset: number;
  value: string | null;
}

/** The high watermark of every partition of the topic. */
export async function highWatermarks(brokers: string, topic: string): Promise<Map<number, number>> {
  const admin = nativeKafka(brokers).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the topic holds at least `count` records (summed over partitions). */
export async function untilRecordCount(brokers: string, topic: string, count: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const total = [...(await highWatermarks(brokers, topic)).values()].reduce((a, b) => a + b, 0);
    if (total >= count) return;
    if (Date.now() > deadline) throw new Error(`${topic} holds ${total} records, expected at least ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every record of the topic, by partition and offset. */
export async function readTopic(brokers: string, topic: string, timeoutMs = 120_000): Promise<StoredRecord[]> {
  await registerCompressionCodecs();
  const ends = await highWatermarks(brokers, topic);
  const remaining = new Map([...ends].filter(([, end]) => end > 0));
  const records: StoredRecord[] = [];
  if (remaining.size === 0) return records;
  const consumer = nativeKafka(brokers).consumer({ groupId: `reader-${randomUUID()}`, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records.length} records of ${topic} before the timeout`)), timeoutMs);
      void consumer.run({
        eachBatch: async ({ batch }) => {
          const end = remaining.get(batch.partition);
          for (const message of batch.messages) {
            const offset = Number(message.offset);
            if (end !== undefined && offset < end) records.push({ partition: batch.partition, offset, value: message.value?.toString() ?? null });
          }
          const last = batch.messages.at(-1);
          if (end !== undefined && last && Number(last.offset) + 1 >= end) remaining.delete(batch.partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
