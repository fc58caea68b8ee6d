import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BINARY, call, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const record = { records: [{ value: Buffer.from('x').toString('base64') }] };

describe('Basic authentication', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auth-basic-'));
  const users = join(dir, 'password.properties');
  const topic = `auth-basic-${randomUUID()}`;
  let proxy: TestProxy;
  const USERS = ['alice: alice-secret, admin', `bob: MD5:${md5('bob-secret')}, developer`, `carol: ${bcrypt.hashSync('carol-secret', 4)}, admin`, 'eve: eve-secret, guest'];

  before(async () => {
    writeFileSync(users, `${USERS.join('\n')}\n`);
    proxy = await startTestProxy({
      'authentication.method': 'BASIC',
      'authentication.realm': 'KafkaRest',
      'authentication.roles': 'admin,developer',
      'authentication.basic.users.file': users,
      'authentication.skip.paths': '/health/*',
    });
  });
  after(async () => {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts plain, MD5 and bcrypt users', async () => {
    for (const [user, password] of [['alice', 'alice-secret'], ['bob', 'bob-secret'], ['carol', 'carol-secret']] as const) {
      const reply = await call(`${proxy.url}/topics`, { headers: basic(user, password) });
      assert.equal(reply.status, 200, `${user}: ${JSON.stringify(reply.body)}`);
    }
  });

  it('answers 401 with a Basic challenge and the 40101 envelope without credentials, with a wrong password, for an unknown user', async () => {
    for (const headers of [{}, basic('alice', 'wrong'), basic('nobody', 'alice-secret'), { Authorization: 'Bearer abc' }]) {
      const reply = await call(`${proxy.url}/topics`, { headers });
      assert.equal(reply.status, 401, JSON.stringify(headers));
      assert.equal(reply.headers.get('www-authenticate'), 'Basic realm="KafkaRest"');
      assert.equal(reply.body.error_code, 40101);
      assert.equal(typeof reply.body.message, 'string');
      assert.ok(!JSON.stringify(reply.body).includes('alice-secret'));
    }
  });

  it('answers 403 (40301) to a user none of whose roles is allowed', async () => {
    const reply = await call(`${proxy.url}/topics`, { headers: basic('eve', 'eve-secret') });
    assert.equal(reply.status, 403);
    assert.equal(reply.body.error_code, 40301);
    assert.equal(reply.headers.get('www-authenticate'), null);
  });

  it('serves the skip paths without credentials, and nothing else', async () => {
    assert.equal((await call(`${proxy.url}/health/live`)).status, 200);
    assert.equal((await call(`${proxy.url}/healthz`)).status, 401);
    assert.equal((await call(`${proxy.managementUrls[0]}/health/live`)).status, 200);
  });

  it('protects the embedded schema registry the same way', async () => {
    const registry = proxy.schemaRegistryUrls[0]!;
    const denied = await call(`${registry}/subjects`);
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('www-authenticate'), 'Basic realm="KafkaRest"');
    assert.equal((await call(`${registry}/subjects`, { headers: basic('eve', 'eve-secret') })).status, 403);
    const allowed = await call(`${registry}/subjects`, { headers: basic('alice', 'alice-secret') });
    assert.equal(allowed.status, 200);
    assert.deepEqual(allowed.body, []);
  });

  it('protects the management listener by default (its health checks stay open through the skip paths)', async () => {
    const management = proxy.managementUrls[0]!;
    assert.equal((await call(`${management}/metrics`)).status, 401);
    assert.equal((await call(`${management}/metrics`, { headers: basic('alice', 'alice-secret') })).status, 200);
  });

  it('refuses a produce request without Content-Type (415), but not one with it', async () => {
    const bare = await call(`${proxy.url}/topics/${topic}`, { method: 'POST', headers: basic('alice', 'alice-secret'), body: record });
    assert.equal(bare.status, 415);
    assert.equal(bare.body.error_code, 415);
    const v3 = await call(`${proxy.url}/v3/clusters/any/topics/${topic}/records`, { method: 'POST', headers: basic('alice', 'alice-secret'), body: { value: { type: 'JSON', data: 1 } } });
    assert.equal(v3.status, 415);
    const typed = await call(`${proxy.url}/topics/${topic}`, { method: 'POST', headers: { ...basic('alice', 'alice-secret'), 'Content-Type': BINARY }, body: record });
    assert.equal(typed.status, 200, JSON.stringify(typed.body));
  });

  it('takes a user added to the password file without a restart', async () => {
    const dave = basic('dave', 'dave-secret');
    assert.equal((await call(`${proxy.url}/topics`, { headers: dave })).status, 401);
    writeFileSync(users, `${[...USERS, 'dave: dave-secret, developer'].join('\n')}\n`);
    let status = 401;
    for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await call(`${proxy.url}/topics`, { headers: dave })).status;
    }
    assert.equal(status, 200, 'dave is accepted once the file has been re-read');
  });
});

describe('produce without Content-Type and no authentication', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({});
  });
  after(async () => proxy?.close());

  it('is let through as before (Jersey treats a missing type as a wildcard)', async () => {
    const reply = await call(`${proxy.url}/topics/auth-none-${randomUUID()}`, { method: 'POST', body: record });
    assert.notEqual(reply.status, 415);
    assert.notEqual(reply.status, 401);
  });
});

describe('Basic authentication through a JAAS config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auth-jaas-'));
  let proxy: TestProxy;
  before(async () => {
    writeFileSync(join(dir, 'password.properties'), 'alice: alice-secret, user\n');
    writeFileSync(join(dir, 'jaas.conf'), `RestRealm {\n  org.eclipse.jetty.jaas.spi.PropertyFileLoginModule required\n  file="${join(dir, 'password.properties')}";\n};\n`);
    proxy = await startTestProxy({
      'authentication.method': 'BASIC',
      'authentication.realm': 'RestRealm',
      'java.security.auth.login.config': join(dir, 'jaas.conf'),
      'management.authentication.enable': 'false',
    });
  });
  after(async () => {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the password file of the realm section, names the realm in the challenge, and leaves management open when told to', async () => {
    assert.equal((await call(`${proxy.url}/topics`, { headers: basic('alice', 'alice-secret') })).status, 200);
    assert.equal((await call(`${proxy.url}/topics`)).headers.get('www-authenticate'), 'Basic realm="RestRealm"');
    assert.equal((await call(`${proxy.managementUrls[0]}/metrics`)).status, 200);
  });
});

describe('Basic authentication start-up problems', () => {
  it('refuses to start when the password file cannot be read', async () => {
    await assert.rejects(
      startTestProxy({ 'authentication.method': 'BASIC', 'authentication.basic.users.file': '/nonexistent/password.properties' }),
      /cannot load the password file \/nonexistent\/password\.properties/,
    );
  });
});
