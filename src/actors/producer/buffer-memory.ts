/**
 * `producer.buffer.memory`: a bound on the bytes of records the pool holds (queued in a slot or in
 * flight to Kafka), as the Java producer's BufferPool bounds its record accumulator. A produce
 * reserves its records' bytes before it is queued and gives them back once the slot has settled
 * them (acknowledged, failed, or dropped unsent). When there is no room it waits, first come first
 * served, until its deadline; then it is refused. A request larger than the whole buffer is let in
 * only when the buffer is empty, alone, rather than refused forever.
 */

interface Waiter {
  bytes: number;
  admit: () => void;
}

export class BufferMemory {
  private reserved = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly totalBytes: number) {}

  /** Bytes reserved by records that are queued or in flight. */
  get usedBytes(): number {
    return this.reserved;
  }

  /** Produce requests waiting for room. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Reserves `bytes`, waiting until `deadline` (epoch ms) for room; false when there was none in time. */
  reserve(bytes: number, deadline: number): Promise<boolean> {
    if (this.waiters.length === 0 && this.fits(bytes)) {
      this.reserved += bytes;
      return Promise.resolve(true);
    }
    const wait = deadline - Date.now();
    if (wait <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        bytes,
        admit: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        // The head leaving may let the next ones in.
        this.admitWaiters();
        resolve(false);
      }, wait);
      this.waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.reserved = Math.max(0, this.reserved - bytes);
    this.admitWaiters();
  }

  private fits(bytes: number): boolean {
    return this.reserved + bytes <= this.totalBytes || this.reserved === 0;
  }

  /** In arrival order: a waiter that does not fit holds back the ones behind it, so none starves. */
  private admitWaiters(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.bytes)) {
      const waiter = this.waiters.shift()!;
      this.reserved += waiter.bytes;
      waiter.admit();
    }
  }
}
