/**
 * One process per resource (a journal, an embedded broker's directory). The lock is an SQLite
 * write lock on a small sidecar database (`<resource>-lock`), taken with BEGIN IMMEDIATE and never committed: the operating system drops it
 * when the holding process ends, however it ends (SIGKILL included), so a crash leaves no stale
 * lock to clean up. A write lock still lets others read, so the holder's identity (pid, host, since),
 * committed just before the lock is taken, is what a refused process reports.
 *
 * The lock is advisory (fcntl), like SQLite's own locking: it holds on local file systems, not
 * reliably on network ones. Nothing in the holding process may open the lock file with plain
 * node:fs — closing such a descriptor would drop the process's locks on it.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

/** Who holds a lock: read from its lock file by the process that was refused. */
export interface LockHolder {
  pid: number;
  host: string;
  /** When it took the lock (ISO 8601). */
  since: string;
}

/** The resource is held by another process; `holder` is null while that process is still starting. */
export class LockHeldError extends Error {
  constructor(
    readonly resource: string,
    readonly holder: LockHolder | null,
  ) {
    super(`${resource} is in use by ${describeHolder(holder)}`);
    this.name = 'LockHeldError';
  }
}

export const describeHolder = (holder: LockHolder | null): string =>
  holder ? `another kafka-rest process (pid ${holder.pid} on host ${holder.host}, since ${holder.since})` : 'another kafka-rest process that is still starting';

export class ProcessLock {
  private constructor(
    private readonly db: Database.Database,
    readonly holder: LockHolder,
  ) {}

  /** Takes the lock of `resource` (a file path), or throws LockHeldError naming its holder. */
  static acquire(resource: string): ProcessLock {
    const path = `${resource}-lock`;
    mkdirSync(dirname(resource), { recursive: true });
    // timeout 0: a held lock is an answer, not something to wait for.
    const db = new Database(path, { timeout: 0 });
    const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    try {
      db.exec('BEGIN IMMEDIATE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL)');
      db.prepare('INSERT OR REPLACE INTO holder (id, pid, host, since) VALUES (1, ?, ?, ?)').run(holder.pid, holder.host, holder.since);
      db.exec('COMMIT');
      // Another process may slip in between the commit and this: then it holds the lock, and says so.
      db.exec('BEGIN IMMEDIATE');
      return new ProcessLock(db, holder);
    } catch (error) {
      if (!isBusy(error)) {
        db.close();
        throw error;
      }
      const current = readHolder(db);
      db.close();
      throw new LockHeldError(resource, current);
    }
  }

  /** Lets the resource go (also what happens when the process ends). */
  release(): void {
    if (this.db.open) this.db.close(); // closing rolls the open transaction back, which drops the lock
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED');
}

function readHolder(db: Database.Database): LockHolder | null {
  try {
    if (db.inTransaction) db.exec('ROLLBACK');
    // The holder may be committing its identity at this very moment: wait for that, briefly.
    db.pragma('busy_timeout = 1000');
    const row = db.prepare('SELECT pid, host, since FROM holder WHERE id = 1').get() as LockHolder | undefined;
    return row ?? null;
  } catch {
    return null; // no identity written yet (the holder is still starting)
  }
}
