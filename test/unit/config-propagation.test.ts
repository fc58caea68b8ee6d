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
  assert.deepEqual(config.propagation, { method: 'JETTY_AUTH', clientsMax: 7, clientsIdleMs: 600_000 });
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

test('SSL propagation is refused with the alternative, an unknown method with the choices', () => {
  assert.match(problems({ ...SASL, KAFKA_REST_CONFLUENT_REST_AUTH_PROPAGATE_METHOD: 'SSL' })[0]!, /SSL propagation .* is not available; use JETTY_AUTH/);
  assert.match(problems({ ...SASL, KAFKA_REST_CONFLUENT_REST_AUTH_PROPAGATE_METHOD: 'KERBEROS' })[0]!, /expected one of JETTY_AUTH, SSL/);
});

test('the security plugin\'s other keys are ignored with a warning that names the one in use', () => {
  const { warnings } = loadConfig({ env: { ...SASL, KAFKA_REST_CONFLUENT_REST_AUTH_SSL_PRINCIPAL_MAPPING_RULES: 'DEFAULT' } });
  assert.ok(warnings.some((w) => /confluent\.rest\.auth\.ssl\.principal\.mapping\.rules.*ignored.*confluent\.rest\.auth\.propagate\.method/.test(w)), warnings.join('\n'));
});
