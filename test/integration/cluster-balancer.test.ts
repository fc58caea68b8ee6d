/**
 * A proxy cluster behind a real round-robin balancer (Debian's nginx), driven through the
 * balancer only, as a user's client would be: the Confluent consumer flow; a member SIGKILLed
 * mid-stream (every record still delivered, and a record twice only if its response was in flight
 * at the kill); a member joining; a rolling restart of every member (nothing delivered twice).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createTopic, readRecords, uniqueTopic } from '../helpers/cluster.ts';
import { startCluster, type ClusterUnderTest } from '../helpers/cluster-members.ts';
import { b64, createConsumer, post } from '../helpers/consumer.ts';
import { BINARY, call, produce, V2 } from '../helpers/proxy.ts';

const RECORDS = 300;
const clusters: ClusterUnderTest[] = [];

after(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

async function cluster(size: number): Promise<ClusterUnderTest> {
  const started = await startCluster(size, `t-${randomUUID().slice(0, 8)}`);
  clusters.push(started);
  await started.settled();
  return started;
}

async function filledTopic(url: string): Promise<string> {
  const topic = await createTopic(uniqueTopic('cluster-lb'), 3);
  for (let i = 0; i < RECORDS; i += 100) {
    const reply = await produce({ url }, `/topics/${topic}`, { records: Array.from({ length: 100 }, (_, j) => ({ value: b64(`r${i + j}`), partition: (i + j) % 3 })) });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  }
  return topic;
}

interface Response {
  at: number;
  keys: string[];
}

/** Reads one instance until every record arrived, retrying what a failover answers (502 from the balancer, 503). */
class Reader {
  readonly responses: Response[] = [];
  readonly failures: number[] = [];
  private readonly seen = new Set<string>();

  constructor(readonly base: string) {}

  get count(): number {
    return this.seen.size;
  }

  /** Every record delivered, as `partition:offset`, sorted. */
  delivered(): string[] {
    return [...this.seen].sort();
  }

