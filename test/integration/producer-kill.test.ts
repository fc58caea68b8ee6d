/**
 * A broker killed (SIGKILL) or stopped (SIGTERM) in the middle of a produce load, then started
 * again on the same data: clients that retry their failed records, as real clients do, end up
 * with every record acknowledged, and a native consumer finds each record exactly once, at the
 * offset it was acknowledged with. A batch the broker wrote just before it died is sent again by
 * the same idempotent producer, which the broker recognises: it is neither written twice nor
 * failed (which would make the client write it again). Each record carries a unique id and its
 * attempt number.
 */
import assert from 'node:assert/strict';
import { after, before, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { b64 } from '../helpers/consumer.ts';
import { startOwnBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { readTopic } from '../helpers/topic-contents.ts';

const RECORDS = 30_000;
const PER_REQUEST = 100;
const CLIENTS = 8;
const PARTITIONS = 3;
/** A record's value: its id and attempt, padded like a small real payload. */
const valueOf = (id: number, attempt: number) => `${id}:${attempt}:`.padEnd(64, '.');

let own: OwnBroker;
let proxy: TestProxy;

before(async () => {
  own = await startOwnBroker('producer-kill');
  proxy = await startTestProxy({
    'bootstrap.servers': own.broker.bootstrapServers,
    'producer.pool.size': '4',
    'producer.max.block.ms': '10000',
  });
});
after(async () => {
  await proxy?.close();
  await own?.remove();
});

interface Acknowledged {
  partition: number;
  offset: number;
}

/**
 * Produces RECORDS records with CLIENTS concurrent clients, calling `outage` each time another
 * 1/(outages + 1) of them are acknowledged (one outage at a time). A record that fails (per-record error, or the whole request) is sent again as
 * its next attempt after a short pause. Resolves with every acknowledged value and where it went.
 */
async function produceThrough(topic: string, outages: number, outage: () => Promise<void>): Promise<{ acknowledged: Map<string, Acknowledged>; failedAttempts: number }> {
  const queue: Array<{ id: number; attempt: number }> = Array.from({ length: RECORDS }, (_, id) => ({ id, attempt: 0 }));
  const acknowledged = new Map<string, Acknowledged>();
  let failedAttempts = 0;
  let outagesDone = 0;
  let outageDone: Promise<void> = Promise.resolve();
  let inOutage = false;
  const client = async () => {
    while (acknowledged.size < RECORDS) {
      const batch = queue.splice(0, PER_REQUEST);
      if (batch.length === 0) {
        await sleep(50); // others still have records in flight that may come back for a retry
        continue;
      }
      let offsets: Array<{ partition: number | null; offset: number | null; error_code: number | null }> | null = null;
      try {
        const reply = await produce(proxy, `/topics/${topic}`, { records: batch.map((r) => ({ value: b64(valueOf(r.id, r.attempt)) })) });
        if (reply.status === 200) offsets = reply.body.offsets;
      } catch {
        // the request itself failed: every record of it is retried
      }
      const retry: typeof batch = [];
      batch.forEach((r, i) => {
        const result = offsets?.[i];
        if (result && result.error_code === null) acknowledged.set(valueOf(r.id, r.attempt), { partition: result.partition!, offset: result.offset! });
        else retry.push({ id: r.id, attempt: r.attempt + 1 });
      });
      if (retry.length > 0) {
        failedAttempts += retry.length;
        queue.push(...retry);
        await sleep(200);
      }
      if (!inOutage && outagesDone < outages && acknowledged.size >= ((outagesDone + 1) * RECORDS) / (outages + 1)) {
        inOutage = true;
        outageDone = outage().finally(() => {
          outagesDone += 1;
          inOutage = false;
        });
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  await outageDone;
  return { acknowledged, failedAttempts };
}

async function checkExactlyOnce(t: TestContext, topic: string, acknowledged: Map<string, Acknowledged>, failedAttempts: number): Promise<void> {
  const stored = await readTopic(own.broker.bootstrapServers, topic);
  const copiesOfId = new Map<string, number>();
  const at = new Map<string, string | null>();
  for (const record of stored) {
    const id = record.value!.split(':')[0]!;
    copiesOfId.set(id, (copiesOfId.get(id) ?? 0) + 1);
    at.set(`${record.partition}:${record.offset}`, record.value);
  }
  const ids = new Set([...acknowledged.keys()].map((value) => value.split(':')[0]!));
  const duplicated = [...copiesOfId].filter(([, copies]) => copies > 1).map(([id]) => id);
  const misplaced = [...acknowledged].filter(([value, { partition, offset }]) => at.get(`${partition}:${offset}`) !== value);
  t.diagnostic(`${acknowledged.size} acknowledged, ${stored.length} stored, ${failedAttempts} failed attempts retried by the clients`);
  assert.equal(ids.size, RECORDS, 'every record was acknowledged');
  // A failed attempt the broker wrote anyway would show up here too: the client's retry wrote it again.
  assert.deepEqual(duplicated.slice(0, 10), [], `${duplicated.length} records are stored more than once`);
  assert.deepEqual(misplaced.slice(0, 10), [], `${misplaced.length} acknowledged records are not (or not only) at their offset`);
  assert.equal(stored.length, RECORDS, 'nothing else is stored');
}

test('SIGKILL of the broker mid-load, twice: every acknowledged record is stored exactly once', async (t) => {
  const topic = await createTopic(uniqueTopic('killed'), PARTITIONS, own.broker.bootstrapServers);
  const { acknowledged, failedAttempts } = await produceThrough(topic, 2, async () => {
    process.kill(own.broker.pid!, 'SIGKILL');
    await own.broker.stop(); // reaps the killed process
    await own.broker.resume();
  });
  await checkExactlyOnce(t, topic, acknowledged, failedAttempts);
});

test('SIGTERM of the broker mid-load: every acknowledged record is stored exactly once', async (t) => {
  const topic = await createTopic(uniqueTopic('stopped'), PARTITIONS, own.broker.bootstrapServers);
  const { acknowledged, failedAttempts } = await produceThrough(topic, 1, async () => {
    await own.broker.stop();
    await own.broker.resume();
  });
  await checkExactlyOnce(t, topic, acknowledged, failedAttempts);
});
