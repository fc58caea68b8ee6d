import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

const env = (settings: Record<string, string>) =>
  Object.fromEntries(Object.entries({ 'bootstrap.servers': 'b:9092', ...settings }).map(([k, v]) => [`KAFKA_REST_${k.toUpperCase().replaceAll('.', '_')}`, v]));
const problems = (settings: Record<string, string>): string[] => {
  try {
    loadConfig({ env: env(settings) });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  assert.fail('expected a configuration problem');
};

describe('authentication settings', () => {
  it('defaults to no authentication, realm KafkaRest, any role, and a loopback schema registry', () => {
    const config = loadConfig({ env: env({}) });
    assert.equal(config.authentication.method, 'NONE');
    assert.equal(config.authentication.realm, 'KafkaRest');
    assert.equal(config.authentication.roles, null);
    assert.equal(config.authentication.management, false);
    assert.deepEqual(config.schemaRegistryListeners.map(String), ['http://127.0.0.1:8081/']);
  });

  it('reads BASIC with roles, skip paths, and management following it', () => {
    const { authentication } = loadConfig({
      env: env({ 'authentication.method': 'basic', 'authentication.basic.users.file': '/u', 'authentication.roles': 'admin, dev', 'authentication.skip.paths': '/health/*,/x' }),
    });
    assert.equal(authentication.method, 'BASIC');
    assert.deepEqual(authentication.roles, ['admin', 'dev']);
    assert.deepEqual(authentication.skipPaths.map((s) => s.spec), ['/health/*', '/x']);
    assert.equal(authentication.management, true);
  });

  it('lets the management listener opt out', () => {
    const { authentication } = loadConfig({
      env: env({ 'authentication.method': 'BASIC', 'authentication.basic.users.file': '/u', 'management.authentication.enable': 'false' }),
    });
    assert.equal(authentication.management, false);
  });

  it('refuses BASIC without exactly one password file source', () => {
    assert.match(problems({ 'authentication.method': 'BASIC' })[0]!, /needs the password file/);
    assert.match(problems({ 'authentication.method': 'BASIC', 'authentication.basic.users.file': '/u', 'java.security.auth.login.config': '/j' })[0]!, /exactly one/);
  });

  it('refuses BEARER without exactly one key source', () => {
    assert.match(problems({ 'authentication.method': 'BEARER' })[0]!, /needs the token signing keys/);
    assert.match(problems({ 'authentication.method': 'BEARER', 'authentication.bearer.jwks.file': '/j', 'oauth.jwks.endpoint.url': 'https://idp/jwks' })[0]!, /exactly one/);
  });

  it('refuses an empty role list, a bad path spec and an unknown method', () => {
    const base = { 'authentication.method': 'BASIC', 'authentication.basic.users.file': '/u' };
    assert.match(problems({ ...base, 'authentication.roles': ' , ' })[0]!, /would refuse every user/);
    assert.match(problems({ ...base, 'authentication.skip.paths': '/v3*' })[0]!, /\* may only end a prefix spec/);
    assert.match(problems({ 'authentication.method': 'DIGEST' })[0]!, /expected one of NONE, BASIC, BEARER/);
  });

  it('warns about keys of a method that is not in use', () => {
    const config = loadConfig({ env: env({ 'authentication.method': 'BASIC', 'authentication.basic.users.file': '/u', 'oauth.expected.issuer': 'x' }) });
    assert.ok(config.warnings.some((w) => /^oauth\.expected\.issuer .*ignored: authentication\.method is BASIC, not BEARER/.test(w)), config.warnings.join('\n'));
  });
});
