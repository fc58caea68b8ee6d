/** Kafka's small vocabulary types, shared by the consumer code. */
import type { RecordHeader } from './record-producer.ts';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface FetchedRecord extends TopicPartitionOffset {
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  /** The record's headers (see fetchedHeaders in record-headers.ts); absent when it has none. */
  headers?: readonly RecordHeader[];
}

/** A map key for a topic-partition. */
export const tpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

export function parseTpKey(key: string): TopicPartition {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}
