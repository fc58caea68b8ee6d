/**
 * The ssl.* keys of the https listeners as configuration: Java protocol and cipher-suite names
 * translated for Node, the client-certificate policy and its older boolean, and the mistakes
 * caught before any file is read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getCiphers } from 'node:tls';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { JAVA_CIPHER_SUITES } from '../../src/http/tls/cipher-suites.ts';
import { problemsOf } from '../helpers/config-problems.ts';

const env = (keys: Record<string, string>) => Object.fromEntries(Object.entries(keys).map(([k, v]) => [`KAFKA_REST_${k.toUpperCase().replaceAll('.', '_')}`, v]));
const https = { listeners: 'https://127.0.0.1:8443', 'ssl.keystore.location': '/etc/kafka-rest/keystore.p12' };
const tlsOf = (keys: Record<string, string>): NonNullable<Config['tls']> => {
  const tls = loadConfig({ env: env({ ...https, ...keys }) }).tls;
  assert.ok(tls);
  return tls;
};
const problems = (keys: Record<string, string>) => problemsOf(() => loadConfig({ env: env({ ...https, ...keys }) }));

describe('ssl.enabled.protocols', () => {
  it('defaults to TLSv1.2 and TLSv1.3, and narrows to one', () => {
    assert.deepEqual(tlsOf({}).protocols, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
    assert.deepEqual(tlsOf({ 'ssl.enabled.protocols': 'TLSv1.3' }).protocols, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' });
    assert.deepEqual(tlsOf({ 'ssl.enabled.protocols': ' tlsv1.3 , TLSv1.2' }).protocols, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' });
  });

  it('refuses versions Node does not offer, and names that are not versions', () => {
    assert.match(problems({ 'ssl.enabled.protocols': 'TLSv1.1,TLSv1.2' })[0] ?? '', /^ssl\.enabled\.protocols = "TLSv1\.1,TLSv1\.2" .*TLSv1\.1 is not available: Node's TLS \(OpenSSL 3\) offers TLSv1\.2 and TLSv1\.3 only/);
    assert.match(problems({ 'ssl.enabled.protocols': 'TLSv2' })[0] ?? '', /TLSv2 is not a TLS protocol version/);
    assert.match(problems({ 'ssl.enabled.protocols': '' })[0] ?? '', /at least one of TLSv1\.2, TLSv1\.3 is required/);
  });
});

describe('ssl.cipher.suites', () => {
  it('translates Java names to OpenSSL ones, TLS 1.3 suites first', () => {
    const suites = tlsOf({ 'ssl.cipher.suites': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,TLS_EMPTY_RENEGOTIATION_INFO_SCSV' }).cipherSuites;
    assert.deepEqual(suites, { ciphers: 'TLS_AES_256_GCM_SHA384:ECDHE-RSA-AES128-GCM-SHA256', tls12: 1, tls13: 1 });
    assert.equal(tlsOf({ 'ssl.cipher.suites': 'ECDHE-RSA-AES256-GCM-SHA384' }).cipherSuites?.ciphers, 'ECDHE-RSA-AES256-GCM-SHA384');
    assert.equal(tlsOf({}).cipherSuites, null);
  });

  it('knows only suites that this Node can use', () => {
    const openssl = new Set(getCiphers().map((name) => name.toUpperCase()));
    for (const name of JAVA_CIPHER_SUITES) {
      const ciphers = tlsOf({ 'ssl.cipher.suites': name }).cipherSuites!.ciphers;
      assert.ok(openssl.has(ciphers), `${name} → ${ciphers}`);
    }
  });

  it('refuses an unknown suite, and suites that none of the protocols can use', () => {
    assert.match(problems({ 'ssl.cipher.suites': 'TLS_RSA_WITH_RC4_128_MD5' })[0] ?? '', /TLS_RSA_WITH_RC4_128_MD5 is not a cipher suite Node's TLS can use/);
    assert.match(
      problems({ 'ssl.enabled.protocols': 'TLSv1.2', 'ssl.cipher.suites': 'TLS_AES_128_GCM_SHA256' })[0] ?? '',
      /^ssl\.cipher\.suites = "TLS_AES_128_GCM_SHA256" .*none of these suites works with ssl\.enabled\.protocols TLSv1\.2/,
    );
  });
});

describe('client certificates', () => {
  const truststore = { 'ssl.truststore.location': '/etc/kafka-rest/truststore.p12' };

  it('ssl.client.authentication wins over ssl.client.auth, which means REQUIRED', () => {
    assert.equal(tlsOf({}).clientAuthentication, 'NONE');
    assert.equal(tlsOf({ ...truststore, 'ssl.client.auth': 'true' }).clientAuthentication, 'REQUIRED');
    assert.equal(tlsOf({ ...truststore, 'ssl.client.auth': 'true', 'ssl.client.authentication': 'requested' }).clientAuthentication, 'REQUESTED');
    assert.equal(tlsOf({ 'ssl.client.auth': 'true', 'ssl.client.authentication': 'NONE' }).clientAuthentication, 'NONE');
  });

  it('refuses a client-certificate policy without a truststore, and unknown policies', () => {
    assert.match(problems({ 'ssl.client.auth': 'true' })[0] ?? '', /^ssl\.client\.auth = "true" .*client certificates \(REQUIRED\) need ssl\.truststore\.location/);
    assert.match(problems({ 'ssl.client.authentication': 'WANT' })[0] ?? '', /^ssl\.client\.authentication = "WANT" .*expected one of NONE, REQUESTED, REQUIRED/);
  });
});

describe('stores and reload', () => {
  it('takes the store types case-insensitively, and watches the keystore only when asked', () => {
    const tls = tlsOf({ 'ssl.keystore.type': 'pkcs12', 'ssl.truststore.location': '/t.pem', 'ssl.truststore.type': 'pem' });
    assert.equal(tls.keystore.type, 'PKCS12');
    assert.deepEqual(tls.truststore, { location: '/t.pem', password: null, type: 'PEM' });
    assert.equal(tls.reloadWatch, null);
    assert.equal(tlsOf({ 'ssl.keystore.reload': 'true' }).reloadWatch, '/etc/kafka-rest/keystore.p12');
    assert.equal(tlsOf({ 'ssl.keystore.reload': 'true', 'ssl.keystore.watch.location': '/etc/kafka-rest/..data' }).reloadWatch, '/etc/kafka-rest/..data');
  });

  it('never shows a password in a problem', () => {
    const [problem] = problems({ 'ssl.keystore.type': 'BCFKS', 'ssl.keystore.password': 'hunter2' });
    assert.match(problem ?? '', /^ssl\.keystore\.type = "BCFKS"/);
    assert.ok(problems({ 'ssl.keystore.type': 'BCFKS', 'ssl.keystore.password': 'hunter2' }).every((p) => !p.includes('hunter2')));
  });

  it('https on the management or registry listener alone needs the keystore too', () => {
    const [problem] = problemsOf(() => loadConfig({ env: env({ 'schema.registry.listeners': 'https://127.0.0.1:8444' }) }));
    assert.match(problem ?? '', /^schema\.registry\.listeners = "https:\/\/127\.0\.0\.1:8444" .*an https listener needs a keystore/);
  });

  it('with every listener http, ssl.* keys are ignored with a warning and there is no TLS', () => {
    const config = loadConfig({ env: env({ 'ssl.keystore.location': '/k.p12', 'ssl.provider': 'SunJSSE' }) });
    assert.equal(config.tls, null);
    assert.equal(config.warnings.length, 2);
    assert.ok(config.warnings.every((w) => /every listener is http/.test(w)), config.warnings.join('\n'));
  });
});
