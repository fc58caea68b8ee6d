/**
 * The journal: SQLite (WAL) through better-sqlite3, holding every actor's lifecycle events.
 * Appends are synchronous and durable once they return, which is what lets consumer sessions be
 * rebuilt after a crash. Listeners see each entry as it is appended (for live views).
 *
 * A file journal is protected: one process at a time holds it (journal-lock.ts), a high-water mark
 * outside the database tells lost history at start-up (journal-seq.ts, `damage`), and a write the
 * storage refuses throws JournalUnavailableError (503/50303) and is reported once until writes
 * go through again.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isSqliteStorageError, JournalLockedError, JournalUnavailableError } from './journal-errors.ts';
import { probeWrite } from './journal-heartbeat.ts';
import { LockHeldError, ProcessLock } from '../process-lock.ts';
import { checkSeqMark, SeqMark, type JournalDamage } from './journal-seq.ts';
export type { JournalDamage } from './journal-seq.ts';
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

/**
 * Told of every change to the journal's content, to copy it elsewhere: in cluster mode the
 * sessions journal is mirrored to a Kafka topic (src/cluster/session-log.ts).
 */
export interface JournalMirror {
  appended(entry: JournalEntry): void;
  snapshotted(actorId: string, actorType: string, seq: number, snapshot: unknown): void;
  compacted(actorId: string): void;
}

export interface JournalOptions {
  /** Told how long each append took (serialisation and the SQLite insert), in seconds. */
  onAppend?: (seconds: number) => void;
}

/** Events the high-water mark says were appended but the database no longer has (found at open). */

/** Since when writes fail, and the latest failure. */
export interface JournalFailure {
  since: number;
  error: JournalUnavailableError;
}

