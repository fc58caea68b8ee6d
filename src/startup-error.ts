/**
 * A mistake in how the proxy was started — a missing Java, a port already taken, a data directory
 * another process holds — as opposed to a bug. main.ts prints its message as one line and exits 1;
 * the message says what to do, so it carries no stack trace.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}
