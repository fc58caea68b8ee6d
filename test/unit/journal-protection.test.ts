/**
 * The journal protects itself: one holder at a time (a lock released with its holder), lost
 * history found at open (the high-water mark), and storage failures as 503/50303 that are told once
 * and recover. Real SQLite files in a temporary directory; SQLITE_FULL comes from SQLite itself
 * (`PRAGMA max_page_count` on the journal's own connection).
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Journal } from '../../src/journal/journal.ts';
import { isStorageError, JournalLockedError, JournalUnavailableError, storageHint } from '../../src/journal/journal-errors.ts';

const root = mkdtempSync(join(tmpdir(), 'kafka-rest-journal-protection-'));
after(() => rmSync(root, { recursive: true, force: true }));
let cases = 0;
const freshPath = () => join(root, `case-${++cases}`, 'journal.db');

/** Fills the journal until SQLite refuses an append for want of pages; returns the error. */
function fillUp(journal: Journal): unknown {
  const db = journal.database;
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  for (let i = 0; i < 10_000; i++) {
    try {
      journal.append('filler', 'test', 'Filled', { pad: 'x'.repeat(200) });
    } catch (error) {
      return error;
    }
  }
  throw new Error('the journal never filled up');
}

test('a second open of the same journal is refused, naming the holder; closing releases it', () => {
  const path = freshPath();
  const first = Journal.open(path);
  try {
    assert.throws(
      () => Journal.open(path),
      (error: unknown) => {
        assert.ok(error instanceof JournalLockedError);
        assert.equal(error.path, path);
        assert.equal(error.holder?.pid, process.pid);
        assert.equal(error.holder?.host, hostname());
        assert.ok(!Number.isNaN(Date.parse(error.holder!.since)));
        assert.match(error.message, new RegExp(`in use by another kafka-rest process \\(pid ${process.pid} on host `));
        return true;
      },
    );
  } finally {
    first.close();
  }
  const second = Journal.open(path);
  second.append('a1', 'test', 'Opened', {});
  second.close();
});

test('in-memory journals take no lock', () => {
  const a = Journal.open(':memory:');
  const b = Journal.open(':memory:');
  a.close();
  b.close();
});

test('an open that fails for another reason releases the lock', () => {
  const path = freshPath();
  const journal = Journal.open(path);
  journal.database.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
  journal.close();
  for (let i = 0; i < 2; i++) assert.throws(() => Journal.open(path), /journal schema version 999 is newer/);
});

test('normal restarts report no damage; the high-water mark file follows the last sequence number', () => {
  const path = freshPath();
  let journal = Journal.open(path);
  assert.equal(journal.damage, null, 'a fresh journal');
  for (let i = 0; i < 4; i++) journal.append('a1', 'test', 'E', { i });
  assert.equal(readFileSync(`${path}-seq`, 'latin1').trim(), '00000000000000000004');
  journal.close();
  journal = Journal.open(path);
  assert.equal(journal.damage, null);
  journal.close();
  // A journal from before high-water marks: nothing to compare with, so nothing is reported.
  rmSync(`${path}-seq`);
  journal = Journal.open(path);
  assert.equal(journal.damage, null);
  journal.close();
  assert.equal(readFileSync(`${path}-seq`, 'latin1').trim(), '00000000000000000004');
});

test('an older database put back is reported as lost events, once; sequence numbers stay unique', () => {
  const path = freshPath();
  let journal = Journal.open(path);
  for (let i = 0; i < 3; i++) journal.append('a1', 'test', 'Kept', { i });
  journal.close();
  copyFileSync(path, `${path}.old`);
  journal = Journal.open(path);
  for (let i = 0; i < 5; i++) journal.append('a1', 'test', 'Lost', { i });
  journal.close();
  copyFileSync(`${path}.old`, path);
  assert.equal(existsSync(`${path}-wal`), false, 'a clean close leaves no -wal file');

  journal = Journal.open(path);
  assert.deepEqual(journal.damage, { expectedSeq: 8, foundSeq: 3, lostEvents: 5 });
  assert.deepEqual(
    journal.read().map((e) => e.type),
    ['Kept', 'Kept', 'Kept'],
  );
  assert.equal(journal.append('a1', 'test', 'After', {}).seq, 9, 'no sequence number is handed out twice');
  journal.close();
  journal = Journal.open(path);
  assert.equal(journal.damage, null, 'the same loss is not reported again');
  journal.close();
});

test('a full journal: 503/50303 with the SQLite reason, said once, readiness false, and both recover', () => {
  const journal = Journal.open(freshPath());
  const failures: Array<{ code: string; first: boolean }> = [];
  let recoveries = 0;
  journal.onWriteFailure = (error, first) => failures.push({ code: error.code, first });
  journal.onWriteRecovered = () => recoveries++;
  try {
    assert.equal(journal.writable(), true);
    const error = fillUp(journal);
    assert.ok(error instanceof JournalUnavailableError, String(error));
    assert.equal(error.code, 'SQLITE_FULL');
    assert.equal(error.status, 503);
    assert.deepEqual(error.toJSON(), {
      error_code: 50303,
      message: 'Service unavailable: the proxy cannot write its journal (database or disk is full); retry later.',
    });
    assert.match(error.hint, /^free disk space at /);
    assert.ok(journal.failure, 'the journal knows it is failing');
    assert.throws(() => journal.writeSnapshot('filler', 'test', 1, { pad: 'y'.repeat(5000) }), JournalUnavailableError);
    assert.equal(journal.writable(), false, 'readiness asks for a real write');
    assert.deepEqual(failures, [
      { code: 'SQLITE_FULL', first: true },
      { code: 'SQLITE_FULL', first: false },
      { code: 'SQLITE_FULL', first: false },
    ]);
    assert.equal(recoveries, 0);

    journal.database.pragma('max_page_count = 1073741823');
    assert.equal(journal.writable(), true);
    assert.equal(recoveries, 1);
    assert.equal(journal.failure, null);
    journal.append('a1', 'test', 'Again', {});
    assert.equal(recoveries, 1, 'told once');
  } finally {
    journal.close();
  }
});

test('storage errors are told apart from statement errors, each with what to do', () => {
  for (const code of ['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_CANTOPEN', 'SQLITE_CORRUPT', 'ENOSPC', 'EIO']) {
    assert.equal(isStorageError({ code }), true, code);
  }
  for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', 'SQLITE_FULLX', 'ECONNREFUSED', undefined]) {
    assert.equal(isStorageError({ code }), false, String(code));
  }
  assert.equal(isStorageError(new TypeError('x')), false);
  assert.equal(storageHint('SQLITE_FULL', '/var/lib/kr/journal.db'), 'free disk space at /var/lib/kr');
  assert.match(storageHint('SQLITE_READONLY_DBMOVED', '/var/lib/kr/journal.db'), /moved or deleted/);
  assert.match(storageHint('SQLITE_READONLY', '/var/lib/kr/journal.db'), /writable/);
  assert.match(storageHint('SQLITE_IOERR_FSYNC', '/var/lib/kr/journal.db'), /check the disk holding \/var\/lib\/kr/);
});
