/**
 * An actor's mailbox: jobs run one at a time, in arrival order. A job may keep the mailbox closed
 * after it returns (a read holds it until its response has been written), through its Hold.
 */
export class Mailbox {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** `accepting` is asked when the job is queued and again when its turn comes. */
  constructor(private readonly accepting: () => Error | null) {}

  get idle(): boolean {
    return this.pending === 0;
  }

  post<T>(job: (hold: Hold) => Promise<T>): Promise<T> {
    const refused = this.accepting();
    if (refused) return Promise.reject(refused);
    const hold = new Hold();
    this.pending++;
    const result = this.tail.then(() => {
      const late = this.accepting();
      if (late) throw late;
      return job(hold);
    });
    this.tail = result
      .then(
        () => hold.done,
        () => undefined,
      )
      .finally(() => this.pending--);
    return result;
  }
}

/** Keeps the mailbox closed after a job returns, until released (or a safety timeout fires). */
export class Hold {
  private releaseHold: () => void = () => undefined;
  done: Promise<void> = Promise.resolve();

  keep(maxMs: number, onTimeout: () => void): void {
    this.done = new Promise((resolve) => {
      const timer = setTimeout(onTimeout, maxMs);
      this.releaseHold = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  release(): void {
    this.releaseHold();
  }
}
