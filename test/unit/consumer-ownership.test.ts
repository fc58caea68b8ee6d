import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { mayUse } from '../../src/actors/consumer/ownership.ts';
import { foldSession } from '../../src/actors/consumer/recovery.ts';
import type { SessionInput } from '../../src/actors/consumer/session-machine.ts';
import { Journal } from '../../src/journal/journal.ts';

describe('consumer instance ownership', () => {
  test('an owned instance answers only to its owner', () => {
    assert.equal(mayUse('alice', 'alice'), true);
    assert.equal(mayUse('alice', 'bob'), false);
    assert.equal(mayUse('alice', undefined), false, 'an unauthenticated caller does not reach an owned instance');
    // Names are compared exactly: no case folding, no trimming.
    assert.equal(mayUse('alice', 'Alice'), false);
    assert.equal(mayUse('alice', 'alice '), false);
    assert.equal(mayUse('CN=alice', 'alice'), false);
  });

  test('an instance created without a principal is anyone\'s, as without authentication', () => {
    assert.equal(mayUse(undefined, undefined), true);
    assert.equal(mayUse(undefined, 'bob'), true);
  });
});

describe('the owner in the journal', () => {
  let dir: string;
  let journal: Journal;
  const input = (owner?: string): SessionInput => ({
    group: 'g1',
    name: 'c1',
    config: { format: 'binary', autoOffsetReset: 'earliest', autoCommit: false, fetchMinBytes: null, requestTimeoutMs: null },
    at: 1_700_000_000_000,
    ...(owner !== undefined && { owner }),
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kafka-rest-consumer-ownership-'));
    journal = Journal.open(join(dir, 'journal.db'));
  });
  afterEach(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the owner survives the fold, whatever happened to the instance since', () => {
    journal.append('a1', 'consumer', 'Created', input('alice'));
    journal.append('a1', 'consumer', 'Subscribed', { subscription: { topics: ['t'] }, at: 1_700_000_000_001 });
    journal.append('a1', 'consumer', 'Unsubscribed', { at: 1_700_000_000_002 });
    const session = foldSession(journal, 'a1');
    assert.equal(session?.context.owner, 'alice');
  });

  test('an unowned instance is journaled and recovered without an owner field', () => {
    journal.append('a1', 'consumer', 'Created', input());
    const [created] = journal.read({ actorId: 'a1' });
    assert.equal(Object.hasOwn(created!.payload as object, 'owner'), false);
    const session = foldSession(journal, 'a1');
    assert.equal(session?.context.owner, undefined);
    assert.equal(mayUse(session?.context.owner, 'bob'), true);
  });
});
