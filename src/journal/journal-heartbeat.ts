/**
 * The journal's readiness probe: a real write. A heartbeat row is committed (so a read-only,
 * moved or failing file shows), and room for one more page is taken and given back first: on a
 * full database a small update in place still fits where an append may not.
 */
import type Database from 'better-sqlite3';

export function probeWrite(db: Database.Database, pageSize: number): void {
  const at = Date.now();
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec('SAVEPOINT room');
    db.prepare('INSERT OR REPLACE INTO journal_heartbeat (id, at, pad) VALUES (2, ?, zeroblob(?))').run(at, pageSize);
    db.exec('ROLLBACK TO room');
    db.exec('RELEASE room');
    db.prepare('INSERT INTO journal_heartbeat (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').run(at);
    db.exec('COMMIT');
  } catch (error) {
    // SQLite may have rolled back already (it does on some SQLITE_FULL and I/O errors).
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
