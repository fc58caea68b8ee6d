/**
 * Group members the proxy stops never hold their group up. kafkajs sends no LeaveGroup for a
 * member stopped while its join is in progress, so the coordinator kept it until its session
 * expired, and every rebalance of the group (the instance resuming in the next process included)
 * waited that long.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { createConsumer, post, readUntil, text } from '../helpers/consumer.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

// Sessions and rebalances this long turn a member left behind into a stall of minutes.
const LONG_SESSIONS = { 'consumer.session.timeout.ms': '300000', 'consumer.max.poll.interval.ms': '300000' };

test('an instance stopped mid-join does not hold up its group for the next process', async () => {
  const topic = await createTopic(uniqueTopic('mid-join'), 2);
  const group = uniqueTopic('mid-join-group');
  const kafka = nativeKafka();
  const admin = kafka.admin();
  await admin.connect();
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-mid-join-'));
  // Rare heartbeats: a joined member hears of a rebalance late, which keeps a new member's join
  // waiting in PreparingRebalance long enough to stop the proxy in the middle of it.
  const settings = { ...LONG_SESSIONS, 'consumer.heartbeat.interval.ms': '10000', 'journal.path': join(dir, 'journal.db') };
  let second: TestProxy | null = null;
  const first = await startTestProxy(settings);
  try {
    const bases: string[] = [];
    for (const name of ['a', 'b']) {
      const base = await createConsumer(first.url, group, { name, 'auto.offset.reset': 'earliest' });
      assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
      bases.push(base);
      if (name === 'a') await untilGroupIs(admin, group, 'Stable');
    }
    await untilGroupIs(admin, group, 'PreparingRebalance'); // b is joining
    await first.close();

    second = await startTestProxy({ ...settings, listeners: new URL(bases[0]!).origin });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [0, 1].map((partition) => ({ value: `p${partition}`, partition })) });
    await producer.disconnect();
    // Well short of the 300 s a member left behind would hold each rebalance up for.
    const got: string[] = [];
    const deadline = Date.now() + 120_000;
    while (got.length < 2 && Date.now() < deadline) {
      for (const base of bases) got.push(...(await readUntil(base, 1, 500)).map((r) => text(r.value)!));
    }
    assert.deepEqual(got.sort(), ['p0', 'p1']);
  } finally {
    await admin.disconnect();
    await second?.close();
    await first.close(); // a second close is a no-op
    rmSync(dir, { recursive: true, force: true });
  }
});

async function untilGroupIs(admin: Admin, group: string, state: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await admin.describeGroups([group])).groups[0]!.state !== state) {
    assert.ok(Date.now() < deadline, `group ${group} never reached ${state}`);
    await sleep(50);
  }
}
