/**
 * v2 consumer instances belong to the principal that created them. Another principal is told the
 * instance does not exist, with exactly the answer an unknown instance gets, and changes nothing;
 * the owner survives a restart on the same journal.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { text, type RestRecord } from '../helpers/consumer.ts';
import { BINARY, call, startTestProxy, V2, type Reply, type TestProxy } from '../helpers/proxy.ts';

type Who = 'alice' | 'bob';
const CREDENTIALS: Record<Who, Record<string, string>> = {
  alice: { Authorization: `Basic ${Buffer.from('alice:alice-secret').toString('base64')}` },
  bob: { Authorization: `Basic ${Buffer.from('bob:bob-secret').toString('base64')}` },
};
const NOT_FOUND = { error_code: 40403, message: 'Consumer instance not found.' };
const GROUP = 'ownership-group';
const NAME = 'alice-reader';

describe('consumer instance ownership', () => {
  const dir = mkdtempSync(join(tmpdir(), 'consumer-ownership-'));
  const users = join(dir, 'password.properties');
  const journal = join(dir, 'journal.db');
  let topic: string;
  let proxy: TestProxy;
  let produced = 0;

  const start = () =>
    startTestProxy({
      'authentication.method': 'BASIC',
      'authentication.roles': 'developer',
      'authentication.basic.users.file': users,
      'journal.path': journal,
      'consumer.request.timeout.ms': '500',
    });
  const instance = (name = NAME) => `${proxy.url}/consumers/${GROUP}/instances/${name}`;
  const as = (who: Who, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}, name = NAME) =>
    call(`${instance(name)}${path}`, { ...init, headers: { ...CREDENTIALS[who], ...(init.body !== undefined && { 'Content-Type': V2 }), ...init.headers } });
  const produceSome = async (n: number) => {
    const producer = nativeKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ value: `r${produced + i}` })) });
    await producer.disconnect();
    produced += n;
  };
  /** Alice's reads until `count` records came; their values in order. */
  const aliceReads = async (count: number) => {
    const got: RestRecord[] = [];
    const deadline = Date.now() + 30_000;
    while (got.length < count && Date.now() < deadline) {
      const reply = await as('alice', '/records?timeout=500', { headers: { Accept: BINARY } });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      got.push(...(reply.body as RestRecord[]));
    }
    return got.map((r) => text(r.value));
  };
  /** Every instance request bob could make, each of which must be answered as for an unknown instance. */
  const bobsAttempts: Array<[string, (name: string) => Promise<Reply>]> = [
    ['subscribe', (name) => as('bob', '/subscription', { method: 'POST', body: { topics: ['elsewhere'] } }, name)],
    ['get subscription', (name) => as('bob', '/subscription', {}, name)],
    ['unsubscribe', (name) => as('bob', '/subscription', { method: 'DELETE', headers: { 'Content-Type': V2 } }, name)],
    ['assign', (name) => as('bob', '/assignments', { method: 'POST', body: { partitions: [{ topic, partition: 0 }] } }, name)],
    ['get assignment', (name) => as('bob', '/assignments', {}, name)],
    ['seek', (name) => as('bob', '/positions', { method: 'POST', body: { offsets: [{ topic, partition: 0, offset: 0 }] } }, name)],
    ['seek to beginning', (name) => as('bob', '/positions/beginning', { method: 'POST', body: { partitions: [{ topic, partition: 0 }] } }, name)],
    ['seek to end', (name) => as('bob', '/positions/end', { method: 'POST', body: { partitions: [{ topic, partition: 0 }] } }, name)],
    ['commit', (name) => as('bob', '/offsets', { method: 'POST', body: { offsets: [{ topic, partition: 0, offset: 0 }] } }, name)],
    ['commit all', (name) => as('bob', '/offsets', { method: 'POST', body: {} }, name)],
    ['committed offsets', (name) => as('bob', '/offsets', { body: { partitions: [{ topic, partition: 0 }] } }, name)],
    ['committed offsets without a body', (name) => as('bob', '/offsets', {}, name)],
    ['read', (name) => as('bob', '/records?timeout=500', { headers: { Accept: BINARY } }, name)],
    ['stream', (name) => as('bob', '/records?timeout=500', { headers: { Accept: 'text/event-stream' } }, name)],
    ['delete', (name) => as('bob', '', { method: 'DELETE', headers: { 'Content-Type': V2 } }, name)],
  ];
  const committed = async () => (await as('alice', '/offsets', { body: { partitions: [{ topic, partition: 0 }] } })).body;

  /** Bob gets exactly the unknown-instance answer everywhere, and alice's instance is as it was. */
  async function bobIsTurnedAway(): Promise<void> {
    const committedBefore = await committed();
    for (const [what, attempt] of bobsAttempts) {
      const reply = await attempt(NAME);
      assert.equal(reply.status, 404, `${what}: ${JSON.stringify(reply.body)}`);
      assert.deepEqual(reply.body, NOT_FOUND, what);
      const unknown = await attempt('no-such-instance');
      assert.deepEqual([reply.status, reply.type, reply.body], [unknown.status, unknown.type, unknown.body], `${what}: answered as an unknown instance`);
    }
    const subscription = await as('alice', '/subscription');
    assert.equal(subscription.status, 200, 'the instance is still there');
    assert.deepEqual(subscription.body, { topics: [topic] }, 'and still subscribed to what alice asked');
    assert.deepEqual(await committed(), committedBefore, 'bob committed nothing');
  }

  before(async () => {
    writeFileSync(users, 'alice: alice-secret, developer\nbob: bob-secret, developer\n');
    topic = await createTopic(uniqueTopic('ownership'), 1);
    proxy = await start();
  });
  after(async () => {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('alice creates, subscribes and reads; bob is told the instance does not exist and changes nothing', async () => {
    const created = await call(`${proxy.url}/consumers/${GROUP}`, {
      method: 'POST',
      headers: { ...CREDENTIALS.alice, 'Content-Type': V2 },
      body: { name: NAME, 'auto.offset.reset': 'earliest', 'auto.commit.enable': 'false' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal((await as('alice', '/subscription', { method: 'POST', body: { topics: [topic] } })).status, 204);
    await produceSome(3);
    assert.deepEqual(await aliceReads(3), ['r0', 'r1', 'r2']);

    await produceSome(2);
    await bobIsTurnedAway();
    // Bob's seeks moved nothing and his reads took nothing: alice goes on right where she was.
    assert.deepEqual(await aliceReads(2), ['r3', 'r4']);
  });

  test('bob creating an instance of the same name is refused as for any existing name (409)', async () => {
    const reply = await call(`${proxy.url}/consumers/${GROUP}`, { method: 'POST', headers: { ...CREDENTIALS.bob, 'Content-Type': V2 }, body: { name: NAME } });
    assert.equal(reply.status, 409);
    assert.equal(reply.body.error_code, 40902);
    assert.deepEqual((await as('alice', '/subscription')).body, { topics: [topic] }, 'alice\'s instance is untouched');
  });

  test('bob\'s own instance is his, and alice gets 404 on it', async () => {
    const created = await call(`${proxy.url}/consumers/${GROUP}`, { method: 'POST', headers: { ...CREDENTIALS.bob, 'Content-Type': V2 }, body: { name: 'bob-reader' } });
    assert.equal(created.status, 200);
    const alice = await call(`${instance('bob-reader')}/subscription`, { headers: CREDENTIALS.alice });
    assert.equal(alice.status, 404);
    assert.deepEqual(alice.body, NOT_FOUND);
    assert.equal((await call(instance('bob-reader'), { method: 'DELETE', headers: { ...CREDENTIALS.bob, 'Content-Type': V2 } })).status, 204);
  });

  test('the inspector, an operator tool, sees every instance and its owner', async () => {
    const actorId = proxy.consumers.get(GROUP, NAME).actorId;
    const detail = await call(`${proxy.managementUrls[0]}/inspector/api/actors/${actorId}`, { headers: CREDENTIALS.bob });
    assert.equal(detail.status, 200, JSON.stringify(detail.body));
    assert.equal(detail.body.context.owner, 'alice');
  });

  test('after a restart on the same journal alice still owns the instance and bob still gets 404', async () => {
    await proxy.close();
    proxy = await start();
    await produceSome(1);
    await bobIsTurnedAway();
    assert.deepEqual(await aliceReads(1), ['r5']);
    assert.equal((await as('alice', '', { method: 'DELETE', headers: { 'Content-Type': V2 } })).status, 204);
    assert.equal((await as('alice', '/subscription')).status, 404, 'deleted by its owner');
  });
});


describe('consumer.instances.max.per.principal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'consumer-per-principal-'));
  const users = join(dir, 'password.properties');
  let proxy: TestProxy;
  before(async () => {
    writeFileSync(users, 'alice: alice-secret, developer\nbob: bob-secret, developer\n');
    proxy = await startTestProxy({
      'authentication.method': 'BASIC',
      'authentication.basic.users.file': users,
      'consumer.instances.max.per.principal': '2',
    });
  });
  after(async () => {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const create = (who: Who, group: string, name: string) =>
    call(`${proxy.url}/consumers/${group}`, { method: 'POST', headers: { ...CREDENTIALS[who], 'Content-Type': V2 }, body: { name } });
  const remove = (who: Who, group: string, name: string) =>
    call(`${proxy.url}/consumers/${group}/instances/${name}`, { method: 'DELETE', headers: { ...CREDENTIALS[who], 'Content-Type': V2 } });

  test('alice\'s third instance is 429 (42903) naming the key, across groups; bob still gets his; a deletion frees a place', async () => {
    const [g1, g2] = [uniqueTopic('per-principal-a'), uniqueTopic('per-principal-b')];
    assert.deepEqual([(await create('alice', g1, 'one')).status, (await create('alice', g2, 'two')).status], [200, 200]);
    const third = await create('alice', g1, 'three');
    assert.equal(third.status, 429, JSON.stringify(third.body));
    assert.equal(third.body.error_code, 42903);
    assert.match(third.body.message, /alice .*consumer\.instances\.max\.per\.principal/);
    assert.equal((await create('alice', g1, 'one')).status, 409, 'a taken name is still a conflict, not a limit');

    assert.deepEqual([(await create('bob', g1, 'b1')).status, (await create('bob', g1, 'b2')).status], [200, 200], 'bob has places of his own');
    assert.equal((await create('bob', g1, 'b3')).status, 429);

    assert.equal((await remove('alice', g2, 'two')).status, 204);
    assert.equal((await create('alice', g1, 'three')).status, 200, 'deleting one frees a place');
    for (const [who, group, name] of [['alice', g1, 'one'], ['alice', g1, 'three'], ['bob', g1, 'b1'], ['bob', g1, 'b2']] as const) {
      assert.equal((await remove(who, group, name)).status, 204);
    }
  });
});
