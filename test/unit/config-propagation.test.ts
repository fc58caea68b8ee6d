import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

const SASL = {
  KAFKA_REST_BOOTSTRAP_SERVERS: 'broker:9092',
  KAFKA_REST_CLIENT_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
  KAFKA_REST_CLIENT_SASL_MECHANISM: 'SCRAM-SHA-512',
  KAFKA_REST_CLIENT_SASL_JAAS_CONFIG: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="rest" password="pw";',
};
const BASIC = { KAFKA_REST_AUTHENTICATION_METHOD: 'BASIC', KAFKA_REST_AUTHENTICATION_BASIC_USERS_FILE: 'package.json' };
const problems = (env: Record<string, string>) => {
  try {
    loadConfig({ env });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message.split('\n').slice(1).map((line) => line.replace(/^\s*- /, ''));
  }
};

test('JETTY_AUTH with Basic authentication and a SASL client login is accepted, with the cache bounds', () => {
  const config = loadConfig({ env: { ...SASL, ...BASIC, KAFKA_REST_CONFLUENT_REST_AUTH_PROPAGATE_METHOD: 'jetty_auth', KAFKA_REST_PRINCIPAL_CLIENTS_MAX: '7' } });
  assert.deepEqual(config.propagation, { method: 'JETTY_AUTH', keystore: null, clientsMax: 7, clientsIdleMs: 600_000 });
});

test('without propagation nothing changes', () => {
  assert.equal(loadConfig({ env: { KAFKA_REST_BOOTSTRAP_SERVERS: 'broker:9092' } }).propagation.method, null);
});

test('JETTY_AUTH names what it is missing: Basic authentication, a SASL login to Kafka', () => {
  const found = problems({ KAFKA_REST_BOOTSTRAP_SERVERS: 'broker:9092', KAFKA_REST_CONFLUENT_REST_AUTH_PROPAGATE_METHOD: 'JETTY_AUTH' });
  assert.equal(found.length, 2, found.join('\n'));
  assert.match(found[0]!, /needs authentication\.method=BASIC.*\(it is NONE\)/);
  assert.match(found[1]!, /needs a SASL connection to Kafka: set client\.security\.protocol/);
  assert.deepEqual(problems({ ...BASIC, ...SASL, KAFKA_REST_CONFLUENT_REST_AUTH_PROPAGATE_METHOD: 'JETTY_AUTH' }), []);
});

test('SSL propagation names what it is missing: client TLS, client certificates, no other authentication, the principals\' store, the proxy\'s own certificate', () => {
  const found = problems({ ...SASL, ...BASIC, KAFKA_REST_CONFLUENT_REST_AUTH_PROPAGATE_METHOD: 'SSL' });
  assert.equal(found.length, 4, found.join('\n'));
  assert.match(found[0]!, /=SSL needs client\.security\.protocol=SSL/);
  assert.match(found[1]!, /=SSL needs principals named by client certificates: an https listener with ssl\.client\.authentication=REQUIRED/);
  assert.match(found[2]!, /authentication\.method must be NONE \(it is BASIC\)/);
  assert.match(found[3]!, /=SSL needs client\.ssl\.keystore\.location/);
  assert.match(problems({ ...SASL, KAFKA_REST_CONFLUENT_REST_AUTH_PROPAGATE_METHOD: 'KERBEROS' })[0]!, /expected one of JETTY_AUTH, SSL/);
});

test('client.ssl.keystore.location is read as the principals\' store with SSL propagation, and refused as a store file without it', () => {
  const tls = { KAFKA_REST_BOOTSTRAP_SERVERS: 'broker:9093', KAFKA_REST_CLIENT_SECURITY_PROTOCOL: 'SSL', KAFKA_REST_CLIENT_SSL_KEYSTORE_LOCATION: '/etc/principals.p12', KAFKA_REST_CLIENT_SSL_KEYSTORE_PASSWORD: 'changeit' };
  assert.match(problems(tls).join('\n'), /client\.ssl\.keystore\.location.*not supported: JKS and PKCS12 store files cannot be read/);
  const found = problems({ ...tls, KAFKA_REST_CONFLUENT_REST_AUTH_PROPAGATE_METHOD: 'SSL' });
  assert.ok(!found.some((p) => /store files cannot be read/.test(p)), found.join('\n'));
  assert.ok(found.some((p) => /proxy's own certificate/.test(p)), found.join('\n'));
});

test('the security plugin\'s other keys are ignored with a warning that names the one in use', () => {
  const { warnings } = loadConfig({ env: { ...SASL, KAFKA_REST_CONFLUENT_REST_AUTH_SSL_PRINCIPAL_MAPPING_RULES: 'DEFAULT' } });
  assert.ok(warnings.some((w) => /confluent\.rest\.auth\.ssl\.principal\.mapping\.rules.*ignored.*confluent\.rest\.auth\.propagate\.method/.test(w)), warnings.join('\n'));
});
