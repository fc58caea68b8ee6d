/**
 * Callers waiting for something to change — records to arrive, room in a buffer, a producer slot
 * to be ready, a partition to get an owner: each wait ends at the next `wake()`, after its own
 * `ms`, or when its signal aborts, whichever comes first, and leaves nothing behind.
 */
export class WakeUp {
  private readonly waiting = new Set<() => void>();

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.waiting.add(done);
    });
  }

  wake(): void {
    // Called on hot paths (every record a read takes): nothing to copy when nobody waits.
    if (this.waiting.size > 0) for (const done of [...this.waiting]) done();
  }
}
