/**
 * Token buckets with an injected clock (milliseconds), so that the arithmetic is tested without
 * timers. A bucket holds up to `capacity` permits and gains `ratePerSec` of them per second; it
 * starts full, so a quiet client may send one second's worth at once.
 *
 * A request that may wait (`maxWaitMs`) reserves its permits ahead: the bucket goes below zero and
 * later requests queue behind it, as Guava's RateLimiter does for rate.limit.timeout.ms.
 */

export type Acquired = { readonly ok: true; readonly waitMs: number } | { readonly ok: false; readonly retryAfterMs: number };

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly ratePerSec: number,
    readonly capacity: number,
    now: number,
  ) {
    if (!(ratePerSec > 0) || !(capacity > 0)) throw new RangeError('a token bucket needs a positive rate and capacity');
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Permits available at `now` (negative while reservations are outstanding). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /** Takes `cost` permits now, or reserves them if they come within `maxWaitMs`; else says when to retry. */
  acquire(cost: number, now: number, maxWaitMs = 0): Acquired {
    this.refill(now);
    if (cost <= 0) return { ok: true, waitMs: 0 };
    const waitMs = this.msUntil(cost);
    if (waitMs > maxWaitMs) return { ok: false, retryAfterMs: waitMs };
    this.tokens -= cost;
    return { ok: true, waitMs };
  }

  /** Whether `cost` permits are there now, without taking them. */
  has(cost: number, now: number): boolean {
    this.refill(now);
    return this.tokens >= cost;
  }

  /** Takes permits unconditionally (after `has` said yes for every bucket of a request). */
  take(cost: number, now: number): void {
    this.refill(now);
    this.tokens -= cost;
  }

  /** Milliseconds until `cost` permits are there; Infinity when the bucket can never hold them. */
  msUntil(cost: number): number {
    if (this.tokens >= cost) return 0;
    // A cost above the capacity is never met by waiting alone: only a reservation gets it.
    return ((cost - this.tokens) / this.ratePerSec) * 1000;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed / 1000) * this.ratePerSec);
    this.updatedAt = now;
  }
}

/**
 * One bucket per key (principal or client address), in insertion-refreshed order: a key unused
 * for `expiryMs` is dropped, and beyond `maxKeys` the least recently used key goes, so the map
 * never grows without bound. A dropped key comes back with a full bucket.
 */
export class KeyedBuckets {
  private readonly buckets = new Map<string, { bucket: TokenBucket; usedAt: number }>();

  constructor(
    private readonly make: (now: number) => TokenBucket,
    private readonly expiryMs: number,
    private readonly maxKeys: number,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  get(key: string, now: number): TokenBucket {
    const entry = this.buckets.get(key);
    if (entry && now - entry.usedAt < this.expiryMs) {
      this.buckets.delete(key); // re-inserted below: Map order is the LRU order
      entry.usedAt = now;
      this.buckets.set(key, entry);
      return entry.bucket;
    }
    this.buckets.delete(key);
    this.evict(now);
    const bucket = this.make(now);
    this.buckets.set(key, { bucket, usedAt: now });
    return bucket;
  }

  private evict(now: number): void {
    for (const [key, entry] of this.buckets) {
      if (this.buckets.size < this.maxKeys && now - entry.usedAt < this.expiryMs) break;
      this.buckets.delete(key);
    }
  }
}
