/**
 * The consume benchmarks' data set: `records` × `valueBytes` random records produced with kafkajs
 * (batches of `batch`, `concurrency` in flight) into an existing topic, then checked: the topic
 * must hold exactly those records from offset 0. Used by bench/consume.ts and bench/cluster.ts.
 */
import { randomBytes } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { round } from './load.ts';
import type { DataSet } from './consume-types.ts';

const { Partitioners } = kafkajs;

export interface FillOptions {
  topic: string;
  records: number;
  partitions: number;
  valueBytes: number;
  batch?: number;
  concurrency?: number;
  /** The producer is registered here while it runs, so the benchmark's clean-up can disconnect it. */
  producers: Producer[];
}

export async function fillTopic(kafka: Kafka, admin: Admin, o: FillOptions): Promise<{ produce: { seconds: number; recordsPerSec: number }; data: DataSet }> {
  const { topic, records, partitions, valueBytes, batch: batchSize = 1000, concurrency = 4 } = o;
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  o.producers.push(producer);
  await producer.connect();
  const payloads = Array.from({ length: 64 }, () => randomBytes(valueBytes));
  const batch = (size: number): Message[] => Array.from({ length: size }, (_, i) => ({ value: payloads[i % payloads.length]! }));
  const full = batch(batchSize);
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < records) {
      const size = Math.min(batchSize, records - next);
      next += size;
      await producer.sendBatch({ topicMessages: [{ topic, messages: size === batchSize ? full : batch(size) }], acks: -1 });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  await producer.disconnect();
  o.producers.splice(o.producers.indexOf(producer), 1);

  const offsets = await admin.fetchTopicOffsets(topic);
  const highWatermarks = Array.from({ length: partitions }, (_, p) => Number(offsets.find((x) => x.partition === p)?.high ?? 0));
  const inTopic = highWatermarks.reduce((a, b) => a + b, 0);
  if (inTopic !== records || offsets.some((x) => Number(x.low) !== 0)) throw new Error(`${topic} holds ${inTopic} records, expected ${records} from offset 0`);
  return {
    produce: { seconds: round(seconds, 2), recordsPerSec: Math.round(records / seconds) },
    data: { topic, records, partitions, valueBytes, base64Chars: Math.ceil(valueBytes / 3) * 4, highWatermarks },
  };
}
