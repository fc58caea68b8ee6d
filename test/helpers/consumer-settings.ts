/** Consumer settings for unit tests of the consumer actor: small, fast, and overridable. */
import type { ConsumerSettings } from '../../src/actors/consumer/runtime.ts';

export function consumerSettings(overrides: Partial<ConsumerSettings> = {}): ConsumerSettings {
  return {
    requestTimeoutMs: 300,
    requestMaxBytes: 1 << 20,
    fetchMinBytes: 0,
    instanceTimeoutMs: 60_000,
    bufferMaxBytes: 1 << 20,
    maxBytesPerPartition: 1 << 20,
    autoCommitIntervalMs: 60_000,
    maxPendingRequests: 2,
    patternRefreshMs: 30_000,
    ...overrides,
  };
}
