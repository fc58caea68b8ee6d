/**
 * Lost history is told, not silent. Ten consumer instances are created in a proxy process, the
 * process is SIGKILLed (so the journal's latest events are in its -wal file), and the -wal file is
 * deleted or garbled before the next start: SQLite then drops what it held without a word. The
 * proxy starts anyway with what is left, logs one error line saying what was lost and what to do,
 * and reports the loss in kafka_rest_journal_lost_events. A plain SIGKILL and restart reports nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createConsumer } from '../helpers/consumer.ts';
import { kill, logLines, metric, startJournalProxy, type JournalProxy } from '../helpers/journal-processes.ts';
import { call } from '../helpers/proxy.ts';

const INSTANCES = 10;
let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-rest-journal-damage-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function createInstances(proxy: JournalProxy, group: string): Promise<void> {
  for (let i = 0; i < INSTANCES; i++) await createConsumer(proxy.url, group, { name: `c${i}` });
}

async function instancesFound(proxy: JournalProxy, group: string): Promise<number> {
  let found = 0;
  for (let i = 0; i < INSTANCES; i++) if ((await call(`${proxy.url}/consumers/${group}/instances/c${i}/subscription`)).status === 200) found++;
  return found;
}

const lossLines = (proxy: JournalProxy) => logLines(proxy.output()).filter((l) => /^the journal lost its last/.test(l.msg));

for (const damage of ['deleted', 'garbled'] as const) {
  test(`a ${damage} -wal file after a crash is reported at the next start, and the proxy starts with what is left`, async () => {
    const journal = join(dir, `${damage}.db`);
    const group = `damage-${damage}`;
    let proxy = await startJournalProxy(dir, journal);
    try {
      await createInstances(proxy, group);
      await kill(proxy);

      // Control: a crash alone loses nothing, and nothing is reported.
      proxy = await startJournalProxy(dir, journal);
      assert.equal(await instancesFound(proxy, group), INSTANCES);
      assert.deepEqual(lossLines(proxy), [], proxy.output());
      assert.equal(await metric(proxy.managementUrl, 'kafka_rest_journal_lost_events'), 0);
      await kill(proxy);

      const wal = `${journal}-wal`;
      assert.ok(existsSync(wal) && statSync(wal).size > 0, 'after SIGKILL the latest events are in the -wal file');
      if (damage === 'deleted') rmSync(wal);
      else writeFileSync(wal, randomBytes(statSync(wal).size));

      proxy = await startJournalProxy(dir, journal);
      const lines = lossLines(proxy);
      assert.equal(lines.length, 1, proxy.output());
      const [line] = lines;
      assert.equal(line!.level, 50, 'error');
      const lost = line!.lostEvents as number;
      assert.ok(lost >= INSTANCES, `at least the ${INSTANCES} creations are lost: ${lost}`);
      assert.equal(line!.recoveredInstances, await instancesFound(proxy, group));
      assert.match(line!.msg, /-wal file was deleted or damaged/);
      assert.match(line!.msg, /clients get 40403 and must create them again/);
      assert.equal(await metric(proxy.managementUrl, 'kafka_rest_journal_lost_events'), lost);
      // It goes on: a new instance can be created and found.
      await createConsumer(proxy.url, group, { name: 'after' });
      assert.equal((await call(`${proxy.url}/consumers/${group}/instances/after/subscription`)).status, 200);
      await kill(proxy);

      // Told once: the next start does not report the same loss again.
      proxy = await startJournalProxy(dir, journal);
      assert.deepEqual(lossLines(proxy), [], proxy.output());
      assert.equal(await metric(proxy.managementUrl, 'kafka_rest_journal_lost_events'), 0);
      assert.equal((await call(`${proxy.url}/consumers/${group}/instances/after/subscription`)).status, 200);
    } finally {
      await kill(proxy);
    }
  });
}
