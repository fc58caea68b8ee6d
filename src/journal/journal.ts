/**
 * The journal: SQLite (WAL) through better-sqlite3, holding every actor's lifecycle events.
 * Appends are synchronous and durable once they return, which is what lets consumer sessions be
 * rebuilt after a crash. Listeners see each entry as it is appended (for live views).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrate.ts';

export interface JournalEntry<P = unknown> {
  seq: number;
  actorId: string;
  actorType: string;
  type: string;
  payload: P;
  at: number;
}

export interface JournalQuery {
  actorId?: string;
  actorType?: string;
  afterSeq?: number;
  limit?: number;
  /** With limit: the last `limit` entries (still returned oldest first). */
  newest?: boolean;
}

interface Row {
  seq: number;
  actor_id: string;
  actor_type: string;
  event_type: string;
  payload: string;
  at: number;
}

type Listener = (entry: JournalEntry) => void;

export interface JournalOptions {
  /** Told how long each append took (serialisation and the SQLite insert), in seconds. */
  onAppend?: (seconds: number) => void;
}

export class Journal {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, string, string, number]>;
  private readonly listeners = new Set<Listener>();
  /** Settable after opening too: told each append's duration in seconds (metrics). */
  onAppend: ((seconds: number) => void) | undefined;

  private constructor(readonly path: string, options: JournalOptions = {}) {
    this.onAppend = options.onAppend;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a process crash (SIGKILL); only an OS crash can lose the tail.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    try {
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.insert = this.db.prepare(
      'INSERT INTO journal_events (actor_id, actor_type, event_type, payload, at) VALUES (?, ?, ?, ?, ?)',
    );
  }

  static open(path: string, options?: JournalOptions): Journal {
    return new Journal(path, options);
  }

  append<P>(actorId: string, actorType: string, type: string, payload: P): JournalEntry<P> {
    const started = process.hrtime.bigint();
    const at = Date.now();
    const { lastInsertRowid } = this.insert.run(actorId, actorType, type, JSON.stringify(payload ?? null), at);
    this.onAppend?.(Number(process.hrtime.bigint() - started) / 1e9);
    const entry: JournalEntry<P> = { seq: Number(lastInsertRowid), actorId, actorType, type, payload, at };
    // The entry is stored; a failing listener must neither undo that nor starve the others.
    for (const listener of this.listeners) {
      try {
        listener(entry);
      } catch {
        // listeners report their own errors
      }
    }
    return entry;
  }

  read(query: JournalQuery = {}): JournalEntry[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (query.actorId !== undefined) (where.push('actor_id = ?'), params.push(query.actorId));
    if (query.actorType !== undefined) (where.push('actor_type = ?'), params.push(query.actorType));
    if (query.afterSeq !== undefined) (where.push('seq > ?'), params.push(query.afterSeq));
    const order = query.newest ? 'DESC' : 'ASC';
    const sql = `SELECT * FROM journal_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${order}${
      query.limit !== undefined ? ' LIMIT ?' : ''
    }`;
    if (query.limit !== undefined) params.push(query.limit);
    const rows = (this.db.prepare(sql).all(...params) as Row[]).map(toEntry);
    return query.newest ? rows.reverse() : rows;
  }

  /** Ids of the actors of a type that have events or a snapshot, oldest first. */
  actorIds(actorType: string): string[] {
    const rows = this.db
      .prepare(
        `SELECT actor_id, MIN(seq) AS first FROM (
           SELECT actor_id, seq FROM journal_events WHERE actor_type = ?
           UNION ALL SELECT actor_id, seq FROM actor_snapshots WHERE actor_type = ?)
         GROUP BY actor_id ORDER BY first`,
      )
      .all(actorType, actorType) as Array<{ actor_id: string }>;
    return rows.map((r) => r.actor_id);
  }

  /** Stores an actor's state as of journal event `seq`, replacing its previous snapshot. */
  writeSnapshot(actorId: string, actorType: string, seq: number, snapshot: unknown): void {
    this.db
      .prepare(
        `INSERT INTO actor_snapshots (actor_id, actor_type, seq, snapshot, at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (actor_id) DO UPDATE SET seq = excluded.seq, snapshot = excluded.snapshot, at = excluded.at`,
      )
      .run(actorId, actorType, seq, JSON.stringify(snapshot), Date.now());
  }

  readSnapshot<S>(actorId: string): { seq: number; snapshot: S } | null {
    const row = this.db.prepare('SELECT seq, snapshot FROM actor_snapshots WHERE actor_id = ?').get(actorId) as
      | { seq: number; snapshot: string }
      | undefined;
    return row ? { seq: row.seq, snapshot: JSON.parse(row.snapshot) as S } : null;
  }

  /**
   * Bounds a live actor's history: keeps its newest `keep` events and nothing is removed after
   * `upToSeq` (the events a snapshot does not cover yet are what recovery replays).
   */
  trim(actorId: string, upToSeq: number, keep: number): number {
    const { changes } = this.db
      .prepare(
        `DELETE FROM journal_events WHERE actor_id = ? AND seq <= ? AND seq < COALESCE(
           (SELECT MIN(seq) FROM (SELECT seq FROM journal_events WHERE actor_id = ? ORDER BY seq DESC LIMIT ?)), 0)`,
      )
      .run(actorId, upToSeq, actorId, keep);
    return changes;
  }

  /** Forgets an actor that has ended: its events and snapshot go, in one transaction. */
  compact(actorId: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM journal_events WHERE actor_id = ?').run(actorId);
      this.db.prepare('DELETE FROM actor_snapshots WHERE actor_id = ?').run(actorId);
    })();
  }

  /**
   * The SQLite database under the journal, shared with the embedded schema registry so that one
   * file (and one set of migrations) holds all of the proxy's state.
   */
  get database(): Database.Database {
    return this.db;
  }

  /** Versions of the schema applied so far, oldest first. */
  schemaVersions(): number[] {
    return (this.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>).map(
      (r) => r.version,
    );
  }

  /** True when a write goes through: what readiness checks ask. */
  writable(): boolean {
    try {
      this.db.prepare('BEGIN IMMEDIATE').run();
      this.db.prepare('ROLLBACK').run();
      return true;
    } catch {
      return false;
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toEntry(row: Row): JournalEntry {
  return {
    seq: row.seq,
    actorId: row.actor_id,
    actorType: row.actor_type,
    type: row.event_type,
    payload: JSON.parse(row.payload) as unknown,
    at: row.at,
  };
}
