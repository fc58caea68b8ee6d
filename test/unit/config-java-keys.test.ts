import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { problemsOf } from '../helpers/config-problems.ts';

/** Loads from `KAFKA_REST_*` variables alone, given as Confluent keys. */
const fromKeys = (keys: Record<string, string>): Config => {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(keys)) {
    env[`KAFKA_REST_${key.toUpperCase().replaceAll('_', '__').replaceAll('-', '___').replaceAll('.', '_')}`] = value;
  }
  return loadConfig({ env });
};

const problemsOfKeys = (keys: Record<string, string>): readonly string[] => problemsOf(() => fromKeys(keys));

const onlyWarning = (keys: Record<string, string>): string => {
  const { warnings } = fromKeys(keys);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  return warnings[0]!;
};

describe('Java client keys without a kafkajs equivalent', () => {
  it('are ignored with a warning naming key, source and reason', () => {
    assert.equal(
      onlyWarning({ 'consumer.max.poll.records': '30' }),
      'consumer.max.poll.records (env KAFKA_REST_CONSUMER_MAX_POLL_RECORDS): ignored: a records read returns what arrives within its timeout, bounded by max_bytes and consumer.request.max.bytes rather than by a count of records.',
    );
    assert.match(onlyWarning({ 'producer.batch.size': '16384' }), /^producer\.batch\.size .*: ignored: records are batched per producer slot/);
    assert.match(onlyWarning({ 'consumer.group.id': 'g' }), /ignored: a consumer instance's group is the \{group\} of its URL\.$/);
    assert.match(onlyWarning({ 'admin.client.id': 'a' }), /kafkajs uses one client id for every client: client\.client\.id/);
    assert.match(onlyWarning({ 'client.send.buffer.bytes': '131072' }), /sockets keep the operating system's buffer sizes/);
    assert.match(onlyWarning({ 'client.linger.ms': '5' }), /the producer's is the proxy's own setting of the same name under producer\./);
  });

  it('says so when a key belongs to another client', () => {
    assert.equal(
      onlyWarning({ 'admin.acks': 'all' }),
      'admin.acks (env KAFKA_REST_ADMIN_ACKS): ignored: a producer setting, unused by the admin client (Java ignores it too); producer.acks sets it.',
    );
    assert.match(onlyWarning({ 'producer.isolation.level': 'read_committed' }), /a consumer setting, unused by the producer .*consumer\.isolation\.level sets it\.$/);
  });

  it('ignores Kerberos and OAUTHBEARER tuning, which can never apply', () => {
    assert.match(onlyWarning({ 'client.sasl.kerberos.service.name': 'kafka' }), /Kerberos \(GSSAPI\) is not available here/);
    assert.match(onlyWarning({ 'client.sasl.oauthbearer.token.endpoint.url': 'https://idp/token' }), /OAUTHBEARER and Kerberos logins, which are not available here/);
  });
});

describe('Java TLS and SASL keys', () => {
  const SASL_SSL = {
    'client.security.protocol': 'SASL_SSL',
    'client.sasl.mechanism': 'PLAIN',
    'client.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";',
  };

  it('are ignored when the security protocol uses no TLS, as Java ignores them', () => {
    const { warnings } = fromKeys({ 'client.ssl.truststore.location': '/etc/kafka/truststore.jks', 'client.ssl.truststore.password': 'hunter2' });
    assert.deepEqual(warnings, [
      'client.ssl.truststore.location (env KAFKA_REST_CLIENT_SSL_TRUSTSTORE_LOCATION): ignored: client.security.protocol is PLAINTEXT, which uses no TLS (Java ignores it too).',
      'client.ssl.truststore.password (env KAFKA_REST_CLIENT_SSL_TRUSTSTORE_PASSWORD): ignored: client.security.protocol is PLAINTEXT, which uses no TLS (Java ignores it too).',
    ]);
  });

  it('refuse a JKS store when TLS is on: other certificates would be trusted', () => {
    const problems = problemsOfKeys({ ...SASL_SSL, 'client.ssl.truststore.location': '/etc/kafka/truststore.jks', 'client.ssl.truststore.password': 'hunter2' });
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(
      problems[0] ?? '',
      /^client\.ssl\.truststore\.location = "\/etc\/kafka\/truststore\.jks" \(env .*\): not supported: JKS and PKCS12 store files cannot be read; give the PEM text in client\.ssl\.truststore\.certificates/,
    );
  });

  it('accept the PEM store type, which is what the PEM keys are', () => {
    assert.deepEqual(fromKeys({ 'client.security.protocol': 'SSL', 'client.ssl.truststore.type': 'PEM' }).warnings, []);
    assert.match(onlyWarning({ 'client.security.protocol': 'SSL', 'client.ssl.truststore.type': 'JKS' }), /store files are not read/);
  });

  it("ignore protocol and cipher choices: Node's TLS defaults apply", () => {
    assert.match(onlyWarning({ 'client.security.protocol': 'SSL', 'client.ssl.enabled.protocols': 'TLSv1.2' }), /Node's TLS defaults apply/);
  });

  it('refuse login classes when SASL is on, and ignore them otherwise', () => {
    const problems = problemsOfKeys({ ...SASL_SSL, 'client.sasl.login.callback.handler.class': 'software.amazon.msk.auth.iam.IAMClientCallbackHandler' });
    assert.match(problems[0] ?? '', /not supported: Java login classes cannot be loaded here/);
    assert.match(onlyWarning({ 'client.sasl.login.callback.handler.class': 'x.Handler' }), /uses no SASL \(Java ignores it too\)/);
  });

  it('refuse security keys under producer., consumer. and admin.: kafkajs clients share one setup', () => {
    const problems = problemsOfKeys({ 'producer.security.protocol': 'SSL', 'consumer.sasl.mechanism': 'PLAIN', 'admin.ssl.truststore.location': '/t.jks' });
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0] ?? '', /^producer\.security\.protocol = "SSL" .*kafkajs clients share one connection setup: set client\.security\.protocol$/);
    assert.match(problems[1] ?? '', /set client\.sasl\.mechanism$/);
    assert.match(problems[2] ?? '', /set client\.ssl\.truststore\.location$/);
  });
});

describe('partitioning keys', () => {
  it("accept Java's default partitioner with a warning and refuse any other", () => {
    assert.match(onlyWarning({ 'producer.partitioner.class': 'org.apache.kafka.clients.producer.internals.DefaultPartitioner' }), /keyed records are placed like Java's default partitioner/);
    assert.match(problemsOfKeys({ 'producer.partitioner.class': 'com.example.RegionPartitioner' })[0] ?? '', /a Java partitioner cannot run here/);
    assert.deepEqual(fromKeys({ 'producer.partitioner.ignore.keys': 'false' }).warnings, []);
    assert.match(problemsOfKeys({ 'producer.partitioner.ignore.keys': 'true' })[0] ?? '', /keyed records are always placed by their key here/);
  });
});

describe('client.* keys of one client', () => {
  it('apply to that client, as Confluent hands client.* to every client', () => {
    const config = fromKeys({ 'client.acks': '1', 'client.isolation.level': 'read_committed', 'client.metadata.max.age.ms': '1000' });
    assert.equal(config.producer.acks, 1);
    assert.equal(config.consumer.readUncommitted, false);
    assert.equal(config.producer.metadataMaxAge, 1000);
    assert.equal(config.consumer.metadataMaxAge, 1000);
    assert.deepEqual(config.warnings, []);
  });

  it('lose to the client-specific key', () => {
    assert.equal(fromKeys({ 'client.acks': '1', 'producer.acks': 'all' }).producer.acks, -1);
    assert.equal(fromKeys({ 'producer.acks': '0', 'client.acks': 'all' }).producer.acks, 0);
  });

  it('are validated under their own name', () => {
    assert.match(problemsOfKeys({ 'client.acks': '2' })[0] ?? '', /^client\.acks = "2" \(env KAFKA_REST_CLIENT_ACKS\): expected one of all, -1, 0, 1$/);
  });
});
