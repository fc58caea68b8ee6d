/**
 * One proxy per journal. A second process on the same `journal.path` refuses to start with one
 * line naming the holder, and startProxy throws JournalLockedError; the holder is untouched. The
 * lock goes with its holder, even by SIGKILL: the next process starts on the same journal and
 * brings its consumer instances back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { JournalLockedError } from '../../src/journal/journal-errors.ts';
import { bootstrapServers, createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { createConsumer, post } from '../helpers/consumer.ts';
import { kill, logLines, runExpectingRefusal, startJournalProxy } from '../helpers/journal-processes.ts';
import { call, startTestProxy } from '../helpers/proxy.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-rest-journal-lock-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a second proxy on a journal in use refuses to start and names the holder; after SIGKILL of the holder the journal is free again', async () => {
  const topic = await createTopic(uniqueTopic('journal-lock'), 1);
  const journal = join(dir, 'journal.db');
  const holder = await startJournalProxy(dir, journal);
  let holderKilled = false;
  try {
    const bases = [];
    for (const name of ['first', 'second']) bases.push(await createConsumer(holder.url, 'lock-group', { name }));
    assert.equal((await post(`${bases[0]}/subscription`, { topics: [topic] })).status, 204);

    // A second process, configured through the environment, on the same journal.
    const refused = await runExpectingRefusal({
      'bootstrap.servers': bootstrapServers(),
      'journal.path': journal,
      listeners: 'http://127.0.0.1:0',
      'management.listeners': 'http://127.0.0.1:0',
      'schema.registry.listeners': 'http://127.0.0.1:0',
      'log.level': 'info',
    });
    assert.equal(refused.started, false, `the second proxy started on a journal in use:\n${refused.output}`);
    assert.equal(refused.code, 1, refused.output);
    const lines = logLines(refused.output).filter((l) => /in use by another kafka-rest process/.test(l.msg));
    assert.equal(lines.length, 1, refused.output);
    const [line] = lines;
    assert.equal(line!.level, 60, 'fatal');
    assert.match(line!.msg, new RegExp(`^journal ${journal} is in use by another kafka-rest process \\(pid ${holder.child.pid} on host ${hostname()}, since \\d{4}-\\d\\d-\\d\\dT`));
    assert.match(line!.msg, /stop that process, or give this one its own journal\.path/);

    // In-process, startProxy says the same with a typed error.
    await assert.rejects(startTestProxy({ 'journal.path': journal }), (error: unknown) => {
      assert.ok(error instanceof JournalLockedError, String(error));
      assert.equal(error.holder?.pid, holder.child.pid);
      return true;
    });

    // The holder is untouched and still serves its instances.
    assert.deepEqual((await call(`${bases[0]}/subscription`)).body, { topics: [topic] });
    assert.equal((await call(`${bases[1]}/subscription`)).status, 200);

    await kill(holder);
    holderKilled = true;
    const next = await startJournalProxy(dir, journal);
    try {
      const resumed = logLines(next.output()).find((l) => l.msg.startsWith('consumer instances from the journal:'));
      assert.deepEqual([resumed?.recovered, resumed?.expired], [2, 0], next.output());
      assert.equal(resumed?.msg, 'consumer instances from the journal: 2 resumed, 0 expired while the proxy was down');
      const at = (name: string) => `${next.url}/consumers/lock-group/instances/${name}`;
      assert.deepEqual((await call(`${at('first')}/subscription`)).body, { topics: [topic] });
      assert.equal((await call(`${at('second')}/subscription`)).status, 200);
    } finally {
      await kill(next);
    }
  } finally {
    if (!holderKilled) await kill(holder);
  }
});
