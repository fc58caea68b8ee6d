import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import pino from 'pino';
import type { ClientSet } from '../../src/principals/client-set.ts';
import { PrincipalClients, type KafkaLogin } from '../../src/principals/principal-clients.ts';
import { scoped, withClients } from '../../src/principals/scoped.ts';

interface FakeSet extends ClientSet {
  readonly login: KafkaLogin & { username?: string };
  readonly tag: string;
  closed: boolean;
}

function harness(max = 2, idleMs = 60_000, known?: (name: string) => KafkaLogin | null) {
  const made: FakeSet[] = [];
  const clients = new PrincipalClients({
    create: (login, tag) => {
      const set = { login, tag, closed: false, close: async () => void (set.closed = true) } as unknown as FakeSet;
      made.push(set);
      return set;
    },
    max,
    idleMs,
    logger: pino({ level: 'silent' }),
    ...(known && { known }),
  });
  return { clients, made };
}

const login = (username: string, password = `${username}-secret`) => ({ username, password });
let open: PrincipalClients | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

describe('PrincipalClients', () => {
  test('one set per principal, reused while its credentials stay the same', () => {
    const { clients, made } = harness();
    open = clients;
    const a1 = clients.lease('alice', login('alice'));
    const a2 = clients.lease('alice', login('alice'));
    const b = clients.lease('bob', login('bob'));
    assert.equal(a1.clients, a2.clients);
    assert.notEqual(a1.clients, b.clients);
    assert.deepEqual(made.map((s) => s.login.username), ['alice', 'bob']);
    assert.match(made[0]!.tag, /^[0-9a-f]{12}$/, 'a tag safe in journal ids, not the name');
    assert.notEqual(made[0]!.tag, made[1]!.tag);
  });

  test('a new password replaces the set; the old one closes once its requests are done', () => {
    const { clients, made } = harness();
    open = clients;
    const old = clients.lease('alice', login('alice', 'one'));
    const renewed = clients.lease('alice', login('alice', 'two'));
    assert.notEqual(old.clients, renewed.clients);
    assert.equal(made[0]!.closed, false, 'still in use by a request');
    old.release();
    assert.equal(made[0]!.closed, true);
    assert.equal(clients.of('alice'), renewed.clients, 'work of the principal uses the new login');
  });

  test('beyond max, the least recently used idle set is closed; sets in use are kept', () => {
    const { clients, made } = harness(2);
    open = clients;
    const alice = clients.lease('alice', login('alice'));
    clients.lease('bob', login('bob')).release();
    clients.lease('carol', login('carol')); // alice is in use, bob idle: bob goes
    assert.deepEqual(made.map((s) => [s.login.username, s.closed]), [['alice', false], ['bob', true], ['carol', false]]);
    assert.equal(clients.open, 2);
    clients.lease('dave', login('dave')); // nothing idle: over the bound rather than closing under a request
    assert.equal(clients.open, 3);
    alice.release();
  });

  test('of(): the set again from the last credentials after it was closed, and a retriable error for a stranger', () => {
    const { clients, made } = harness(1);
    open = clients;
    clients.lease('alice', login('alice')).release();
    clients.lease('bob', login('bob')).release(); // closes alice's set
    assert.equal(made[0]!.closed, true);
    const again = clients.of('alice') as FakeSet;
    assert.equal(again.closed, false);
    assert.deepEqual(again.login, login('alice'));
    assert.throws(() => clients.of('mallory'), (error: { errorCode?: number; message: string }) => error.errorCode === 50003 && /mallory/.test(error.message));
  });

  test('of(): a login the proxy knows by itself (SSL propagation\'s keystore) opens a set without a request', () => {
    const certificate = { key: 'KEY', cert: 'CERT' };
    const { clients, made } = harness(2, 60_000, (name) => (name === 'CN=alice' ? certificate : null));
    open = clients;
    const set = clients.of('CN=alice') as FakeSet;
    assert.deepEqual(set.login, certificate);
    assert.equal(made.length, 1);
    assert.throws(() => clients.of('CN=mallory'), /No Kafka credentials for CN=mallory/);
  });

  test('close() closes every open set', async () => {
    const { clients, made } = harness();
    clients.lease('alice', login('alice'));
    clients.lease('bob', login('bob')).release();
    await clients.close();
    assert.deepEqual(made.map((s) => s.closed), [true, true]);
  });
});

describe('scoped', () => {
  test('forwards to the current request\'s set, and to the proxy\'s own outside one', async () => {
    const own = { name: 'own', who() { return this.name; } };
    const alice = { name: 'alice', who() { return this.name; } };
    const stand = scoped(own, (set) => (set as unknown as { pool: typeof own }).pool);
    assert.equal(stand.who(), 'own');
    const inside = await withClients({ pool: alice } as unknown as ClientSet, async () => {
      await new Promise((done) => setImmediate(done)); // across an await, as in a request
      return stand.who();
    });
    assert.equal(inside, 'alice');
    assert.equal(stand.name, 'own');
  });
});
