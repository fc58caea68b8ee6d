/**
 * SSL principal propagation (confluent.rest.auth.propagate.method=SSL) against a real broker with
 * an mTLS listener and StandardAuthorizer: a client certificate principal reaches Kafka with the
 * certificate of its subject from the principals' keystore (client.ssl.keystore.location), so
 * the broker's ACLs apply to it. The proxy's own certificate has no ACL at all.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { b64, text } from '../helpers/consumer.ts';
import { BINARY, V2, startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { startSslBroker, type SslBroker } from '../helpers/ssl-broker.ts';
import { certificateDir, createTruststore, httpsCall, issueCertificate, STORE_PASSWORD, type IssuedCertificate } from '../helpers/tls.ts';

describe('SSL principal propagation to an mTLS broker with ACLs', () => {
  let kafka: SslBroker;
  let proxy: TestProxy;
  let files: { dir: string; remove: () => void };
  let topic: string;
  let carol: IssuedCertificate;
  let listener: { keystore: string; truststore: string };

  const start = () =>
    startTestProxy({
      listeners: 'https://127.0.0.1:0',
      'management.listeners': '',
      'schema.registry.listeners': '',
      'ssl.keystore.location': listener.keystore,
      'ssl.keystore.password': STORE_PASSWORD,
      'ssl.truststore.location': listener.truststore,
      'ssl.truststore.password': STORE_PASSWORD,
      'ssl.client.authentication': 'REQUIRED',
      'bootstrap.servers': kafka.bootstrapServers,
      'client.security.protocol': 'SSL',
      'client.ssl.truststore.certificates': readFileSync(kafka.ca.cert, 'utf8'),
      'client.ssl.keystore.certificate.chain': readFileSync(kafka.clients['rest-proxy']!.cert, 'utf8'),
      'client.ssl.keystore.key': readFileSync(kafka.clients['rest-proxy']!.key, 'utf8'),
      'client.ssl.keystore.location': kafka.keystore.path,
      'client.ssl.keystore.password': kafka.keystore.password,
      'confluent.rest.auth.propagate.method': 'SSL',
      'consumer.request.timeout.ms': '500',
      'journal.path': `${files.dir}/journal.db`,
    });
  const as = (who: 'alice' | 'bob' | 'carol') => (who === 'carol' ? carol : kafka.clients[who]!);
  const call = (who: 'alice' | 'bob' | 'carol', path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
    httpsCall(`${proxy.url}${path}`, { ...init, ca: kafka.ca.cert, cert: as(who).cert, key: as(who).key });
  const produce = (who: 'alice' | 'bob' | 'carol', values: string[]) =>
    call(who, `/topics/${topic}`, { method: 'POST', headers: { 'Content-Type': BINARY }, body: { records: values.map((v) => ({ value: b64(v) })) } });

  before(async () => {
    files = certificateDir();
    // rest-proxy is the proxy's own certificate; the keystore holds alice's and bob's (and its own).
    kafka = await startSslBroker('propagation-ssl', ['alice', 'bob', 'rest-proxy']);
    carol = issueCertificate(kafka.ca, files.dir, 'carol'); // trusted by the proxy, absent from the keystore
    listener = {
      keystore: issueCertificate(kafka.ca, files.dir, 'localhost', { server: true, file: 'proxy-server' }).p12,
      truststore: createTruststore(files.dir, [kafka.ca], 'proxy-truststore').p12,
    };
    topic = await kafka.createTopic('alice-payments');
    await kafka.allow(kafka.clients.alice!.principal, { type: 'topic', name: 'alice-', pattern: 'prefixed' }, ['WRITE', 'READ', 'DESCRIBE']);
    await kafka.allow(kafka.clients.alice!.principal, { type: 'group', name: 'alice-', pattern: 'prefixed' }, ['READ', 'DESCRIBE']);
    proxy = await start();
  });
  after(async () => {
    await proxy?.close();
    await kafka?.remove();
    files?.remove();
  });

  test('alice\'s certificate may write her topic, bob\'s may not (403, 40301 per record)', async () => {
    const alice = await produce('alice', ['a0', 'a1']);
    assert.equal(alice.status, 200, JSON.stringify(alice.body));
    assert.deepEqual(alice.body.offsets.map((o: { offset: number }) => o.offset), [0, 1]);
    const bob = await produce('bob', ['b0']);
    assert.equal(bob.status, 403, JSON.stringify(bob.body));
    assert.deepEqual(bob.body.offsets.map((o: { error_code: number }) => o.error_code), [40301]);
  });

  test('a certificate the proxy trusts but the keystore has no entry for is refused with a reason, 403', async () => {
    const reply = await produce('carol', ['c0']);
    assert.equal(reply.status, 403, JSON.stringify(reply.body));
    assert.equal(reply.body.error_code, 40301);
    assert.match(reply.body.message, /No Kafka certificate for .*carol.* in client\.ssl\.keystore\.location/);
  });

  test('alice\'s consumer instance reads as alice, and after a restart rejoins as alice before she asks for anything', async () => {
    const group = 'alice-auditors';
    const created = await call('alice', `/consumers/${group}`, { method: 'POST', headers: { 'Content-Type': V2 }, body: { name: 'auditor', 'auto.offset.reset': 'earliest' } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const base = `/consumers/${group}/instances/auditor`;
    assert.equal((await call('alice', `${base}/subscription`, { method: 'POST', headers: { 'Content-Type': V2 }, body: { topics: [topic] } })).status, 204);
    const read = async (count: number) => {
      const got: string[] = [];
      for (let i = 0; i < 60 && got.length < count; i++) {
        const reply = await call('alice', `${base}/records?timeout=500`, { headers: { Accept: BINARY } });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        got.push(...(reply.body as Array<{ value: string }>).map((r) => text(r.value) ?? ''));
      }
      return got;
    };
    assert.deepEqual(await read(2), ['a0', 'a1']);
    assert.equal((await call('bob', `${base}/subscription`)).status, 404, 'not bob\'s');

    await proxy.close();
    proxy = await start();
    // The keystore gives the recovered instance alice's certificate: it joins with no request of hers.
    const actor = proxy.consumers.get(group, 'auditor');
    for (let i = 0; i < 200 && actor.context.memberAssignment.length === 0; i++) await sleep(100);
    assert.deepEqual(actor.context.memberAssignment, [{ topic, partition: 0 }]);
    await produce('alice', ['a2']);
    assert.deepEqual(await read(1), ['a2']);
    assert.equal((await call('alice', base, { method: 'DELETE', headers: { 'Content-Type': V2 } })).status, 204);
  });
});
