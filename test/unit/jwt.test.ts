import assert from 'node:assert/strict';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BearerSettings } from '../../src/config/auth-settings.ts';
import { BearerVerifier, InvalidToken } from '../../src/http/auth/bearer.ts';

const dir = mkdtempSync(join(tmpdir(), 'jwt-'));
let signing: { privateKey: CryptoKey; publicKey: CryptoKey };
let other: { privateKey: CryptoKey; publicKey: CryptoKey };
let settings: BearerSettings;

const now = () => Math.floor(Date.now() / 1000);
function token(claims: Record<string, unknown>, { key = signing.privateKey, kid = 'k1', exp = now() + 600 }: { key?: CryptoKey; kid?: string; exp?: number | null } = {}) {
  const jwt = new SignJWT({ iss: 'https://issuer.example', aud: 'kafka-rest', sub: 'alice', ...claims }).setProtectedHeader({ alg: 'RS256', kid });
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}
async function refusal(verifier: BearerVerifier, jwt: string): Promise<string> {
  const error = await verifier.verify(jwt).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(error instanceof InvalidToken, `expected InvalidToken, got ${String(error)}`);
  return error.message;
}

before(async () => {
  signing = await generateKeyPair('RS256');
  other = await generateKeyPair('RS256');
  writeFileSync(join(dir, 'public.pem'), await exportSPKI(signing.publicKey));
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [{ ...(await exportJWK(signing.publicKey)), kid: 'k1', alg: 'RS256' }] }));
  settings = {
    publicKeyFile: join(dir, 'public.pem'),
    jwksFile: null,
    jwksEndpointUrl: null,
    issuer: 'https://issuer.example',
    audiences: ['other', 'kafka-rest'],
    subClaimName: 'sub',
    groupsClaimName: 'groups',
    clockSkewSeconds: 30,
  };
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Bearer JWT verification', () => {
  it('accepts a valid token: principal from sub, roles from groups', async () => {
    const verifier = new BearerVerifier(settings);
    assert.deepEqual(await verifier.verify(await token({ groups: ['dev', 7, 'ops'] })), { name: 'alice', roles: ['dev', 'ops'] });
  });

  it('takes the principal and roles from the configured claims', async () => {
    const verifier = new BearerVerifier({ ...settings, subClaimName: 'preferred_username', groupsClaimName: 'roles' });
    assert.deepEqual(await verifier.verify(await token({ preferred_username: 'bob', roles: 'admin' })), { name: 'bob', roles: ['admin'] });
    assert.match(await refusal(verifier, await token({})), /no "preferred_username" claim/);
  });

  it('refuses an expired token beyond the clock skew, and accepts one within it', async () => {
    const verifier = new BearerVerifier(settings);
    assert.match(await refusal(verifier, await token({}, { exp: now() - 120 })), /expired/);
    assert.ok(await verifier.verify(await token({}, { exp: now() - 5 })));
  });

  it('refuses a token without exp', async () => {
    assert.match(await refusal(new BearerVerifier(settings), await token({}, { exp: null })), /"exp" claim/);
  });

  it('refuses a wrong issuer or audience', async () => {
    const verifier = new BearerVerifier(settings);
    assert.match(await refusal(verifier, await token({ iss: 'https://evil.example' })), /"iss" claim/);
    assert.match(await refusal(verifier, await token({ aud: 'someone-else' })), /"aud" claim/);
  });

  it('refuses a token signed with another key', async () => {
    assert.match(await refusal(new BearerVerifier(settings), await token({}, { key: other.privateKey })), /signature/);
  });

  it('refuses HS256 signed with the public key as a secret, and unsigned tokens', async () => {
    const pem = await exportSPKI(signing.publicKey);
    const forged = await new SignJWT({ sub: 'mallory', iss: 'https://issuer.example', aud: 'kafka-rest' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now() + 600)
      .sign(new TextEncoder().encode(pem));
    assert.match(await refusal(new BearerVerifier(settings), forged), /algorithm/);
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ sub: 'mallory', exp: now() + 600 })).toString('base64url');
    await refusal(new BearerVerifier(settings), `${header}.${body}.`);
    await refusal(new BearerVerifier(settings), 'not-a-token');
  });

  it('verifies with the keys of a JWKS file, by key id', async () => {
    const verifier = new BearerVerifier({ ...settings, publicKeyFile: null, jwksFile: join(dir, 'jwks.json') });
    assert.equal((await verifier.verify(await token({}))).name, 'alice');
    assert.match(await refusal(verifier, await token({}, { kid: 'unknown', key: other.privateKey })), /no known key/);
  });

  it('checks no issuer or audience when none is configured', async () => {
    const verifier = new BearerVerifier({ ...settings, issuer: null, audiences: [] });
    assert.ok(await verifier.verify(await token({ iss: 'anyone', aud: 'anything' })));
  });

  it('fails to load a key file that is not a public key', () => {
    writeFileSync(join(dir, 'bad.pem'), 'not a key');
    assert.throws(() => new BearerVerifier({ ...settings, publicKeyFile: join(dir, 'bad.pem') }));
  });
});
