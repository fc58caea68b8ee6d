/**
 * The certificate principal: a small Koa app with the authentication middleware behind a real
 * mTLS server reports ctx.state.principal; then the proxy's own https listener with client
 * certificates required and Basic authentication on, where the certificate does not replace Basic.
 */
import assert from 'node:assert/strict';
import Koa from 'koa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { authenticate } from '../../src/http/auth/authenticate.ts';
import { httpsCall, STORE_PASSWORD, tlsFixture, type TlsFixture } from '../helpers/tls.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

describe('client certificate principal', () => {
  let pki: TlsFixture;
  let server: Server;
  let url: string;

  before(async () => {
    pki = tlsFixture();
    const settings = loadConfig({ env: { KAFKA_REST_BOOTSTRAP_SERVERS: 'b:9092' } }).authentication;
    const app = new Koa();
    app.use(authenticate({ settings, basic: null, bearer: null, logger: pino({ level: 'silent' }) }));
    app.use((ctx) => {
      ctx.body = { principal: ctx.state.principal ?? null };
    });
    // REQUESTED: a client without a certificate is let through, without a principal.
    server = createServer({ key: readFileSync(pki.server.key), cert: readFileSync(pki.server.cert), ca: readFileSync(pki.ca.cert), requestCert: true, rejectUnauthorized: false }, app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
    pki?.remove();
  });

  it('names the principal by the subject DN in RFC 2253 order', async () => {
    const alice = pki.client('alice');
    const reply = await httpsCall(`${url}/`, { ca: pki.ca.cert, cert: alice.cert, key: alice.key });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.principal, { name: 'O=Kafka REST tests,CN=alice', roles: [], via: 'certificate' });
  });

  it('has no principal without a certificate, or with one the truststore does not verify', async () => {
    assert.equal((await httpsCall(`${url}/`, { ca: pki.ca.cert })).body.principal, null);
    const stranger = tlsFixture();
    try {
      const mallory = stranger.client('mallory');
      assert.equal((await httpsCall(`${url}/`, { ca: pki.ca.cert, cert: mallory.cert, key: mallory.key })).body.principal, null);
    } finally {
      stranger.remove();
    }
  });
});

describe('https listener with required client certificates and Basic authentication', () => {
  let pki: TlsFixture;
  let proxy: TestProxy;
  const dir = mkdtempSync(join(tmpdir(), 'auth-mtls-'));

  before(async () => {
    pki = tlsFixture();
    writeFileSync(join(dir, 'password.properties'), 'alice: alice-secret\n');
    proxy = await startTestProxy({
      listeners: 'https://127.0.0.1:0',
      'management.listeners': '',
      'schema.registry.listeners': '',
      'ssl.keystore.location': pki.server.p12,
      'ssl.keystore.password': STORE_PASSWORD,
      'ssl.truststore.location': pki.truststore.pem,
      'ssl.client.authentication': 'REQUIRED',
      'authentication.method': 'BASIC',
      'authentication.basic.users.file': join(dir, 'password.properties'),
    });
  });
  after(async () => {
    await proxy?.close();
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('still asks for Basic credentials from a client with a valid certificate', async () => {
    const alice = pki.client('alice');
    const tls = { ca: pki.ca.cert, cert: alice.cert, key: alice.key };
    const bare = await httpsCall(`${proxy.url}/topics`, tls);
    assert.equal(bare.status, 401);
    assert.equal(bare.headers['www-authenticate'], 'Basic realm="KafkaRest"');
    const authorization = `Basic ${Buffer.from('alice:alice-secret').toString('base64')}`;
    assert.equal((await httpsCall(`${proxy.url}/topics`, { ...tls, headers: { Authorization: authorization } })).status, 200);
  });
});
