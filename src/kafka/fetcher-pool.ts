/**
 * The simple consumer's fetchers, lent one request at a time, each with connections of its own. A
 * broker answers one connection's requests in order, a long poll included: on one shared
 * connection a read waiting for records would hold up every other read and every commit and offset
 * lookup behind it. At most `maxSize` exist (Confluent's `simpleconsumer.pool.size.max`); a request
 * that finds them all lent waits at most `timeoutMs` (`simpleconsumer.pool.timeout.ms`), then is
 * refused with Confluent's v1 error, 50301.
 */
import { RestError } from '../errors.ts';
import type { PartitionFetcher } from './partition-fetcher.ts';

const NO_SIMPLE_CONSUMER = 50301;

interface Waiter {
  resolve: (fetcher: PartitionFetcher) => void;
  timer: NodeJS.Timeout;
}

export class FetcherPool {
  private readonly idle: PartitionFetcher[] = [];
  private readonly waiters: Waiter[] = [];
  private made = 0;
  private closed = false;

  constructor(
    private readonly create: () => PartitionFetcher,
    readonly maxSize: number,
    private readonly timeoutMs: number,
  ) {}

  /** Fetchers made so far (each keeps its connections until the pool closes). */
  get size(): number {
    return this.made;
  }

  /** Runs `work` with a fetcher no one else uses meanwhile. */
  async use<T>(work: (fetcher: PartitionFetcher) => Promise<T>): Promise<T> {
    const fetcher = await this.borrow();
    try {
      return await work(fetcher);
    } finally {
      this.giveBack(fetcher);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((fetcher) => fetcher.close()));
  }

  private borrow(): Promise<PartitionFetcher> {
    if (this.closed) return Promise.reject(new Error('the simple consumer pool is closed'));
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.made < this.maxSize) {
      this.made++;
      return Promise.resolve(this.create());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(
            new RestError(
              NO_SIMPLE_CONSUMER,
              `No SimpleConsumer is available at the time in the pool. The request can be retried. You can increase the pool size or the pool timeout (simpleconsumer.pool.size.max=${this.maxSize}, simpleconsumer.pool.timeout.ms=${this.timeoutMs}).`,
            ),
          );
        }, this.timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private giveBack(fetcher: PartitionFetcher): void {
    const next = this.waiters.shift();
    if (next) {
      clearTimeout(next.timer);
      next.resolve(fetcher);
    } else if (this.closed) {
      void fetcher.close();
    } else {
      this.idle.push(fetcher);
    }
  }
}
