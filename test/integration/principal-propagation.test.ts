/**
 * Principal propagation (confluent.rest.auth.propagate.method=JETTY_AUTH) against a real
 * SASL_PLAINTEXT broker with StandardAuthorizer: each Basic principal reaches Kafka as itself, so
 * the broker's ACLs decide, per user, what the proxy may do for them. The proxy's own login has
 * no ACL at all: whatever succeeds here succeeded as the principal.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import { readRecords } from '../helpers/cluster.ts';
import { b64, text, type RestRecord } from '../helpers/consumer.ts';
import { BINARY, call, V2, type Reply, type TestProxy, startTestProxy } from '../helpers/proxy.ts';
import { startSaslBroker, type SaslBroker } from '../helpers/sasl-broker.ts';

const USERS = { 'rest-proxy': 'proxy-secret', alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-kafka-secret' };
const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const AS = { alice: basic('alice', USERS.alice), bob: basic('bob', USERS.bob) };

describe('principal propagation to a SASL broker with ACLs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'propagation-'));
  const passwords = join(dir, 'password.properties');
  const journal = join(dir, 'journal.db');
  let sasl: SaslBroker;
  let proxy: TestProxy;
  let aliceTopic: string;

  const start = (mechanism = 'SCRAM-SHA-512', extra: Record<string, string> = {}) =>
    startTestProxy({
      'bootstrap.servers': sasl.bootstrapServers,
      'client.security.protocol': 'SASL_PLAINTEXT',
      'client.sasl.mechanism': mechanism,
      'client.sasl.jaas.config': `${mechanism === 'PLAIN' ? 'org.apache.kafka.common.security.plain.PlainLoginModule' : 'org.apache.kafka.common.security.scram.ScramLoginModule'} required username="rest-proxy" password="${USERS['rest-proxy']}";`,
      'authentication.method': 'BASIC',
      'authentication.basic.users.file': passwords,
      'confluent.rest.auth.propagate.method': 'JETTY_AUTH',
      'journal.path': journal,
      'consumer.request.timeout.ms': '1000',
      ...extra,
    });
  const produce = (who: Record<string, string>, topic: string, values: string[]) =>
    call(`${proxy.url}/topics/${topic}`, { method: 'POST', headers: { ...who, 'Content-Type': BINARY }, body: { records: values.map((v) => ({ value: b64(v) })) } });
  /** What the topic holds (all of it: its end offset), read by the broker's super user. */
  const contents = async (topic: string): Promise<string[]> => {
    const kafka = new kafkajs.Kafka(sasl.superUser);
    const admin = kafka.admin();
    await admin.connect();
    const high = Number((await admin.fetchTopicOffsets(topic))[0]!.high);
    await admin.disconnect();
    if (high === 0) return [];
    return (await readRecords(topic, high, { kafka })).map((r) => r.value!.toString());
  };

  before(async () => {
    // carol's proxy password is not her Kafka password: the proxy lets her in, Kafka does not.
    writeFileSync(passwords, 'alice: alice-secret\nbob: bob-secret\ncarol: carol-proxy-secret\n');
    sasl = await startSaslBroker('propagation', USERS);
    aliceTopic = await sasl.createTopic('alice-orders');
    await sasl.allow('User:alice', { type: 'topic', name: 'alice-', pattern: 'prefixed' }, ['WRITE', 'READ', 'DESCRIBE']);
    await sasl.allow('User:alice', { type: 'group', name: 'alice-', pattern: 'prefixed' }, ['READ', 'DESCRIBE']);
    await sasl.allow('User:bob', { type: 'group', name: 'bob-', pattern: 'prefixed' }, ['READ', 'DESCRIBE']);
    proxy = await start();
  });
  after(async () => {
    await proxy?.close();
    await sasl?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  test('alice may write her topic: 200 with offsets; bob may not: 403 with 40301 for every record, and nothing of his is written', async () => {
    const alice = await produce(AS.alice, aliceTopic, ['a0', 'a1']);
    assert.equal(alice.status, 200, JSON.stringify(alice.body));
    assert.deepEqual(alice.body.offsets.map((o: { offset: number; error_code: number | null }) => [o.offset, o.error_code]), [[0, null], [1, null]]);

    const bob = await produce(AS.bob, aliceTopic, ['b0', 'b1']);
    assert.equal(bob.status, 403, JSON.stringify(bob.body));
    assert.deepEqual(bob.body.offsets.map((o: { error_code: number }) => o.error_code), [40301, 40301]);
    assert.match(bob.body.offsets[0].error, /authoriz/i);

    const again = await produce(AS.alice, aliceTopic, ['a2']);
    assert.equal(again.body.offsets[0].error_code, null, 'bob\'s refusal did not disturb alice\'s producer');
    assert.deepEqual(await contents(aliceTopic), ['a0', 'a1', 'a2']);
    const metrics = (await call(`${proxy.managementUrls[0]}/metrics`, { headers: AS.alice })).body as string;
    assert.match(metrics, /^kafka_rest_principal_clients 2$/m, 'alice and bob have clients of their own');
    const ownSlotEvents = proxy.journal.read({ actorType: 'producer-slot' }).filter((e) => /^producer-slot-\d+$/.test(e.actorId));
    assert.deepEqual(ownSlotEvents, [], 'the proxy\'s own producers never connected: no request without a principal produced');
  });

  test('the wrong Kafka password for a principal the proxy accepted is 401 (40101), never success', async () => {
    const carol = await produce(basic('carol', 'carol-proxy-secret'), aliceTopic, ['c0']);
    assert.equal(carol.status, 401, JSON.stringify(carol.body));
    assert.equal(carol.body.error_code ?? carol.body.offsets?.[0]?.error_code, 40101);
  });

  test('metadata is what each principal may see: alice lists her topic, bob does not', async () => {
    const list = async (who: Record<string, string>) => (await call(`${proxy.url}/topics`, { headers: { ...who, Accept: V2 } })).body as string[];
    assert.ok((await list(AS.alice)).includes(aliceTopic));
    assert.ok(!(await list(AS.bob)).includes(aliceTopic));
  });

  test('consumers read as their owner: alice reads her topic; bob, without READ on it, gets 403 (40301)', async () => {
    const aliceBase = await createInstance(AS.alice, 'alice-readers', 'alice-1', aliceTopic);
    assert.deepEqual(await readValues(AS.alice, aliceBase, 3), ['a0', 'a1', 'a2']);

    const bobBase = await createInstance(AS.bob, 'bob-readers', 'bob-1', aliceTopic);
    let refused: Reply | null = null;
    for (let i = 0; i < 20 && !refused; i++) {
      const reply = await call(`${bobBase}/records?timeout=500`, { headers: { ...AS.bob, Accept: BINARY } });
      if (reply.status !== 200) refused = reply;
      else assert.deepEqual(reply.body, [], 'bob never gets a record');
    }
    assert.ok(refused, 'bob\'s reads are refused');
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.error_code, 40301);
    assert.match(refused.body.message, /^Not authorized to access topics/);

    // Granted READ on the topic, bob's instance joins on its next retry and reads.
    await sasl.allow('User:bob', { type: 'topic', name: aliceTopic }, ['READ', 'DESCRIBE']);
    assert.deepEqual(await readValues(AS.bob, bobBase, 3, { allowRefusals: true }), ['a0', 'a1', 'a2']);
    assert.equal((await call(bobBase, { method: 'DELETE', headers: { ...AS.bob, 'Content-Type': V2 } })).status, 204);
  });

  test('after a restart alice\'s instance comes back as hers, with her credentials from her next request', async () => {
    await proxy.close();
    proxy = await start();
    const base = `${proxy.url}/consumers/alice-readers/instances/alice-1`;
    assert.equal((await call(`${base}/subscription`, { headers: AS.bob })).status, 404, 'still not bob\'s');
    await produce(AS.alice, aliceTopic, ['a3']);
    assert.deepEqual(await readValues(AS.alice, base, 1), ['a3']);
    assert.equal((await call(base, { method: 'DELETE', headers: { ...AS.alice, 'Content-Type': V2 } })).status, 204);
  });

  test('PLAIN works as SCRAM-SHA-512 does', async () => {
    await proxy.close();
    proxy = await start('PLAIN');
    const alice = await produce(AS.alice, aliceTopic, ['p0']);
    assert.equal(alice.status, 200, JSON.stringify(alice.body));
    const bob = await produce(AS.bob, aliceTopic, ['p1']);
    assert.equal(bob.status, 403, JSON.stringify(bob.body));
  });

  test('a principal\'s idle clients close after principal.clients.idle.timeout.ms, and its producer slots leave no history', async () => {
    await proxy.close();
    proxy = await start('SCRAM-SHA-512', { 'principal.clients.idle.timeout.ms': '1000' });
    assert.equal((await produce(AS.alice, aliceTopic, ['i0'])).status, 200);
    const principalSlots = () => proxy.journal.read({ actorType: 'producer-slot' }).filter((e) => !/^producer-slot-\d+$/.test(e.actorId));
    assert.ok(principalSlots().length > 0, 'alice\'s slots journaled their lifecycle while open');
    const gauge = async () => Number(/^kafka_rest_principal_clients (\d+)$/m.exec((await call(`${proxy.managementUrls[0]}/metrics`, { headers: AS.alice })).body as string)?.[1]);
    for (let i = 0; i < 300 && (await gauge()) > 0; i++) await sleep(100); // a generous bound: a loaded machine sweeps late
    assert.equal(await gauge(), 0, 'closed once idle');
    assert.deepEqual(principalSlots(), [], 'and their history forgotten');
    const again = await produce(AS.alice, aliceTopic, ['i1']);
    assert.equal(again.status, 200, 'the next request opens them again');
  });

  async function createInstance(who: Record<string, string>, group: string, name: string, topic: string): Promise<string> {
    const created = await call(`${proxy.url}/consumers/${group}`, { method: 'POST', headers: { ...who, 'Content-Type': V2 }, body: { name, 'auto.offset.reset': 'earliest' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const base = `${proxy.url}/consumers/${group}/instances/${name}`;
    const subscribed = await call(`${base}/subscription`, { method: 'POST', headers: { ...who, 'Content-Type': V2 }, body: { topics: [topic] } });
    assert.equal(subscribed.status, 204, JSON.stringify(subscribed.body));
    return base;
  }

  async function readValues(who: Record<string, string>, base: string, count: number, { allowRefusals = false } = {}): Promise<string[]> {
    const got: RestRecord[] = [];
    for (let i = 0; i < 60 && got.length < count; i++) {
      const reply = await call(`${base}/records?timeout=500`, { headers: { ...who, Accept: BINARY } });
      if (allowRefusals && reply.status === 403) {
        await sleep(250); // a refusal answers at once: give the retried join time to see the new ACL
        continue;
      }
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      got.push(...(reply.body as RestRecord[]));
    }
    return got.map((r) => text(r.value) ?? '');
  }
});
