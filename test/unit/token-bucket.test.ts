import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedBuckets, TokenBucket } from '../../src/http/rate-limit/token-bucket.ts';
import { ProduceRateLimiter, RequestRateLimiter } from '../../src/http/rate-limit/limiter.ts';

describe('TokenBucket', () => {
  it('starts full, refuses beyond its capacity and says when to retry', () => {
    const bucket = new TokenBucket(10, 10, 0);
    for (let i = 0; i < 10; i++) assert.deepEqual(bucket.acquire(1, 0), { ok: true, waitMs: 0 });
    assert.deepEqual(bucket.acquire(1, 0), { ok: false, retryAfterMs: 100 });
    assert.deepEqual(bucket.acquire(3, 0), { ok: false, retryAfterMs: 300 });
  });

  it('refills at its rate, never above its capacity', () => {
    const bucket = new TokenBucket(10, 10, 0);
    bucket.acquire(10, 0);
    assert.equal(bucket.available(250), 2.5);
    assert.equal(bucket.available(60_000), 10);
    assert.equal(bucket.acquire(11, 60_000).ok, false, 'more than the capacity cannot be taken at once');
  });

  it('reserves ahead within the wait allowed, and later requests queue behind the reservation', () => {
    const bucket = new TokenBucket(10, 10, 0);
    bucket.acquire(10, 0);
    assert.deepEqual(bucket.acquire(2, 0, 500), { ok: true, waitMs: 200 });
    assert.deepEqual(bucket.acquire(2, 0, 500), { ok: true, waitMs: 400 });
    assert.deepEqual(bucket.acquire(2, 0, 500), { ok: false, retryAfterMs: 600 });
    assert.equal(bucket.available(400), 0);
  });

  it('lets a zero cost through even when empty', () => {
    const bucket = new TokenBucket(1, 1, 0);
    bucket.acquire(1, 0);
    assert.deepEqual(bucket.acquire(0, 0), { ok: true, waitMs: 0 });
  });

  it('refuses a clock that goes backwards any extra permits', () => {
    const bucket = new TokenBucket(10, 10, 1_000);
    bucket.acquire(10, 1_000);
    assert.equal(bucket.available(500), 0);
  });

  it('rejects a zero rate', () => {
    assert.throws(() => new TokenBucket(0, 1, 0), RangeError);
  });
});

describe('KeyedBuckets', () => {
  const make = (now: number) => new TokenBucket(1, 1, now);

  it('keeps one bucket per key', () => {
    const buckets = new KeyedBuckets(make, 60_000, 10);
    assert.equal(buckets.get('a', 0).acquire(1, 0).ok, true);
    assert.equal(buckets.get('a', 0).acquire(1, 0).ok, false);
    assert.equal(buckets.get('b', 0).acquire(1, 0).ok, true);
  });

  it('drops the least recently used key beyond its size', () => {
    const buckets = new KeyedBuckets(make, 60_000, 2);
    buckets.get('a', 0).acquire(1, 0);
    buckets.get('b', 1).acquire(1, 1);
    buckets.get('a', 2); // a is now the most recent
    buckets.get('c', 3);
    assert.equal(buckets.size, 2);
    assert.equal(buckets.get('a', 4).acquire(1, 4).ok, false, 'a kept its empty bucket');
    assert.equal(buckets.get('b', 5).acquire(1, 5).ok, true, 'b was dropped and came back full');
  });

  it('forgets a key unused for the expiry', () => {
    const buckets = new KeyedBuckets((now) => new TokenBucket(0.001, 1, now), 1_000, 10);
    buckets.get('a', 0).acquire(1, 0);
    assert.equal(buckets.get('a', 999).acquire(1, 999).ok, false);
    assert.equal(buckets.get('a', 1_999).acquire(1, 1_999).ok, true);
  });

  it('stays bounded under many keys', () => {
    const buckets = new KeyedBuckets(make, 60_000, 100);
    for (let i = 0; i < 10_000; i++) buckets.get(`k${i}`, i);
    assert.equal(buckets.size, 100);
  });
});

describe('RequestRateLimiter', () => {
  it('admits permits.per.sec at once, then one more per 1/rate s of the injected clock', () => {
    let now = 0;
    const limiter = new RequestRateLimiter(20, 0, () => now);
    const outcomes = Array.from({ length: 40 }, () => limiter.acquire(1).ok);
    assert.equal(outcomes.filter(Boolean).length, 20);
    now = 100;
    assert.equal([limiter.acquire(1).ok, limiter.acquire(1).ok, limiter.acquire(1).ok].filter(Boolean).length, 2);
  });
});

describe('ProduceRateLimiter', () => {
  const limits = { maxRequestsPerSec: 2, maxBytesPerSec: 100, maxRequestsGlobalPerSec: 3, maxBytesGlobalPerSec: 1_000, cacheExpiryMs: 60_000 };

  it('limits each principal and the whole proxy, charging nothing for a refused record', () => {
    let now = 0;
    const limiter = new ProduceRateLimiter(limits, () => now);
    assert.deepEqual([limiter.admit('alice', 10), limiter.admit('alice', 10), limiter.admit('alice', 10)], [true, true, false]);
    assert.equal(limiter.admit('bob', 10), true);
    assert.equal(limiter.admit('carol', 10), false, 'the global count limit (3) is reached');
    now = 1_000;
    assert.equal(limiter.admit('carol', 10), true);
  });

  it('refuses a record larger than the byte limit, whatever the count allows', () => {
    const limiter = new ProduceRateLimiter({ ...limits, maxBytesPerSec: 1 }, () => 0);
    assert.equal(limiter.admit('alice', 30), false);
    assert.equal(limiter.admit('alice', 1), true, 'the refused record took none of the count');
  });

  it('tracks a bounded number of principals', () => {
    let now = 0;
    const limiter = new ProduceRateLimiter({ ...limits, maxRequestsGlobalPerSec: 1_000_000, maxBytesGlobalPerSec: 1_000_000 }, () => now, 50);
    for (let i = 0; i < 1_000; i++) {
      limiter.admit(`p${i}`, 1);
      now += 1;
    }
    assert.equal(limiter.trackedKeys, 50);
  });
});
