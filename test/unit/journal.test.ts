import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Journal, type JournalEntry } from '../../src/journal/journal.ts';
import { MIGRATIONS_DIR, migrate, readMigrations, type Migration } from '../../src/journal/migrate.ts';

const root = mkdtempSync(join(tmpdir(), 'kafka-rest-journal-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

let dirCount = 0;
function freshDir(): string {
  const dir = join(root, `case-${++dirCount}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A directory of migration files, written as given. */
function migrationsDir(files: Record<string, string>): string {
  const dir = freshDir();
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

function tableNames(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(
    (r) => r.name,
  );
}

describe('readMigrations', () => {
  test('the shipped migrations are well named, start at 1 and are strictly increasing', () => {
    const migrations = readMigrations();
    assert.ok(migrations.length >= 1);
    assert.equal(migrations[0]!.version, 1);
    assert.equal(migrations[0]!.name, 'journal_events');
    migrations.forEach((m, i) => {
      if (i > 0) assert.ok(m.version > migrations[i - 1]!.version);
      assert.ok(m.sql.trim().length > 0);
    });
    assert.deepEqual(readMigrations(MIGRATIONS_DIR), migrations);
  });

  test('sorts numerically, not lexically, and ignores non-.sql files', () => {
    const dir = migrationsDir({
      '10_ten.sql': 'CREATE TABLE ten (x);',
      '2_two.sql': 'CREATE TABLE two (x);',
      '001_one.sql': 'CREATE TABLE one (x);',
      'README.md': 'not a migration',
      '003_three.sql.bak': 'ignored',
    });
    const migrations = readMigrations(dir);
    assert.deepEqual(
      migrations.map((m) => [m.version, m.name]),
      [
        [1, 'one'],
        [2, 'two'],
        [10, 'ten'],
      ],
    );
    assert.equal(migrations[0]!.sql, 'CREATE TABLE one (x);');
  });

  for (const bad of ['abc.sql', 'one_001.sql', '001-name.sql', '001_.sql', '001.sql', '001_na me.sql', '_name.sql']) {
    test(`refuses the badly named file ${JSON.stringify(bad)}`, () => {
      const dir = migrationsDir({ '001_ok.sql': 'SELECT 1;', [bad]: 'SELECT 1;' });
      assert.throws(() => readMigrations(dir), { message: `migration file ${bad} is not named NNN_name.sql` });
    });
  }

  test('accepts hyphens in the name', () => {
    const dir = migrationsDir({ '001_add-index.sql': 'SELECT 1;' });
    assert.deepEqual(
      readMigrations(dir).map((m) => m.name),
      ['add-index'],
    );
  });

  test('refuses two files with the same version', () => {
    const dir = migrationsDir({ '001_a.sql': 'SELECT 1;', '1_b.sql': 'SELECT 1;' });
    assert.throws(() => readMigrations(dir), /two migrations share version 1/);
  });

  test('an empty directory is no migrations', () => {
    assert.deepEqual(readMigrations(freshDir()), []);
  });
});

describe('migrate', () => {
  const M: Migration[] = [
    { version: 1, name: 'a', sql: 'CREATE TABLE a (x INTEGER);' },
    { version: 2, name: 'b', sql: 'CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (42);' },
    { version: 3, name: 'c', sql: 'ALTER TABLE b ADD COLUMN y TEXT;' },
  ];
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
  });
  afterEach(() => db.close());

  test('applies the migrations in order and records each once', () => {
    assert.deepEqual(migrate(db, M), [1, 2, 3]);
    assert.deepEqual(tableNames(db), ['a', 'b', 'schema_migrations']);
    assert.deepEqual(db.prepare('SELECT x FROM a').all(), [{ x: 42 }]);
    assert.deepEqual(
      (db.prepare('PRAGMA table_info(b)').all() as Array<{ name: string }>).map((c) => c.name),
      ['x', 'y'],
    );
    const rows = db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{
      version: number;
      name: string;
      applied_at: number;
    }>;
    assert.deepEqual(
      rows.map((r) => [r.version, r.name]),
      [
        [1, 'a'],
        [2, 'b'],
        [3, 'c'],
      ],
    );
    for (const r of rows) assert.ok(Math.abs(r.applied_at - Date.now()) < 60_000);
  });

  test('a second run applies nothing and does not re-run SQL', () => {
    migrate(db, M);
    assert.deepEqual(migrate(db, M), []);
    // Re-running migration 2 would have inserted a second row (and failed on CREATE TABLE b).
    assert.deepEqual(db.prepare('SELECT x FROM a').all(), [{ x: 42 }]);
    assert.equal((db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n, 3);
  });

  test('only the new migrations run when the code gains some', () => {
    assert.deepEqual(migrate(db, M.slice(0, 1)), [1]);
    assert.deepEqual(migrate(db, M), [2, 3]);
    assert.deepEqual(db.prepare('SELECT x FROM a').all(), [{ x: 42 }]);
  });

  test('a schema newer than the code is refused, and nothing is applied', () => {
    migrate(db, M);
    assert.throws(() => migrate(db, M.slice(0, 2)), /journal schema version 3 is newer than this proxy knows \(2\)/);
    assert.throws(() => migrate(db, []), /newer than this proxy knows \(0\)/);
  });

  test('a failing migration is rolled back whole and not recorded; earlier ones stay', () => {
    const bad: Migration[] = [
      M[0]!,
      { version: 2, name: 'bad', sql: 'CREATE TABLE half (x); INSERT INTO no_such_table VALUES (1);' },
      { version: 3, name: 'never', sql: 'CREATE TABLE never (x);' },
    ];
    assert.throws(() => migrate(db, bad), /no_such_table/);
    assert.deepEqual(tableNames(db), ['a', 'schema_migrations']);
    assert.deepEqual(
      (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
      [1],
    );
    // Fixed code can then migrate from where it stopped.
    assert.deepEqual(migrate(db, M), [2, 3]);
  });

  test('with the default (shipped) migrations creates journal_events', () => {
    const applied = migrate(db);
    assert.deepEqual(applied, readMigrations().map((m) => m.version));
    assert.ok(tableNames(db).includes('journal_events'));
  });
});

describe('Journal', () => {
  const open: Journal[] = [];
  function openJournal(path = join(freshDir(), 'journal.db')): Journal {
    const journal = Journal.open(path);
    open.push(journal);
    return journal;
  }
  afterEach(() => {
    for (const j of open.splice(0)) j.close();
  });

  test('open creates missing parent directories and applies the shipped migrations', () => {
    const path = join(freshDir(), 'nested', 'deeper', 'journal.db');
    const journal = openJournal(path);
    assert.equal(journal.path, path);
    assert.deepEqual(journal.schemaVersions(), readMigrations().map((m) => m.version));
  });

  test('re-opening does not re-apply migrations', () => {
    const path = join(freshDir(), 'journal.db');
    const first = openJournal(path);
    const versions = first.schemaVersions();
    first.close();
    const before = new Database(path, { readonly: true });
    const rowsBefore = before.prepare('SELECT * FROM schema_migrations ORDER BY version').all();
    before.close();

    const second = openJournal(path);
    assert.deepEqual(second.schemaVersions(), versions);
    second.close();
    const afterDb = new Database(path, { readonly: true });
    assert.deepEqual(afterDb.prepare('SELECT * FROM schema_migrations ORDER BY version').all(), rowsBefore);
    afterDb.close();
  });

  test('a journal whose schema is newer than the code is refused', () => {
    const path = join(freshDir(), 'journal.db');
    openJournal(path).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'future', Date.now());
    db.close();
    assert.throws(() => Journal.open(path), /journal schema version 999 is newer than this proxy knows/);
  });

  test('append returns the entry with increasing seq', () => {
    const journal = openJournal();
    const before = Date.now();
    const a = journal.append('slot-1', 'producer-slot', 'SlotConnecting', { n: 1 });
    const b = journal.append('slot-1', 'producer-slot', 'SlotReady', {});
    const c = journal.append('consumer-1', 'consumer', 'Created', { group: 'g' });
    assert.ok(a.seq >= 1);
    assert.ok(b.seq > a.seq && c.seq > b.seq);
    assert.deepEqual({ ...a, at: 0 }, { seq: a.seq, actorId: 'slot-1', actorType: 'producer-slot', type: 'SlotConnecting', payload: { n: 1 }, at: 0 });
    assert.ok(a.at >= before && a.at <= Date.now());
  });

  test('read returns what was appended, oldest first, and filters', () => {
    const journal = openJournal();
    const e1 = journal.append('s1', 'producer-slot', 'A', { i: 1 });
    const e2 = journal.append('c1', 'consumer', 'B', { i: 2 });
    const e3 = journal.append('s1', 'producer-slot', 'C', { i: 3 });
    const e4 = journal.append('s2', 'producer-slot', 'D', { i: 4 });
    const e5 = journal.append('c1', 'consumer', 'E', { i: 5 });
    const seqs = (entries: JournalEntry[]) => entries.map((e) => e.seq);

    assert.deepEqual(journal.read(), [e1, e2, e3, e4, e5]);
    assert.deepEqual(seqs(journal.read({ actorId: 's1' })), [e1.seq, e3.seq]);
    assert.deepEqual(seqs(journal.read({ actorType: 'consumer' })), [e2.seq, e5.seq]);
    assert.deepEqual(seqs(journal.read({ actorType: 'producer-slot', actorId: 's2' })), [e4.seq]);
    assert.deepEqual(seqs(journal.read({ afterSeq: e3.seq })), [e4.seq, e5.seq]);
    assert.deepEqual(seqs(journal.read({ afterSeq: e5.seq })), []);
    assert.deepEqual(seqs(journal.read({ limit: 2 })), [e1.seq, e2.seq]);
    assert.deepEqual(seqs(journal.read({ limit: 0 })), []);
    assert.deepEqual(seqs(journal.read({ actorType: 'producer-slot', afterSeq: e1.seq, limit: 1 })), [e3.seq]);
    assert.deepEqual(journal.read({ actorId: 'nobody' }), []);
  });

  test('payloads round-trip through JSON', () => {
    const journal = openJournal();
    const payload = { s: 'é"\n', n: -1.5, b: false, nil: null, list: [1, { deep: ['x'] }], empty: {} };
    journal.append('a', 't', 'P', payload);
    journal.append('a', 't', 'Str', 'just a string');
    journal.append('a', 't', 'Num', 7);
    journal.append('a', 't', 'Null', null);
    journal.append('a', 't', 'Undef', undefined);
    assert.deepEqual(
      journal.read().map((e) => e.payload),
      [payload, 'just a string', 7, null, null],
    );
  });

  test('subscribe sees each append synchronously; unsubscribe stops it', () => {
    const journal = openJournal();
    const seen: JournalEntry[] = [];
    const other: string[] = [];
    const unsubscribe = journal.subscribe((entry) => seen.push(entry));
    journal.subscribe((entry) => other.push(entry.type));
    const a = journal.append('a', 't', 'One', { x: 1 });
    assert.deepEqual(seen, [a], 'seen before append returns');
    const b = journal.append('a', 't', 'Two', {});
    unsubscribe();
    journal.append('a', 't', 'Three', {});
    assert.deepEqual(seen, [a, b]);
    assert.deepEqual(other, ['One', 'Two', 'Three'], 'other listeners keep listening');
  });

  test('entries survive close and re-open, and seq keeps increasing', () => {
    const path = join(freshDir(), 'journal.db');
    const first = openJournal(path);
    const a = first.append('s1', 'producer-slot', 'A', { i: 1 });
    const b = first.append('s1', 'producer-slot', 'B', { i: 2 });
    first.close();

    const second = openJournal(path);
    assert.deepEqual(second.read(), [a, b]);
    const c = second.append('s1', 'producer-slot', 'C', {});
    assert.ok(c.seq > b.seq);
  });

  test('writable() is true while open and false once closed', () => {
    const journal = openJournal();
    assert.equal(journal.writable(), true);
    // The probe leaves no transaction open: appends still work afterwards.
    journal.append('a', 't', 'After', {});
    assert.equal(journal.read().length, 1);
    journal.close();
    assert.equal(journal.writable(), false);
    journal.close(); // idempotent
  });

  test('the file is in WAL mode', () => {
    const path = join(freshDir(), 'journal.db');
    openJournal(path).close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  });
});

test('trim keeps an actor\'s newest events and never what follows the snapshot', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'journal-trim-'));
  const journal = Journal.open(join(dir, 'j.db'));
  try {
    const seqs = Array.from({ length: 30 }, (_, i) => journal.append('a', 'consumer', 'E', { i }).seq);
    journal.append('b', 'consumer', 'E', {});
    // The snapshot covers the first 20; keep 5: the 10 after the snapshot must stay anyway.
    const removed = journal.trim('a', seqs[19]!, 5);
    const left = journal.read({ actorId: 'a' }).map((e) => (e.payload as { i: number }).i);
    assert.equal(removed, 20);
    assert.deepEqual(left, [20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    journal.trim('a', seqs[29]!, 5);
    assert.deepEqual(
      journal.read({ actorId: 'a' }).map((e) => (e.payload as { i: number }).i),
      [25, 26, 27, 28, 29],
      'all covered by the snapshot: the newest five',
    );
    // With a snapshot further back, events after it stay even beyond `keep`.
    Array.from({ length: 10 }, (_, i) => journal.append('a', 'consumer', 'E', { i: 30 + i }));
    journal.trim('a', seqs[26]!, 2);
    assert.deepEqual(
      journal.read({ actorId: 'a' }).map((e) => (e.payload as { i: number }).i),
      [27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39],
      'events after the snapshot stay beyond `keep`',
    );
    assert.equal(journal.read({ actorId: 'b' }).length, 1, 'other actors untouched');
  } finally {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
