/**
 * What an error nothing caught does to the process. A storage error (the journal's disk is full,
 * an I/O error, a read-only file) is logged, counted and survived: the proxy keeps serving, and
 * every later journal write answers 503 until the storage is fixed. Anything else is a bug whose
 * consequences are unknown: it is logged and the process exits 1, for a supervisor to restart it —
 * consumer instances resume from the journal, so a restart loses no session. Installed by main.ts
 * only: a library must not take over a process's error handling (tests run proxies in-process).
 */
import type { Logger } from 'pino';
import { isStorageError } from './journal/journal-errors.ts';

export interface ProcessGuardOptions {
  logger: Logger;
  /** Told of each error, by kind, before it is survived or the process exits. */
  count?: (kind: 'storage' | 'other') => void;
  /** How the process ends on an unexpected error (tests replace it). */
  exit?: (code: number) => void;
}

/** Installs the guard; returns a function that removes it. */
export function installProcessGuard({ logger, count, exit = (code) => process.exit(code) }: ProcessGuardOptions): () => void {
  const said = new Set<string>();
  const handle = (error: unknown, origin: string) => {
    if (isStorageError(error)) {
      count?.('storage');
      const code = String((error as { code?: unknown }).code ?? 'storage');
      // One line per kind of failure: a full disk fails every write, and the journal already said how to fix it.
      if (said.has(code)) return logger.debug({ err: error, origin }, 'storage error no handler caught; the proxy keeps running');
      said.add(code);
      return logger.error({ err: error, origin }, `storage error no handler caught (${code}); the proxy keeps running: fix the storage (see the journal's error line) and nothing else is needed`);
    }
    count?.('other');
    logger.fatal({ err: error, origin }, 'unexpected error no handler caught: exiting (1) so that a supervisor restarts the proxy; consumer instances resume from the journal');
    exit(1);
  };
  const onException = (error: Error) => handle(error, 'uncaughtException');
  const onRejection = (reason: unknown) => handle(reason, 'unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
