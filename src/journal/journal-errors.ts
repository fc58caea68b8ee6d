/**
 * What can go wrong with the journal's storage, in the words an operator and a client need:
 * a write SQLite refuses for storage reasons (disk full, I/O error, read-only or moved file,
 * damaged file) becomes a JournalUnavailableError — 503 with error code 50303 for the client, and
 * a hint saying what to fix for the log. JournalLockedError is a second process on the same journal.
 */
import { dirname, resolve } from 'node:path';
import { ErrorCode, RestError } from '../errors.ts';
import { describeHolder, type LockHolder } from '../process-lock.ts';

/** SQLite result codes (and their extended forms, e.g. SQLITE_IOERR_WRITE) that mean the storage failed. */
const STORAGE_CODES = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_PERM', 'SQLITE_NOLFS', 'SQLITE_PROTOCOL', 'SQLITE_BUSY'];
/** Node's own codes for the same failures (the journal's sidecar files are written with node:fs). */
const SYSTEM_STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS']);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for an SQLite error caused by the storage, not by the statement (a constraint, a syntax error). */
export function isSqliteStorageError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && STORAGE_CODES.some((family) => code === family || code.startsWith(`${family}_`));
}

/** A storage failure of any kind: the journal's, SQLite's elsewhere (the embedded registry), or the file system's. */
export function isStorageError(error: unknown): boolean {
  if (error instanceof JournalUnavailableError) return true;
  const code = codeOf(error);
  return isSqliteStorageError(error) || (code !== undefined && SYSTEM_STORAGE_CODES.has(code));
}

/** What the operator should do about a storage failure of the journal at `path`. */
export function storageHint(code: string, path: string): string {
  const dir = dirname(resolve(path));
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC' || code === 'EDQUOT') return `free disk space at ${dir}`;
  if (code === 'SQLITE_READONLY_DBMOVED') return `${path} was moved or deleted while the proxy ran: put it back, or restart the proxy`;
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code === 'EROFS') {
    return `make ${path} and ${dir} writable by this process`;
  }
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
    return `stop the proxy and restore ${path} from a backup, or move it aside to start with an empty journal`;
  }
  if (code.startsWith('SQLITE_BUSY')) return `another process holds a write lock on ${path}: stop it`;
  return `check the disk holding ${dir} (the kernel log says more)`;
}

/** A journal write that did not happen because of the storage: retry once the operator fixed it. */
export class JournalUnavailableError extends RestError {
  /** The SQLite (or system) error code, e.g. SQLITE_FULL. */
  readonly code: string;
  /** What to do about it, for the log (it names server paths, so it is not sent to clients). */
  readonly hint: string;

  constructor(cause: unknown, path: string) {
    const code = codeOf(cause) ?? 'UNKNOWN';
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(ErrorCode.JournalUnavailable, `Service unavailable: the proxy cannot write its journal (${reason}); retry later.`, 503);
    this.name = 'JournalUnavailableError';
    this.code = code;
    this.hint = storageHint(code, path);
    this.cause = cause;
  }
}

/** The journal is open in another proxy process: two processes replaying one journal would each run its instances. */
export class JournalLockedError extends Error {
  constructor(
    readonly path: string,
    readonly holder: LockHolder | null,
  ) {
    super(`journal ${path} is in use by ${describeHolder(holder)}: stop that process, or give this one its own journal.path`);
    this.name = 'JournalLockedError';
  }
}
