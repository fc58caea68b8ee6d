/**
 * A journal that cannot be written. The failure is a real SQLITE_FULL from SQLite, made by capping
 * the proxy's own connection with `PRAGMA max_page_count` (a full disk cannot be mounted in CI):
 * journaled requests answer 503 with the error envelope, readiness does a real write and says
 * `journal: false`, operators are told once what to do and every failure is counted; when space
 * comes back, writes and readiness recover on their own. A write failing in a records response's
 * 'finish' listener leaves the proxy serving, and a live instance goes on reading from memory until
 * the journal catches up with a snapshot.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldSession } from '../../src/actors/consumer/recovery.ts';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { createConsumer, post, readUntil, records } from '../helpers/consumer.ts';
import { metric } from '../helpers/journal-processes.ts';
import { startLoggedProxy, type LoggedProxy } from '../helpers/logged-proxy.ts';
import { call, V2 } from '../helpers/proxy.ts';

const FULL_ERRORS = 'kafka_rest_journal_write_errors_total{code="SQLITE_FULL"}';
const FULL_MESSAGE = 'Service unavailable: the proxy cannot write its journal (database or disk is full); retry later.';

/** No room for another page in the journal's database: the next append that needs one fails. */
function capJournal(proxy: LoggedProxy): void {
  const db = proxy.journal.database;
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
}

function uncapJournal(proxy: LoggedProxy): void {
  proxy.journal.database.pragma('max_page_count = 1073741823');
}

const createInstance = (proxy: LoggedProxy, group: string, name: string) =>
  call(`${proxy.url}/consumers/${group}`, { method: 'POST', headers: { 'Content-Type': V2 }, body: { name } });

const toldFull = (proxy: LoggedProxy) => proxy.lines.filter((l) => l.msg.startsWith('the journal cannot be written (SQLITE_FULL)'));
const toldRecovered = (proxy: LoggedProxy) => proxy.lines.filter((l) => l.msg === 'the journal can be written again');

async function produceValues(topic: string, values: string[]): Promise<void> {
  const producer = nativeKafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ value })) });
  await producer.disconnect();
}

test('a full journal: 503/50303 instead of a bare 500, readiness journal: false, told once and counted; both recover when space comes back', async () => {
  const proxy = await startLoggedProxy();
  const management = proxy.managementUrls[0]!;
  try {
    assert.equal((await call(`${proxy.url}/health/ready`)).status, 200);
    await createConsumer(proxy.url, 'full-group', { name: 'before' });

    capJournal(proxy);
    let refused;
    for (let i = 0; i < 2_000 && !refused; i++) {
      const reply = await createInstance(proxy, 'full-group', `filler-${i}`);
      if (reply.status !== 200) refused = reply;
    }
    assert.ok(refused, 'the journal filled up');
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.match(refused.type ?? '', /json/);
    assert.deepEqual(refused.body, { error_code: 50303, message: FULL_MESSAGE });
    const again = await createInstance(proxy, 'full-group', 'later');
    assert.deepEqual([again.status, again.body], [503, { error_code: 50303, message: FULL_MESSAGE }]);

    for (const url of [proxy.url, management]) {
      const ready = await call(`${url}/health/ready`);
      assert.equal(ready.status, 503, url);
      assert.deepEqual(ready.body, { status: 'unready', checks: { broker: true, journal: false } });
    }
    assert.ok((await metric(management, FULL_ERRORS))! >= 4, 'two creations and two readiness probes');
    const told = toldFull(proxy);
    assert.equal(told.length, 1, 'told once, however many writes fail');
    assert.equal(told[0]!.level, 50);
    assert.match(told[0]!.msg, new RegExp(`: free disk space at ${proxy.dir}\\. Until then, requests that change consumer instances answer 503`));
    assert.equal(toldRecovered(proxy).length, 0);

    uncapJournal(proxy);
    const ready = await call(`${proxy.url}/health/ready`);
    assert.deepEqual([ready.status, ready.body], [200, { status: 'ready', checks: { broker: true, journal: true } }]);
    assert.equal(toldRecovered(proxy).length, 1);
    assert.equal((await createInstance(proxy, 'full-group', 'later')).status, 200);
    assert.equal((await call(`${proxy.url}/consumers/full-group/instances/later/subscription`)).status, 200);
    assert.equal(toldFull(proxy).length, 1, 'nothing more said');
  } finally {
    uncapJournal(proxy);
    await proxy.close();
  }
});

