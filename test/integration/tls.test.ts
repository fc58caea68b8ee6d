/**
 * TLS on every listener: https REST listeners with PKCS12 and PEM keystores (real produce and
 * reads), mixed http and https listeners, management and schema registry over https, client
 * certificates (NONE, REQUESTED, REQUIRED), the start-up errors of broken stores, and reload of a
 * renewed keystore without a restart. Certificates are made per run with openssl and keytool.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../src/config/config.ts';
import { StartupError } from '../../src/startup-error.ts';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { startLoggedProxy } from '../helpers/logged-proxy.ts';
import { BINARY, startTestProxy, V2, type TestProxy } from '../helpers/proxy.ts';
import { freePort } from '../../src/broker/free-port.ts';
import { spawnProxy } from '../helpers/process.ts';
import { certificateDir, createCa, createTruststore, httpsCall, issueCertificate, keytoolCopy, STORE_PASSWORD, tlsFixture, type HttpsOptions, type TlsFixture } from '../helpers/tls.ts';

let pki: TlsFixture;
before(() => {
  pki = tlsFixture();
});
after(() => pki.remove());

const proxies: TestProxy[] = [];
after(() => Promise.all(proxies.map((proxy) => proxy.close())));

async function proxyWith(properties: Record<string, string>): Promise<TestProxy> {
  const proxy = await startTestProxy(properties);
  proxies.push(proxy);
  return proxy;
}

const pkcs12 = () => ({ 'ssl.keystore.location': pki.server.p12, 'ssl.keystore.password': STORE_PASSWORD });
const httpsOnly = { listeners: 'https://127.0.0.1:0', 'management.listeners': '', 'schema.registry.listeners': '' };

/** The connection's failure, or null when the request got an answer. */
async function refusal(url: string, options: HttpsOptions): Promise<string | null> {
  try {
    await httpsCall(url, options);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

/** Produces one binary record over https and reads the topic's metadata back, as a client would. */
async function produceAndRead(url: string, ca: string): Promise<void> {
  const topic = await createTopic(uniqueTopic('tls'), 1);
  const produced = await httpsCall(`${url}/topics/${topic}`, {
    method: 'POST',
    ca,
    headers: { 'Content-Type': BINARY, Accept: V2 },
    body: { records: [{ value: Buffer.from('over tls').toString('base64') }] },
  });
  assert.equal(produced.status, 200, JSON.stringify(produced.body));
  assert.equal(produced.body.offsets[0].error_code, null);
  assert.equal(produced.body.offsets[0].offset, 0);
  const read = await httpsCall(`${url}/topics/${topic}`, { ca, headers: { Accept: V2 } });
  assert.equal(read.status, 200);
  assert.equal(read.body.name, topic);
}

describe('https listeners', () => {
  test('a PKCS12 keystore serves produce and reads over https, and links say https', async () => {
    const proxy = await proxyWith({ ...httpsOnly, ...pkcs12() });
    assert.match(proxy.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    await produceAndRead(proxy.url, pki.truststore.pem);
    const consumer = await httpsCall(`${proxy.url}/consumers/tls-links`, {
      method: 'POST',
      ca: pki.truststore.pem,
      headers: { 'Content-Type': V2 },
      body: { name: 'links', format: 'binary' },
    });
    assert.equal(consumer.status, 200);
    assert.equal(consumer.body.base_uri, `${proxy.url}/consumers/tls-links/instances/links`);
    const clusters = await httpsCall(`${proxy.url}/v3/clusters`, { ca: pki.truststore.pem });
    assert.match(clusters.body.data[0].metadata.self, new RegExp(`^${proxy.url}/v3/clusters/`));
    assert.equal(clusters.peer.subject.CN, 'localhost');
    // A client that does not trust the CA refuses the certificate (the listener sends the chain up to it).
    assert.equal(await refusal(`${proxy.url}/topics`, {}), 'SELF_SIGNED_CERT_IN_CHAIN');
  });

  test('a PEM keystore (encrypted key, then the chain) serves over https', async () => {
    const pem = join(pki.dir, 'encrypted-bundle.pem');
    const key = execFileSync('openssl', ['pkcs8', '-topk8', '-in', pki.server.key, '-passout', 'pass:keypass', '-v2', 'aes-256-cbc']).toString();
    writeFileSync(pem, key + readFileSync(pki.server.cert, 'utf8') + readFileSync(pki.ca.cert, 'utf8'));
    const proxy = await proxyWith({ ...httpsOnly, 'ssl.keystore.location': pem, 'ssl.keystore.type': 'PEM', 'ssl.key.password': 'keypass' });
    await produceAndRead(proxy.url, pki.truststore.pem);
  });

  test('a keystore written by keytool (PKCS12) is read as it is', async () => {
    const converted = keytoolCopy(pki.server.p12, join(pki.dir, 'keytool.p12'), 'PKCS12');
    const proxy = await proxyWith({ ...httpsOnly, 'ssl.keystore.location': converted, 'ssl.keystore.password': STORE_PASSWORD, 'ssl.keystore.type': 'PKCS12' });
    assert.equal((await httpsCall(`${proxy.url}/topics`, { ca: pki.truststore.pem })).status, 200);
  });

  test('http and https listeners side by side each answer with their own scheme', async () => {
    const proxy = await proxyWith({ ...pkcs12(), listeners: 'http://127.0.0.1:0,https://127.0.0.1:0', 'management.listeners': '', 'schema.registry.listeners': '' });
    const [plain, secure] = proxy.urls as [string, string];
    assert.match(plain, /^http:\/\//);
    assert.match(secure, /^https:\/\//);
    const overHttp = await fetch(`${plain}/v3/clusters`).then((r) => r.json() as Promise<any>);
    assert.match(overHttp.data[0].metadata.self, new RegExp(`^${plain}/`));
    const overHttps = await httpsCall(`${secure}/v3/clusters`, { ca: pki.truststore.pem });
    assert.match(overHttps.body.data[0].metadata.self, new RegExp(`^${secure}/`));
    // TLS spoken to the plain port, and plain HTTP to the TLS port, both fail.
    assert.notEqual(await refusal(`${plain.replace('http:', 'https:')}/topics`, { ca: pki.truststore.pem }), null);
    assert.equal((await fetch(`${secure.replace('https:', 'http:')}/topics`).catch(() => null))?.status ?? 'failed', 'failed');
  });

  test('the management listener and the embedded schema registry serve over https with the same keystore', async () => {
    const proxy = await proxyWith({ ...pkcs12(), listeners: 'https://127.0.0.1:0', 'management.listeners': 'https://127.0.0.1:0', 'schema.registry.listeners': 'https://127.0.0.1:0' });
    assert.match(proxy.managementUrls[0]!, /^https:\/\//);
    assert.match(proxy.schemaRegistryUrls[0]!, /^https:\/\//);
    const live = await httpsCall(`${proxy.managementUrls[0]}/health/live`, { ca: pki.truststore.pem });
    assert.deepEqual([live.status, live.body], [200, { status: 'live' }]);
    assert.equal(live.peer.subject.CN, 'localhost');
    const subjects = await httpsCall(`${proxy.schemaRegistryUrls[0]}/subjects`, { ca: pki.truststore.pem });
    assert.equal(subjects.status, 200);
    assert.ok(Array.isArray(subjects.body));
  });
});

describe('client certificates', () => {
  let alice: ReturnType<TlsFixture['client']>;
  let stranger: ReturnType<TlsFixture['client']>;
  before(() => {
    alice = pki.client('alice');
    const otherCa = createCa(pki.dir, 'Other CA');
    stranger = issueCertificate(otherCa, pki.dir, 'mallory');
  });
  const withCert = (cert: { cert: string; key: string }) => ({ ca: pki.truststore.pem, cert: cert.cert, key: cert.key });

  test('REQUIRED: no certificate or one from another CA fails the handshake; one from the truststore CA is served', async () => {
    const proxy = await proxyWith({ ...httpsOnly, ...pkcs12(), 'ssl.client.authentication': 'REQUIRED', 'ssl.truststore.location': pki.truststore.p12, 'ssl.truststore.password': STORE_PASSWORD });
    assert.notEqual(await refusal(`${proxy.url}/topics`, { ca: pki.truststore.pem }), null);
    assert.notEqual(await refusal(`${proxy.url}/topics`, withCert(stranger)), null);
    const served = await httpsCall(`${proxy.url}/topics`, withCert(alice));
    assert.equal(served.status, 200);
  });

  test('ssl.client.auth=true is REQUIRED, with a PEM truststore', async () => {
    const proxy = await proxyWith({ ...httpsOnly, ...pkcs12(), 'ssl.client.auth': 'true', 'ssl.truststore.location': pki.truststore.pem });
    assert.notEqual(await refusal(`${proxy.url}/topics`, { ca: pki.truststore.pem }), null);
    assert.equal((await httpsCall(`${proxy.url}/topics`, withCert(alice))).status, 200);
  });

  test('REQUESTED: a client without a certificate is served, one from another CA is refused', async () => {
    const proxy = await proxyWith({ ...httpsOnly, ...pkcs12(), 'ssl.client.authentication': 'REQUESTED', 'ssl.truststore.location': pki.truststore.p12, 'ssl.truststore.password': STORE_PASSWORD });
    assert.equal((await httpsCall(`${proxy.url}/topics`, { ca: pki.truststore.pem })).status, 200);
    assert.equal((await httpsCall(`${proxy.url}/topics`, withCert(alice))).status, 200);
    assert.notEqual(await refusal(`${proxy.url}/topics`, withCert(stranger)), null);
  });

  test('NONE: no certificate is asked for, so any is ignored', async () => {
    const proxy = await proxyWith({ ...httpsOnly, ...pkcs12() });
    assert.equal((await httpsCall(`${proxy.url}/topics`, withCert(stranger))).status, 200);
  });
});

describe('mistakes stop the start with one message naming the key', () => {
  const startError = async (properties: Record<string, string>): Promise<string> => {
    const error = await startTestProxy({ ...httpsOnly, ...properties }).then(
      (proxy) => {
        proxies.push(proxy);
        return null;
      },
      (e: unknown) => e,
    );
    assert.ok(error instanceof StartupError || error instanceof ConfigError, `expected a start-up error, got ${String(error)}`);
    return error.message;
  };

  test('a wrong keystore password', async () => {
    assert.match(await startError({ ...pkcs12(), 'ssl.keystore.password': 'wrong' }), /^ssl\.keystore\.password does not open the PKCS12 keystore .*server\.p12 \(wrong password\)$/);
  });

  test('a wrong key password in a PEM keystore', async () => {
    const pem = join(pki.dir, 'wrong-key-password.pem');
    writeFileSync(pem, execFileSync('openssl', ['pkcs8', '-topk8', '-in', pki.server.key, '-passout', 'pass:right']).toString() + readFileSync(pki.server.cert, 'utf8'));
    assert.match(await startError({ 'ssl.keystore.location': pem, 'ssl.key.password': 'wrong' }), /^ssl\.key\.password does not decrypt the private key in .*wrong-key-password\.pem \(wrong password\)$/);
  });

  test('a JKS keystore, with the keytool command that converts it', async () => {
    const jks = keytoolCopy(pki.server.p12, join(pki.dir, 'server.jks'), 'JKS');
    const message = await startError({ 'ssl.keystore.location': jks, 'ssl.keystore.password': STORE_PASSWORD, 'ssl.keystore.type': 'JKS' });
    assert.match(message, /^ssl\.keystore\.location: .*server\.jks is a JKS keystore, which cannot be read here; convert it to PKCS12 with: keytool -importkeystore -srckeystore .*server\.jks -destkeystore .*server\.p12 -deststoretype PKCS12/);
  });

  test('a missing keystore file, and a missing truststore file', async () => {
    assert.match(await startError({ 'ssl.keystore.location': join(pki.dir, 'nope.p12'), 'ssl.keystore.password': STORE_PASSWORD }), /^ssl\.keystore\.location: cannot read .*nope\.p12 \(no such file\)$/);
    assert.match(
      await startError({ ...pkcs12(), 'ssl.client.authentication': 'REQUIRED', 'ssl.truststore.location': join(pki.dir, 'gone.p12') }),
      /^ssl\.truststore\.location: cannot read .*gone\.p12 \(no such file\)$/,
    );
  });

  test('a wrong truststore password', async () => {
    assert.match(
      await startError({ ...pkcs12(), 'ssl.client.authentication': 'REQUIRED', 'ssl.truststore.location': pki.truststore.p12, 'ssl.truststore.password': 'wrong' }),
      /^ssl\.truststore\.password does not open the PKCS12 truststore .*truststore\.p12 \(wrong password\)$/,
    );
  });

  test('a truststore given as the keystore', async () => {
    assert.match(await startError({ 'ssl.keystore.location': pki.truststore.p12, 'ssl.keystore.password': STORE_PASSWORD }), /^ssl\.keystore\.location: .*truststore\.p12 holds no private key/);
  });

  test('an https listener without a keystore, and client certificates without a truststore', async () => {
    assert.match(await startError({ 'management.listeners': 'https://127.0.0.1:0' }), /listeners = "https:\/\/127\.0\.0\.1:0" .*an https listener needs a keystore: set ssl\.keystore\.location/);
    assert.match(await startError({ ...pkcs12(), 'ssl.client.authentication': 'REQUESTED' }), /ssl\.client\.authentication = "REQUESTED" .*need ssl\.truststore\.location/);
  });
});

test('ssl.keystore.reload: a renewed keystore is served on new connections; a broken one keeps the old certificate', async () => {
  const keystore = join(pki.dir, 'reloaded.p12');
  copyFileSync(pki.server.p12, keystore);
  const proxy = await startLoggedProxy({ ...httpsOnly, 'ssl.keystore.location': keystore, 'ssl.keystore.password': STORE_PASSWORD, 'ssl.keystore.reload': 'true' });
  proxies.push(proxy);
  const served = async () => (await httpsCall(`${proxy.url}/topics`, { ca: pki.truststore.pem })).peer.fingerprint256;
  const first = await served();

  const until = async <T>(what: string, probe: () => Promise<T | null> | T | null): Promise<T> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await probe();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  // A half-written or wrong file: logged, and the listener keeps serving its certificate.
  writeFileSync(keystore, 'not a keystore');
  await until('the reload error', () => proxy.lines.find((line) => line.level === 50 && /TLS keystore not reloaded/.test(line.msg)) ?? null);
  assert.equal(await served(), first);

  const renewed = issueCertificate(pki.ca, pki.dir, 'localhost', { server: true, file: 'renewed' });
  copyFileSync(renewed.p12, `${keystore}.tmp`);
  renameSync(`${keystore}.tmp`, keystore); // how certificate managers replace files
  const second = await until('the renewed certificate', async () => {
    const fingerprint = await served();
    return fingerprint === first ? null : fingerprint;
  });
  assert.notEqual(second, first);
  assert.equal(proxy.lines.filter((line) => /TLS keystore reloaded/.test(line.msg)).length, 1);
});

test('the truststore also accepts several CAs (PKCS12 written by keytool)', async () => {
  const otherCa = createCa(pki.dir, 'Second CA');
  const both = createTruststore(pki.dir, [pki.ca, otherCa], 'two-cas');
  const proxy = await proxyWith({ ...httpsOnly, ...pkcs12(), 'ssl.client.authentication': 'REQUIRED', 'ssl.truststore.location': both.p12, 'ssl.truststore.password': STORE_PASSWORD });
  const fromSecond = issueCertificate(otherCa, pki.dir, 'bob');
  assert.equal((await httpsCall(`${proxy.url}/topics`, { ca: pki.truststore.pem, cert: fromSecond.cert, key: fromSecond.key })).status, 200);
});

test('ssl.enabled.protocols and ssl.cipher.suites (Java names) decide what is negotiated', async () => {
  const proxy = await proxyWith({ ...httpsOnly, ...pkcs12(), 'ssl.enabled.protocols': 'TLSv1.2', 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' });
  const reply = await httpsCall(`${proxy.url}/topics`, { ca: pki.truststore.pem });
  assert.deepEqual([reply.status, reply.protocol, reply.cipher], [200, 'TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384']);
  const only13 = await proxyWith({ ...httpsOnly, ...pkcs12(), 'ssl.enabled.protocols': 'TLSv1.3' });
  assert.equal((await httpsCall(`${only13.url}/topics`, { ca: pki.truststore.pem })).protocol, 'TLSv1.3');
  assert.notEqual(await refusal(`${only13.url}/topics`, { ca: pki.truststore.pem, maxVersion: 'TLSv1.2' }), null);
});

test('kafka-rest-start: an unreadable keystore stops the start in one line, before the embedded broker starts', async () => {
  const { dir, remove } = certificateDir();
  try {
    const started = spawnProxy(dir, {
      listeners: `https://127.0.0.1:${await freePort()}`,
      'ssl.keystore.location': pki.server.p12,
      'ssl.keystore.password': 'wrong',
      'journal.path': join(dir, 'journal.db'),
      'embedded.broker.dir': join(dir, 'kafka'),
    });
    const error = await started.then(
      () => assert.fail('the proxy started'),
      (e: Error) => e,
    );
    const lines = error.message.split('\n').filter((line) => line.startsWith('{'));
    const fatal = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level === 60);
    assert.deepEqual(fatal.map((line) => line.msg), [`ssl.keystore.password does not open the PKCS12 keystore ${pki.server.p12} (wrong password)`]);
    assert.ok(!/embedded Kafka broker/i.test(error.message), error.message);
  } finally {
    remove();
  }
});