  async run(deadline: number): Promise<void> {
    while (this.seen.size < RECORDS && Date.now() < deadline) {
      const reply = await call(`${this.base}/records?timeout=200&max_bytes=200`, { headers: { Accept: BINARY } }).catch(() => null);
      if (!reply || reply.status !== 200) {
        this.failures.push(reply?.status ?? 0);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const keys = (reply.body as Array<{ partition: number; offset: number }>).map((r) => `${r.partition}:${r.offset}`);
      if (keys.length > 0) this.responses.push({ at: Date.now(), keys });
      for (const key of keys) this.seen.add(key);
    }
  }

  /** Records delivered more than once. */
  duplicates(): Set<string> {
    const counts = new Map<string, number>();
    for (const { keys } of this.responses) for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return new Set([...counts].filter(([, n]) => n > 1).map(([key]) => key));
  }
}

async function instances(url: string, count: number): Promise<Array<{ group: string; name: string; base: string }>> {
  const created = [];
  for (let i = 0; i < count; i++) {
    const group = `lb-${randomUUID()}`;
    const name = `i${i}`;
    const base = await createConsumer(url, group, { name, format: 'binary', 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' });
    created.push({ group, name, base });
  }
  return created;
}

async function subscribe(base: string, topic: string): Promise<void> {
  const reply = await post(`${base}/subscription`, { topics: [topic] });
  assert.equal(reply.status, 204, JSON.stringify(reply.body));
}

describe('a proxy cluster behind a round-robin balancer', () => {
  it('serves the Confluent consumer flow through the balancer, forwarding to each instance’s owner', async () => {
    const lb = await cluster(3);
    const topic = await filledTopic(lb.balancer.url);
    const made = await instances(lb.balancer.url, 6);
    for (const { base } of made) assert.ok(base.startsWith(`${lb.balancer.url}/consumers/`), `base_uri ${base} names the balancer`);
    const owners = await Promise.all(made.map(({ group, name }) => lb.ownerOf(group, name)));
    assert.ok(new Set(owners).size >= 2 && !owners.includes(-1), `instances spread over the members: ${owners.join(',')}`);
    const { base } = made[0]!;
    await subscribe(base, topic);
    assert.deepEqual((await call(`${base}/subscription`, { headers: { Accept: V2 } })).body, { topics: [topic] });
    const reader = new Reader(base);
    await reader.run(Date.now() + 60_000);
    assert.equal(reader.count, RECORDS);
    assert.deepEqual([...reader.duplicates()], []);
    assert.equal((await post(`${base}/offsets`)).status, 200);
    const committed = await call(`${base}/offsets`, { method: 'GET', headers: { 'Content-Type': V2, Accept: V2 }, body: { partitions: [0, 1, 2].map((partition) => ({ topic, partition })) } });
    assert.deepEqual((committed.body as { offsets: Array<{ offset: number }> }).offsets.map((o) => o.offset), [100, 100, 100]);
    for (const each of made) assert.equal((await call(each.base, { method: 'DELETE', headers: { 'Content-Type': V2 } })).status, 204);
    assert.equal((await call(`${base}/records`, { headers: { Accept: BINARY } })).status, 404);
    // Round robin sent most requests to a member that does not own the instance.
    const forwarded = await Promise.all(lb.members.map((m) => fetch(`${m.managementUrl}/metrics`).then((r) => r.text())));
    assert.ok(forwarded.some((text) => /kafka_rest_cluster_forwarded_requests_total\{command="Read",outcome="answered"\} [1-9]/.test(text)), 'reads were forwarded');
  });

  it('loses no record when a member is SIGKILLed mid-stream', async (t) => {
    const lb = await cluster(3);
    const topic = await filledTopic(lb.balancer.url);
    const made = await instances(lb.balancer.url, 6);
    for (const { base } of made) await subscribe(base, topic);
    const owners = await Promise.all(made.map(({ group, name }) => lb.ownerOf(group, name)));
    // The member owning the most instances dies.
    const victim = [0, 1, 2].sort((a, b) => owners.filter((o) => o === b).length - owners.filter((o) => o === a).length)[0]!;
    assert.ok(owners.includes(victim));
    const readers = made.map(({ base }) => new Reader(base));
    const reading = Promise.all(readers.map((r) => r.run(Date.now() + 120_000)));
    while (readers.some((r) => r.count < RECORDS / 4)) await new Promise((r) => setTimeout(r, 20));
    const killedAt = Date.now();
    lb.members[victim]!.child.kill('SIGKILL');
    await reading;
    // What Kafka holds, read natively: each instance got exactly those records.
    const native = (await readRecords(topic, RECORDS)).map((r) => `${r.partition}:${r.offset}`).sort();
    for (const [i, reader] of readers.entries()) {
      assert.equal(reader.count, RECORDS, `instance ${i} got every record (owner ${owners[i]}, failures ${reader.failures.length})`);
      assert.deepEqual(reader.delivered(), native, `instance ${i} got exactly the topic's records`);
      const duplicates = reader.duplicates();
      if (owners[i] !== victim) {
        assert.deepEqual([...duplicates], [], `instance ${i} of a surviving member got nothing twice`);
        continue;
      }
      // Only the response in flight at the kill may come again: its records were sent, but their
      // acknowledgement had not reached the sessions topic. One response holds every duplicate: the
      // last received before the kill, or the one whose receipt the kill overtook.
      const first = [...duplicates].map((key) => reader.responses.findIndex((r) => r.keys.includes(key)));
      const lastBefore = reader.responses.filter((r) => r.at <= killedAt).length - 1;
      const resumed = reader.responses.find((r) => r.at > killedAt);
      t.diagnostic(`instance ${i} (killed member's): served again ${resumed ? resumed.at - killedAt : '-'} ms after the kill, ${duplicates.size} records twice, ${reader.failures.length} failed reads (${[...new Set(reader.failures)].join(',')})`);
      if (duplicates.size === 0) continue;
      assert.ok(first.every((index) => index === first[0]), `instance ${i}: the duplicates ${[...duplicates].join(',')} come from more than one response`);
      assert.ok(first[0] === lastBefore || first[0] === lastBefore + 1, `instance ${i}: the response delivered twice is number ${first[0]}, the kill came after number ${lastBefore}`);
    }
  });

  it('hands a share of the sessions to a member that joins, and nothing twice through a rolling restart', async () => {
    const lb = await startCluster(3, `t-${randomUUID().slice(0, 8)}`);
    clusters.push(lb);
    // Member 2 stays out at first: the balancer skips its closed port.
    lb.members[2]!.child.kill('SIGTERM');
    await lb.members[2]!.exited;
    await lb.settled();
    const topic = await filledTopic(lb.balancer.url);
    const made = await instances(lb.balancer.url, 6);
    for (const { base } of made) await subscribe(base, topic);
    const readers = made.map(({ base }) => new Reader(base));
    const reading = Promise.all(readers.map((r) => r.run(Date.now() + 180_000)));
    await lb.start(2);
    await lb.settled();
    const owners = await Promise.all(made.map(({ group, name }) => lb.ownerOf(group, name)));
    assert.ok(owners.includes(2) || (await lb.ownerOf(made[0]!.group, made[0]!.name)) !== -1, 'the joined member serves');
    for (const index of [0, 1, 2]) {
      const member = lb.members[index]!;
      member.child.kill('SIGTERM');
      await member.exited;
      await lb.start(index);
      await lb.settled();
    }
    await reading;
    for (const [i, reader] of readers.entries()) {
      assert.equal(reader.count, RECORDS, `instance ${i} got every record`);
      assert.deepEqual([...reader.duplicates()], [], `instance ${i}: a graceful hand-over delivers nothing twice`);
    }
  });
});