test('a journal write failing in the finish listener of a records response leaves the proxy serving', async () => {
  const topic = await createTopic(uniqueTopic('journal-full'), 1);
  await produceValues(topic, ['a', 'b', 'c']);
  const proxy = await startLoggedProxy({ 'consumer.request.timeout.ms': '1000' });
  const management = proxy.managementUrls[0]!;
  try {
    const base = await createConsumer(proxy.url, 'finish-group', { name: 'reader', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    // Assigned, not subscribed: a subscribed instance whose actor fails leaves its group member connected,
    // which would keep this process from ending.
    assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);
    assert.equal((await readUntil(base, 3)).length, 3);
    await produceValues(topic, ['d', 'e', 'f']);

    // Full: what the reader delivers next is journaled (Delivered) only once its response is out.
    capJournal(proxy);
    assert.throws(() => {
      for (;;) proxy.journal.append('filler', 'test', 'Filled', { pad: 'x'.repeat(200) });
    });
    const failuresBefore = (await metric(management, FULL_ERRORS))!;
    let delivered: unknown[] = [];
    for (let attempt = 0; attempt < 20 && delivered.length === 0; attempt++) {
      const reply = await records(base, 'timeout=1000');
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      delivered = reply.body;
    }
    assert.ok(delivered.length > 0, 'the records response went out');

    // The acknowledgement's journal write fails after the response: counted, and the proxy goes on.
    const deadline = Date.now() + 30_000;
    while ((await metric(management, FULL_ERRORS))! === failuresBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok((await metric(management, FULL_ERRORS))! > failuresBefore, 'the failed write in the finish listener is counted');
    assert.equal((await call(`${proxy.url}/health/live`)).status, 200);
    assert.equal((await call(`${proxy.url}/topics`, { headers: { Accept: V2 } })).status, 200);
    assert.equal((await createInstance(proxy, 'finish-group', 'while-full')).status, 503);
    assert.equal(toldFull(proxy).length, 1);

    uncapJournal(proxy);
    assert.equal((await call(`${proxy.url}/health/ready`)).status, 200);
    assert.equal((await createInstance(proxy, 'finish-group', 'after')).status, 200);
  } finally {
    uncapJournal(proxy);
    await proxy.close();
  }
});

test('a live instance goes on reading while the journal is full, and the journal catches up once it can be written', async () => {
  const topic = await createTopic(uniqueTopic('journal-behind'), 1);
  await produceValues(topic, ['a', 'b', 'c']);
  const proxy = await startLoggedProxy();
  try {
    const base = await createConsumer(proxy.url, 'behind-group', { name: 'reader', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
    assert.equal((await readUntil(base, 3)).length, 3);
    const actorId = proxy.consumers.get('behind-group', 'reader').actorId;

    capJournal(proxy);
    assert.throws(() => {
      for (;;) proxy.journal.append('filler', 'test', 'Filled', { pad: 'x'.repeat(200) });
    });
    await produceValues(topic, ['d', 'e', 'f']);
    const whileFull = await readUntil(base, 3);
    assert.deepEqual(whileFull.map((r) => r.offset), [3, 4, 5], 'served from memory, in order, nothing skipped');
    assert.equal((await records(base, 'timeout=200')).status, 200, 'the instance is still alive');
    const live = () => {
      const { value, context } = proxy.consumers.get('behind-group', 'reader').context.session;
      return { value, context };
    };
    const journaled = () => {
      const { value, context } = foldSession(proxy.journal, actorId)!;
      return { value, context };
    };
    assert.notDeepEqual(journaled(), live(), 'the journal fell behind');

    uncapJournal(proxy);
    await produceValues(topic, ['g']);
    assert.deepEqual((await readUntil(base, 1)).map((r) => r.offset), [6]);
    // The acknowledgement of that read is journaled just after its response: give it a moment.
    const deadline = Date.now() + 10_000;
    while (JSON.stringify(journaled()) !== JSON.stringify(live()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(journaled(), live(), 'what a restart would recover is the live session');
  } finally {
    uncapJournal(proxy);
    await proxy.close();
  }
});
