/**
 * What a produce hands the producer pool and gets back: records in, one Confluent
 * PartitionOffset (API v2) or RecordResult (API v3) per record out, and how a failure that never
 * reached a slot is described.
 */
import { ErrorCode } from '../../errors.ts';
import { describeKafkaError, produceErrorCode, type KafkaFailure } from '../../kafka/kafka-error.ts';
import type { RecordHeader, RecordOutcome } from '../../kafka/record-producer.ts';
import { TopicNotPresentError } from '../../kafka/topic-partitions.ts';

export interface ProduceRecord {
  key: Buffer | null;
  value: Buffer | null;
  partition?: number;
  /** In order; a name may repeat (API v3). */
  headers?: readonly RecordHeader[];
  /** The record's CreateTime (epoch ms); unset = when the batch is built (API v2). */
  timestamp?: number;
}

/** The HTTP client of a produce request, as far as the pool cares: whether it went away. */
export interface ProduceClient {
  readonly gone: boolean;
  /** Calls `listener` once if the client goes away; returns a function that stops watching. */
  onGone(listener: () => void): () => void;
}

/** Confluent's per-record produce result. */
export interface PartitionOffset {
  partition: number | null;
  offset: number | null;
  error_code: number | null;
  error: string | null;
}

/**
 * One record's outcome with what the Kafka client said (API v3 answers Kafka's own codes: 413,
 * 40401 for a topic that never showed up, ...): where it was written, or why not. `timestamp` is
 * the broker's LogAppendTime when the topic uses it, else the record's own (null when it had none).
 */
export type RecordResult = { partition: number; offset: number | null; timestamp: number | null } | { failure: KafkaFailure };

export interface PartitionCounts {
  count(topic: string): Promise<number>;
}

export function retriableFailures(count: number, message: string): RecordOutcome[] {
  const failure = describeKafkaError({ name: 'KafkaJSTimeout', message, retriable: true });
  return Array.from({ length: count }, () => ({ failure }));
}

/** Why a topic's partitions could not be counted: it never showed up (40401), or Kafka's error. */
export function metadataFailure(error: unknown): KafkaFailure {
  if (error instanceof TopicNotPresentError) {
    return { errorCode: ErrorCode.TopicNotFound, status: 404, message: error.message, retriable: true, connectionLost: false };
  }
  return describeKafkaError(error);
}

/** API v2's per-record code: a missing partition keeps 40402, Kafka's failures are 50002/50003 (or 401/403). */
export function v2ErrorCode(failure: KafkaFailure): number {
  return failure.errorCode === ErrorCode.PartitionNotFound ? ErrorCode.PartitionNotFound : produceErrorCode(failure);
}

export function partitionOffset(result: RecordResult): PartitionOffset {
  if ('failure' in result) return { partition: null, offset: null, error_code: v2ErrorCode(result.failure), error: result.failure.message };
  return { partition: result.partition, offset: result.offset, error_code: null, error: null };
}
