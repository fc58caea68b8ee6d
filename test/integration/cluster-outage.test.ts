/**
 * A proxy cluster on a broker of its own that is stopped under a reading client and started
 * again: the members come back into their group, take their sessions back from the sessions
 * topic, and the instance goes on from the last response its client received (only that one may
 * come again), with nothing skipped.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, records, text } from '../helpers/consumer.ts';
import { startOwnBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

let own: OwnBroker;
const members: TestProxy[] = [];

before(async () => {
  own = await startOwnBroker('cluster-outage', { autoCreateTopics: false });
});
after(async () => {
  await Promise.all(members.map((m) => m.close()));
  await own?.remove();
});

test('a broker outage under a reading client: the cluster recovers its sessions and skips nothing', async () => {
  const name = `o-${randomUUID().slice(0, 8)}`;
  for (let i = 0; i < 2; i++) {
    members.push(
      await startTestProxy({
        'bootstrap.servers': own.broker.bootstrapServers,
        'journal.path': join(own.dir, `member-${i}.db`),
        'client.socket.connection.setup.timeout.ms': '1000',
        'cluster.name': name,
        'cluster.sessions.partitions': '4',
        'cluster.sessions.replication.factor': '1',
        'cluster.session.timeout.ms': '6000',
        'cluster.handover.timeout.ms': '3000',
        'cluster.request.wait.ms': '3000',
      }),
    );
  }
  const [a, b] = members as [TestProxy, TestProxy];
  const topic = await createTopic(uniqueTopic('cluster-outage'), 1, own.broker.bootstrapServers);
  assert.equal((await produce(a, `/topics/${topic}`, { records: Array.from({ length: 40 }, (_, i) => ({ value: b64(`v${i}`) })) })).status, 200);
  const base = await createConsumer(a.url, `og-${randomUUID()}`, { name: 'reader', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
  const onB = `${b.url}${new URL(base).pathname}`;
  assert.equal((await post(`${onB}/subscription`, { topics: [topic] })).status, 204);

  const got: string[] = [];
  let last: string[] = [];
  const read = async (url: string) => {
    const reply = await records(url, 'timeout=300&max_bytes=40').catch(() => null);
    if (reply?.status !== 200) return reply?.status ?? 0;
    const values = (reply.body as Array<{ value: string }>).map((r) => text(r.value)!);
    if (values.length > 0) last = values;
    got.push(...values);
    return 200;
  };
  while (got.length < 15) assert.equal(await read(onB), 200);
  const before = [...got];
  const lastBefore = last;

  await own.broker.stop();
  // While the broker is down the instance answers errors (or nothing new), never records out of order.
  const during: number[] = [];
  for (let i = 0; i < 3; i++) during.push(await read(i % 2 ? base : onB));
  await own.broker.resume();

  const deadline = Date.now() + 120_000;
  const statuses = new Set<number>();
  while (!got.includes('v39') && Date.now() < deadline) {
    statuses.add(await read(got.length % 2 ? base : onB));
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(got.includes('v39'), `the instance read to the end after the outage (answers ${[...statuses].join(',')}, during ${during.join(',')})`);
  const after = got.slice(before.length);
  // Everything after the outage continues the sequence; only the last response before it may come again.
  const again = after.filter((v) => before.includes(v));
  assert.ok(again.every((v) => lastBefore.includes(v)), `only the last response came again: ${again.join(',')}`);
  const unique = [...new Set(got)];
  assert.deepEqual(unique, Array.from({ length: 40 }, (_, i) => `v${i}`), 'every record, in order, none skipped');
});
