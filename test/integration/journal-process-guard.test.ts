/**
 * The process guard main.ts installs: a storage error no handler caught (here a real
 * SQLITE_READONLY, thrown from a timer and as a rejected promise) is logged once, counted, and
 * the process keeps running; any other uncaught error is logged as fatal and the process exits 1
 * for its supervisor to restart it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { logLines } from '../helpers/journal-processes.ts';

test('an uncaught storage error leaves the process running; an uncaught bug ends it with exit code 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-process-guard-'));
  try {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/guarded-process.ts', join(dir, 'store.db')], { encoding: 'utf8', timeout: 60_000 });
    const output = `${run.stdout}${run.stderr}`;
    const lines = logLines(run.stdout);
    const storage = lines.filter((l) => l.msg.startsWith('storage error no handler caught (SQLITE_READONLY); the proxy keeps running'));
    assert.equal(storage.length, 1, `logged once for two errors:\n${output}`);
    assert.equal(storage[0]!.level, 50);
    assert.equal(storage[0]!.origin, 'uncaughtException');
    const alive = lines.find((l) => l.msg === 'still running');
    assert.deepEqual(alive?.counts, { storage: 2, other: 0 }, output);
    const fatal = lines.filter((l) => l.level === 60);
    assert.equal(fatal.length, 1, output);
    assert.match(fatal[0]!.msg, /^unexpected error no handler caught: exiting \(1\)/);
    assert.equal((fatal[0]!.err as { message: string }).message, 'a bug');
    assert.deepEqual(
      lines.map((l) => l.msg.split(' ')[0]),
      ['storage', 'still', 'unexpected'],
      'in this order',
    );
    assert.equal(run.status, 1, output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
