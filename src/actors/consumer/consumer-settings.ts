/**
 * A consumer instance's limits and defaults, from the proxy's configuration: what the Java
 * consumer's defaults would be where a setting is left out, and the instance's own buffer bound.
 */
import type { Config } from '../../config/config.ts';
import type { ConsumerSettings } from './runtime.ts';

/** Java's auto.commit.interval.ms default. */
const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000;
/** Java's max.partition.fetch.bytes default. */
const DEFAULT_MAX_PARTITION_FETCH_BYTES = 1024 * 1024;
/** Bytes of records fetched ahead per instance before fetching pauses. */
const CONSUMER_BUFFER_MAX_BYTES = 8 * 1024 * 1024;

export function consumerSettings(config: Config): ConsumerSettings {
  return {
    requestTimeoutMs: config.consumerRequestTimeoutMs,
    requestMaxBytes: config.consumerRequestMaxBytes,
    fetchMinBytes: config.fetchMinBytes,
    instanceTimeoutMs: config.consumerInstanceTimeoutMs,
    bufferMaxBytes: CONSUMER_BUFFER_MAX_BYTES,
    maxBytesPerPartition: config.consumer.maxBytesPerPartition ?? DEFAULT_MAX_PARTITION_FETCH_BYTES,
    autoCommitIntervalMs: config.consumer.autoCommitInterval ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS,
    maxPendingRequests: config.consumerMaxPendingRequests,
    patternRefreshMs: config.consumerPatternRefreshMs,
  };
}
