/**
 * The two limiters of Confluent's proxy, on token buckets:
 *
 * - the request limiter (`rate.limit.*`): one proxy-wide bucket of `rate.limit.permits.per.sec`
 *   permits; each request takes its endpoint's cost, waiting up to `rate.limit.timeout.ms`;
 * - the v3 produce limiter (`api.v3.produce.rate.limit.*`): each record of a v3 produce stream
 *   takes one request permit and its size in byte permits, from its principal's buckets (the
 *   client address when authentication is off) and from the proxy-wide ones. A record over any of
 *   them is refused on its own (a 429 entry); the stream goes on.
 *
 * Clocks are injected; nothing here sets a timer.
 */
import { KeyedBuckets, TokenBucket, type Acquired } from './token-bucket.ts';

export type Clock = () => number;

/** Most principals (or client addresses) whose produce buckets are kept at once. */
export const MAX_TRACKED_PRINCIPALS = 10_000;

export class RequestRateLimiter {
  private readonly bucket: TokenBucket;

  constructor(
    permitsPerSec: number,
    private readonly timeoutMs: number,
    private readonly clock: Clock = Date.now,
  ) {
    this.bucket = new TokenBucket(permitsPerSec, permitsPerSec, clock());
  }

  acquire(cost: number): Acquired {
    return this.bucket.acquire(cost, this.clock(), this.timeoutMs);
  }
}

export interface ProduceLimits {
  readonly maxRequestsPerSec: number;
  readonly maxBytesPerSec: number;
  readonly maxRequestsGlobalPerSec: number;
  readonly maxBytesGlobalPerSec: number;
  readonly cacheExpiryMs: number;
}

export class ProduceRateLimiter {
  private readonly requestsGlobal: TokenBucket;
  private readonly bytesGlobal: TokenBucket;
  private readonly requests: KeyedBuckets;
  private readonly bytes: KeyedBuckets;

  constructor(
    limits: ProduceLimits,
    private readonly clock: Clock = Date.now,
    maxKeys = MAX_TRACKED_PRINCIPALS,
  ) {
    const now = clock();
    const bucket = (rate: number) => (at: number) => new TokenBucket(rate, rate, at);
    this.requestsGlobal = bucket(limits.maxRequestsGlobalPerSec)(now);
    this.bytesGlobal = bucket(limits.maxBytesGlobalPerSec)(now);
    this.requests = new KeyedBuckets(bucket(limits.maxRequestsPerSec), limits.cacheExpiryMs, maxKeys);
    this.bytes = new KeyedBuckets(bucket(limits.maxBytesPerSec), limits.cacheExpiryMs, maxKeys);
  }

  /** Admits one record of `size` bytes from `key`: all four buckets have room, or none is charged. */
  admit(key: string, size: number): boolean {
    const now = this.clock();
    const charges: Array<[TokenBucket, number]> = [
      [this.requests.get(key, now), 1],
      [this.bytes.get(key, now), size],
      [this.requestsGlobal, 1],
      [this.bytesGlobal, size],
    ];
    if (!charges.every(([bucket, cost]) => bucket.has(cost, now))) return false;
    for (const [bucket, cost] of charges) bucket.take(cost, now);
    return true;
  }

  /** Principals (or addresses) tracked now: bounded by the cache's size and expiry. */
  get trackedKeys(): number {
    return this.requests.size;
  }
}
