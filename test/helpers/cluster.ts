/**
 * The suite's Kafka broker (started by scripts/test.ts) and a native kafkajs client to check
 * what the proxy wrote, independently of the proxy's own Kafka code.
 */
import kafkajs from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { registerCompressionCodecs } from '../../src/kafka/compression.ts';

const { Kafka, logLevel } = kafkajs;

export function bootstrapServers(): string {
  const servers = process.env.TEST_KAFKA_BOOTSTRAP;
  if (!servers) throw new Error('TEST_KAFKA_BOOTSTRAP is not set: run the suite with `npm test`');
  return servers;
}

export function nativeKafka(brokers = bootstrapServers()) {
  return new Kafka({ brokers: [brokers], clientId: 'test-native', logLevel: logLevel.NOTHING });
}

export function uniqueTopic(prefix = 'topic'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createTopic(name: string, partitions = 1, brokers = bootstrapServers()): Promise<string> {
  const admin = nativeKafka(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  return name;
}

export interface ConsumedRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Record<string, Buffer | null | Array<Buffer | null>>;
}

/**
 * Reads the first `count` records of a topic (every partition) with a native consumer, sorted by
 * partition and offset. `kafka` is the client to read with (default: the suite broker's); fetch
 * sizes are large enough for the biggest records the tests write.
 */
export async function readRecords(topic: string, count: number, { timeoutMs = 30_000, kafka = nativeKafka() }: { timeoutMs?: number; kafka?: InstanceType<typeof Kafka> } = {}): Promise<ConsumedRecord[]> {
  await registerCompressionCodecs();
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxBytes: 64 * 1024 * 1024, maxBytesPerPartition: 32 * 1024 * 1024 });
  const records: ConsumedRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records.length}/${count} records of ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.push({
            partition,
            offset: Number(message.offset),
            key: message.key,
            value: message.value,
            timestamp: Number(message.timestamp),
            headers: (message.headers ?? {}) as ConsumedRecord['headers'],
          });
          if (records.length >= count) {
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
