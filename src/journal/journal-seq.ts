/**
 * The journal's high-water mark: the last sequence number handed out, kept outside the database in
 * `<journal>-seq`, rewritten in place after every append (one positional write of 21 bytes, no
 * fsync). It lives in the page cache, so it survives a process crash exactly as the WAL does. At
 * start-up a database whose last sequence number is below the mark has lost events: its `-wal`
 * file was deleted or damaged (SQLite then silently drops what the WAL held), or an older copy of
 * the database was put back. Plain text, so `cat` shows it.
 */
import type Database from 'better-sqlite3';
import { closeSync, constants, openSync, readSync, writeSync } from 'node:fs';

const WIDTH = 20;

export class SeqMark {
  private readonly buffer = Buffer.alloc(WIDTH + 1, '\n');
  private broken = false;
  private closed = false;
  /** Told once when the mark can no longer be written (appends go on; damage detection is then blind). */
  onWriteError: ((error: unknown) => void) | undefined;

  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  static open(path: string): SeqMark {
    return new SeqMark(path, openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644));
  }

  /** The mark as last written, or null when there is none (a journal from before marks, or a fresh one). */
  read(): number | null {
    const bytes = Buffer.alloc(WIDTH + 1);
    const length = readSync(this.fd, bytes, 0, bytes.length, 0);
    const text = bytes.toString('latin1', 0, length).trim();
    return /^\d{1,20}$/.test(text) ? Number(text) : null;
  }

  write(seq: number): void {
    if (this.broken || this.closed) return;
    this.buffer.write(String(seq).padStart(WIDTH, '0'), 0, WIDTH, 'latin1');
    try {
      writeSync(this.fd, this.buffer, 0, this.buffer.length, 0);
    } catch (error) {
      this.broken = true;
      this.onWriteError?.(error);
    }
  }

  /** Idempotent: a descriptor closed twice could be another file's by then. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

/** Events the high-water mark says were appended but the database no longer has (found at open). */
export interface JournalDamage {
  /** The last sequence number handed out before this start. */
  expectedSeq: number;
  /** The last sequence number the database holds. */
  foundSeq: number;
  lostEvents: number;
}

/**
 * Compares the database's last sequence number (sqlite_sequence keeps it even after deletes) with
 * the mark. On a loss, sequence numbers resume after the mark, so they stay unique and the next
 * start does not report the same loss again. A mark below the database (a crash between the insert
 * and the mark's write, or a lost mark file) is harmless and simply moves up.
 */
export function checkSeqMark(db: Database.Database, mark: SeqMark): JournalDamage | null {
  const row = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'journal_events'").get() as { seq: number } | undefined;
  const foundSeq = row?.seq ?? 0;
  const expectedSeq = mark.read();
  let damage: JournalDamage | null = null;
  if (expectedSeq !== null && expectedSeq > foundSeq) {
    damage = { expectedSeq, foundSeq, lostEvents: expectedSeq - foundSeq };
    if (row) db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'journal_events'").run(expectedSeq);
    else db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('journal_events', ?)").run(expectedSeq);
  }
  mark.write(Math.max(foundSeq, expectedSeq ?? 0));
  return damage;
}
