/**
 * The proxy as a process: it refuses a bad configuration with a message naming the key, and on
 * SIGTERM it stops accepting, finishes the produce requests in flight, closes its producers and
 * journal, and exits 0.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Journal } from '../../src/journal/journal.ts';
import { bootstrapServers, createTopic, readRecords, uniqueTopic } from '../helpers/cluster.ts';
import { spawnProxy } from '../helpers/process.ts';
import { produce } from '../helpers/proxy.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-rest-lifecycle-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('a bad configuration stops start-up with the offending keys named', () => {
  const file = join(dir, 'bad.properties');
  writeFileSync(file, 'bootstrap.servers=127.0.0.1:9092\nproducer.pool.size=lots\nno.such.key=1\n');
  const run = spawnSync(process.execPath, ['bin/kafka-rest-start.js', file], {
    encoding: 'utf8',
    env: { ...process.env, KAFKA_REST_COMPRESSION_TYPE: 'brotli' },
    timeout: 30_000,
  });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /producer\.pool\.size/);
  assert.match(run.stderr, /lots/);
  assert.match(run.stderr, /no\.such\.key/);
  assert.match(run.stderr, /compression\.type/);
  assert.match(run.stderr, /brotli/);
});

test('SIGTERM finishes in-flight produce requests, stops the slots and exits 0', async () => {
  const topic = await createTopic(uniqueTopic('shutdown'), 1);
  const journalPath = join(dir, 'journal.db');
  // A long linger keeps the records inside the proxy when the signal arrives.
  const proxy = await spawnProxy(dir, {
    'bootstrap.servers': bootstrapServers(),
    'journal.path': journalPath,
    'producer.linger.ms': '1500',
    'producer.pool.size': '2',
  });
  const inFlight = Array.from({ length: 10 }, (_, i) =>
    produce(proxy, `/topics/${topic}`, { records: [{ value: Buffer.from(`r${i}`).toString('base64') }] }),
  );
  await new Promise((r) => setTimeout(r, 300));
  proxy.child.kill('SIGTERM');
  const replies = await Promise.all(inFlight);
  for (const reply of replies) {
    assert.equal(reply.status, 200);
    assert.equal(reply.body.offsets[0].error_code, null);
  }
  const { code } = await proxy.exited;
  assert.equal(code, 0, proxy.output());
  assert.match(proxy.output(), /shutting down/);
  await assert.rejects(fetch(`${proxy.url}/`), 'no longer listening');

  const records = await readRecords(topic, 10);
  assert.deepEqual(records.map((r) => r.value?.toString()).sort(), Array.from({ length: 10 }, (_, i) => `r${i}`).sort());

  const journal = Journal.open(journalPath);
  try {
    const events = journal.read({ actorType: 'producer-slot' });
    for (const slot of ['producer-slot-0', 'producer-slot-1']) {
      assert.deepEqual(
        events.filter((e) => e.actorId === slot).map((e) => e.type),
        ['SlotConnecting', 'SlotReady', 'SlotDraining', 'SlotStopped'],
        slot,
      );
    }
  } finally {
    journal.close();
  }
});
