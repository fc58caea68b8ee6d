import assert from 'node:assert/strict';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { call, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const ISSUER = 'https://issuer.example';
const now = () => Math.floor(Date.now() / 1000);

describe('Bearer authentication', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auth-bearer-'));
  let proxy: TestProxy;
  let key: CryptoKey;
  let otherKey: CryptoKey;
  const sign = (claims: Record<string, unknown>, { exp = now() + 600, with: signer = key } = {}) =>
    new SignJWT({ iss: ISSUER, aud: 'kafka-rest', sub: 'svc-orders', groups: ['producers'], ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'main' })
      .setExpirationTime(exp)
      .sign(signer);
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  before(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'main', alg: 'ES256', use: 'sig' }] }));
    writeFileSync(join(dir, 'public.pem'), await exportSPKI(pair.publicKey));
    proxy = await startTestProxy({
      'authentication.method': 'BEARER',
      'authentication.bearer.jwks.file': join(dir, 'jwks.json'),
      'oauth.expected.issuer': ISSUER,
      'oauth.expected.audiences': 'kafka-rest',
      'authentication.roles': 'producers',
    });
  });
  after(async () => {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a valid token', async () => {
    const reply = await call(`${proxy.url}/topics`, { headers: bearer(await sign({})) });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  });

  it('answers 401 with a Bearer challenge, without error code, when no token is sent', async () => {
    const reply = await call(`${proxy.url}/topics`);
    assert.equal(reply.status, 401);
    assert.equal(reply.headers.get('www-authenticate'), 'Bearer realm="KafkaRest"');
    assert.equal(reply.body.error_code, 40101);
  });

  const invalid: Array<[string, () => Promise<string>, RegExp]> = [
    ['expired', () => sign({}, { exp: now() - 3600 }), /expired/],
    ['from another issuer', () => sign({ iss: 'https://evil.example' }), /"iss"/],
    ['for another audience', () => sign({ aud: 'another-service' }), /"aud"/],
    ['signed with another key', () => sign({}, { with: otherKey }), /signature/],
    ['malformed', async () => 'abc.def.ghi', /malformed|cannot be verified/],
  ];
  for (const [what, make, reason] of invalid) {
    it(`answers 401 invalid_token to a token ${what}`, async () => {
      const token = await make();
      const reply = await call(`${proxy.url}/topics`, { headers: bearer(token) });
      assert.equal(reply.status, 401);
      assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer realm="KafkaRest", error="invalid_token", error_description="[^"]+"$/);
      assert.equal(reply.body.error_code, 40101);
      assert.match(reply.body.message, reason);
      assert.ok(!JSON.stringify(reply.body).includes(token), 'the token is not echoed');
    });
  }

  it('answers 403 (40301) to a valid token without an allowed group', async () => {
    const reply = await call(`${proxy.url}/topics`, { headers: bearer(await sign({ groups: ['readers'] })) });
    assert.equal(reply.status, 403);
    assert.equal(reply.body.error_code, 40301);
  });

  it('protects the schema registry and the management listener with the same tokens', async () => {
    const token = await sign({});
    assert.equal((await call(`${proxy.schemaRegistryUrls[0]}/subjects`)).status, 401);
    assert.equal((await call(`${proxy.schemaRegistryUrls[0]}/subjects`, { headers: bearer(token) })).status, 200);
    assert.equal((await call(`${proxy.managementUrls[0]}/metrics`)).status, 401);
    assert.equal((await call(`${proxy.managementUrls[0]}/metrics`, { headers: bearer(token) })).status, 200);
  });

  it('also verifies with a PEM public key file', async () => {
    const pem = await startTestProxy({
      'authentication.method': 'BEARER',
      'authentication.bearer.public.key.file': join(dir, 'public.pem'),
      'oauth.sub.claim.name': 'client_id',
    });
    try {
      assert.equal((await call(`${pem.url}/topics`, { headers: bearer(await sign({ client_id: 'svc' })) })).status, 200);
      const noClaim = await call(`${pem.url}/topics`, { headers: bearer(await sign({})) });
      assert.equal(noClaim.status, 401);
      assert.match(noClaim.body.message, /no "client_id" claim/);
    } finally {
      await pem.close();
    }
  });
});