export class Journal {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, string, string, number]>;
  private readonly listeners = new Set<Listener>();
  private readonly lock: ProcessLock | null = null;
  private readonly seqMark: SeqMark | null = null;
  private readonly pageSize: number;
  /** Settable after opening too: told each append's duration in seconds (metrics). */
  onAppend: ((seconds: number) => void) | undefined;
  /** Told of every write the storage refused; `first` when writes were fine until then. */
  onWriteFailure: ((error: JournalUnavailableError, first: boolean) => void) | undefined;
  /** Told when a write goes through again after failures. */
  onWriteRecovered: ((failure: JournalFailure) => void) | undefined;
  /** Told once when the high-water mark file cannot be written (damage detection is then blind). */
  onSeqMarkError: ((error: unknown) => void) | undefined;
  /** Set to copy every change elsewhere (cluster mode). */
  mirror: JournalMirror | null = null;
  /** Lost history found when the journal was opened, or null. */
  readonly damage: JournalDamage | null = null;
  private failing: JournalFailure | null = null;

  private constructor(readonly path: string, options: JournalOptions = {}) {
    this.onAppend = options.onAppend;
    const file = path !== ':memory:';
    if (file) {
      mkdirSync(dirname(path), { recursive: true });
      try {
        this.lock = ProcessLock.acquire(path);
      } catch (error) {
        throw error instanceof LockHeldError ? new JournalLockedError(path, error.holder) : error;
      }
    }
    let db: Database.Database | undefined;
    try {
      this.db = db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode survives a process crash (SIGKILL); only an OS crash can lose the tail.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db);
      this.insert = this.db.prepare(
        'INSERT INTO journal_events (actor_id, actor_type, event_type, payload, at) VALUES (?, ?, ?, ?, ?)',
      );
      this.pageSize = this.db.pragma('page_size', { simple: true }) as number;
      if (file) {
        this.seqMark = SeqMark.open(`${path}-seq`);
        this.seqMark.onWriteError = (error) => this.onSeqMarkError?.(error);
        this.damage = checkSeqMark(this.db, this.seqMark);
      }
    } catch (error) {
      this.seqMark?.close();
      if (db?.open) db.close();
      this.lock?.release();
      throw isSqliteStorageError(error) ? new JournalUnavailableError(error, path) : error;
    }
  }

  static open(path: string, options?: JournalOptions): Journal {
    return new Journal(path, options);
  }

  append<P>(actorId: string, actorType: string, type: string, payload: P): JournalEntry<P> {
    const started = process.hrtime.bigint();
    const at = Date.now();
    const json = JSON.stringify(payload ?? null);
    let seq: number;
    try {
      seq = Number(this.insert.run(actorId, actorType, type, json, at).lastInsertRowid);
    } catch (error) {
      throw this.failed(error);
    }
    this.seqMark?.write(seq);
    if (this.failing) this.confirmRecovery();
    this.onAppend?.(Number(process.hrtime.bigint() - started) / 1e9);
    const entry: JournalEntry<P> = { seq, actorId, actorType, type, payload, at };
    this.mirror?.appended(entry);
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
    const filter = (clause: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    filter('actor_id = ?', query.actorId);
    filter('actor_type = ?', query.actorType);
    filter('seq > ?', query.afterSeq);
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
    const json = JSON.stringify(snapshot);
    this.write(() =>
      this.db
        .prepare(
          `INSERT INTO actor_snapshots (actor_id, actor_type, seq, snapshot, at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (actor_id) DO UPDATE SET seq = excluded.seq, snapshot = excluded.snapshot, at = excluded.at`,
        )
        .run(actorId, actorType, seq, json, Date.now()),
    );
    this.mirror?.snapshotted(actorId, actorType, seq, snapshot);
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
    const { changes } = this.write(() =>
      this.db
        .prepare(
          `DELETE FROM journal_events WHERE actor_id = ? AND seq <= ? AND seq < COALESCE(
             (SELECT MIN(seq) FROM (SELECT seq FROM journal_events WHERE actor_id = ? ORDER BY seq DESC LIMIT ?)), 0)`,
        )
        .run(actorId, upToSeq, actorId, keep),
    );
    return changes;
  }

  /** Forgets an actor that has ended: its events and snapshot go, in one transaction. */
  compact(actorId: string): void {
    this.write(() =>
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM journal_events WHERE actor_id = ?').run(actorId);
        this.db.prepare('DELETE FROM actor_snapshots WHERE actor_id = ?').run(actorId);
      })(),
    );
    this.mirror?.compacted(actorId);
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

  /** Since when writes fail (and the latest failure), or null while they go through. */
  get failure(): JournalFailure | null {
    return this.failing;
  }

  /** True when a write goes through: what readiness asks (a real write, see journal-heartbeat.ts). */
  writable(): boolean {
    if (!this.db.open) return false;
    try {
      probeWrite(this.db, this.pageSize);
    } catch (error) {
      this.failed(error);
      return false;
    }
    if (this.failing) this.recovered();
    return true;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.seqMark?.close();
    this.lock?.release();
  }

  /** Runs a write; a storage failure is reported and thrown as JournalUnavailableError. */
  private write<T>(run: () => T): T {
    let result: T;
    try {
      result = run();
    } catch (error) {
      throw this.failed(error);
    }
    if (this.failing) this.confirmRecovery();
    return result;
  }

  private failed(error: unknown): unknown {
    if (!isSqliteStorageError(error)) return error;
    const unavailable = new JournalUnavailableError(error, this.path);
    const first = this.failing === null;
    this.failing = { since: this.failing?.since ?? Date.now(), error: unavailable };
    this.onWriteFailure?.(unavailable, first);
    return unavailable;
  }

  /** A small write can fit in a database that is still full: recovery needs room for a page. */
  private confirmRecovery(): void {
    try {
      probeWrite(this.db, this.pageSize);
    } catch {
      return;
    }
    this.recovered();
  }

  private recovered(): void {
    const failure = this.failing!;
    this.failing = null;
    this.onWriteRecovered?.(failure);
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
