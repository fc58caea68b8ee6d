/**
 * Connects a kafkajs client on first use, once, shared by concurrent callers; a failed connect is
 * forgotten so the next use tries again (the broker may be back by then).
 */
export class LazyConnection {
  private connected: Promise<void> | null = null;

  constructor(
    private readonly connect: () => Promise<unknown>,
    private readonly disconnect: () => Promise<unknown>,
  ) {}

  async ready(): Promise<void> {
    this.connected ??= this.connect().then(
      () => undefined,
      (error: unknown) => {
        this.connected = null;
        throw error;
      },
    );
    await this.connected;
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    this.connected = null;
    await this.disconnect().catch(() => undefined);
  }
}
