import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CompressionTypes } from 'kafkajs';
import { ConfigError, describeConfigKeys, envNameToKey, loadConfig, MAX_CONSUMER_REQUEST_TIMEOUT_MS, type Config } from '../../src/config/config.ts';
import {
  PASS_THROUGH_GROUPS,
  toAdminConfig,
  toConsumerConfig,
  toKafkaConfig,
  toProducerConfig,
  toSendOptions,
} from '../../src/config/kafka-client-options.ts';
import { problemsOf } from '../helpers/config-problems.ts';

const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const writeProperties = (text: string): string => {
  const file = join(dir, `${files++}.properties`);
  writeFileSync(file, text);
  return file;
};

/** Loads from properties text alone (no environment). */
const fromProperties = (text: string): Config => loadConfig({ file: writeProperties(text), env: {} });

/** Loads from `KAFKA_REST_*` variables alone, given as Confluent keys. */
const fromKeys = (keys: Record<string, string>): Config => {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(keys)) {
    env[`KAFKA_REST_${key.toUpperCase().replaceAll('_', '__').replaceAll('-', '___').replaceAll('.', '_')}`] = value;
  }
  return loadConfig({ env });
};

/** Asserts exactly one problem, matching every pattern. */
const assertProblem = (load: () => unknown, ...patterns: RegExp[]): void => {
  const problems = problemsOf(load);
  assert.equal(problems.length, 1, problems.join('\n'));
  for (const pattern of patterns) assert.match(problems[0] ?? '', pattern);
};

const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydA==\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cret";';

describe('loadConfig defaults', () => {
  it('produces every default with no file and an empty environment', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(
      config.listeners.map((u) => u.href),
      ['http://0.0.0.0:8082/'],
    );
    assert.deepEqual(config.advertisedListeners, []);
    assert.equal(config.id, '');
    assert.equal(config.bootstrapServers, null);
    assert.equal(config.compressionType, 'none');
    assert.equal(config.consumerRequestTimeoutMs, 1000);
    assert.equal(config.consumerRequestMaxBytes, 67108864);
    assert.equal(config.consumerInstanceTimeoutMs, 300000);
    assert.equal(config.consumerIteratorBackoffMs, 50);
    assert.equal(config.consumerSubscriptionMaxTopics, 1000);
    assert.equal(config.consumerMaxPendingRequests, 32);
    assert.equal(config.consumerPatternRefreshMs, 30000);
    assert.equal(config.fetchMinBytes, -1);
    assert.equal(config.schemaRegistryUrl, null);
    assert.equal(config.journalPath, 'data/journal.db');
    assert.equal(config.producerPoolSize, 4);
    assert.equal(config.producerLingerMs, 0);
    assert.equal(config.producerMaxBlockMs, 60000);
    assert.equal(config.requestBodyMaxBytes, 67108864);
    assert.equal(config.shutdownTimeoutMs, 30000);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.embeddedBrokerDir, 'data/kafka');
    assert.deepEqual(config.client, {});
    assert.deepEqual(config.producer, {});
    assert.deepEqual(config.consumer, {});
    assert.deepEqual(config.admin, {});
  });

  it('returns fresh objects on every load', () => {
    const first = loadConfig({ env: {} });
    first.listeners[0]!.port = '1';
    assert.equal(loadConfig({ env: {} }).listeners[0]!.port, '8082');
  });
});

describe('loadConfig sources', () => {
  it('reads a properties file', () => {
    const config = fromProperties('# proxy\nid=proxy-1\nbootstrap.servers=PLAINTEXT://kafka:9092\nlog.level = debug\n');
    assert.equal(config.id, 'proxy-1');
    assert.deepEqual(config.bootstrapServers, ['kafka:9092']);
    assert.equal(config.logLevel, 'debug');
  });

  it('maps KAFKA_REST_* variables to keys and ignores other variables', () => {
    const config = loadConfig({
      env: {
        KAFKA_REST_BOOTSTRAP_SERVERS: 'a:1,b:2',
        KAFKA_REST_CLIENT_SASL_MECHANISM: 'PLAIN',
        KAFKA_REST_CLIENT_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        KAFKA_REST_CLIENT_SASL_JAAS_CONFIG: PLAIN_JAAS,
        KAFKA_REST_CONSUMER_REQUEST_TIMEOUT_MS: '250',
        KAFKAREST_HEAP_OPTS: '-Xmx1g',
        PATH: '/usr/bin',
        KAFKA_REST_UNDEFINED: undefined,
      },
    });
    assert.deepEqual(config.bootstrapServers, ['a:1', 'b:2']);
    assert.deepEqual(config.client.sasl, { mechanism: 'plain', username: 'alice', password: 's3cret' });
    assert.equal(config.consumerRequestTimeoutMs, 250);
  });

  it('lets the environment win over the file', () => {
    const file = writeProperties('id=from-file\nlog.level=warn\n');
    const config = loadConfig({ file, env: { KAFKA_REST_ID: 'from-env' } });
    assert.equal(config.id, 'from-env');
    assert.equal(config.logLevel, 'warn');
  });

  it('takes an empty variable as an empty value', () => {
    assert.equal(loadConfig({ file: writeProperties('id=x'), env: { KAFKA_REST_ID: '' } }).id, '');
  });

  it('strips a UTF-8 byte order mark from the file', () => {
    assert.equal(fromProperties('\uFEFFid=bom').id, 'bom');
  });

  it('reports an unreadable file', () => {
    assertProblem(() => loadConfig({ file: join(dir, 'missing.properties'), env: {} }), /cannot read config file .*missing\.properties/);
  });

  it('reports a properties syntax error with its line', () => {
    assertProblem(() => fromProperties('id=1\nlog.level=\\uXYZW'), /config file .* line 2: malformed \\uXXXX escape/);
  });

  it('reads PEM and JAAS values spread over continuation lines', () => {
    const config = fromProperties(
      [
        'client.security.protocol=SASL_SSL',
        'client.sasl.mechanism=SCRAM-SHA-512',
        'client.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\',
        '    username="bob" \\',
        '    password="p=w;d";',
        'client.ssl.truststore.certificates=-----BEGIN CERTIFICATE----- \\',
        '    MIIBszCCAVmgAwIBAgIU \\',
        '    Q2VydA== \\',
        '    -----END CERTIFICATE-----',
      ].join('\n'),
    );
    assert.deepEqual(config.client.sasl, { mechanism: 'scram-sha-512', username: 'bob', password: 'p=w;d' });
    assert.deepEqual(config.client.ssl, { ca: PEM_CERT });
  });
});

describe('envNameToKey', () => {
  it('decodes like Confluent images: _ → ., __ → _, ___ → -', () => {
    assert.equal(envNameToKey('KAFKA_REST_BOOTSTRAP_SERVERS'), 'bootstrap.servers');
    assert.equal(envNameToKey('KAFKA_REST_CLIENT_SASL_MECHANISM'), 'client.sasl.mechanism');
    assert.equal(envNameToKey('KAFKA_REST_CONSUMER_ISOLATION_LEVEL'), 'consumer.isolation.level');
    assert.equal(envNameToKey('KAFKA_REST_A__B'), 'a_b');
    assert.equal(envNameToKey('KAFKA_REST_A___B_C'), 'a-b.c');
  });
});

describe('top-level keys', () => {
  it('parses listener lists', () => {
    const config = fromKeys({ listeners: ' http://127.0.0.1:0 , http://[::1]:8080,' });
    assert.deepEqual(
      config.listeners.map((u) => [u.hostname, u.port]),
      [
        ['127.0.0.1', '0'],
        ['[::1]', '8080'],
      ],
    );
  });

  it('takes https listeners only with a keystore', () => {
    assertProblem(
      () => fromKeys({ listeners: 'http://a:1,https://0.0.0.0:8443' }),
      /^listeners = "http:\/\/a:1,https:\/\/0\.0\.0\.0:8443" \(env KAFKA_REST_LISTENERS\)/,
      /an https listener needs a keystore: set ssl\.keystore\.location/,
    );
    const config = fromKeys({ listeners: 'http://a:1,https://0.0.0.0:8443', 'ssl.keystore.location': '/k.p12' });
    assert.deepEqual(config.listeners.map(String), ['http://a:1/', 'https://0.0.0.0:8443/']);
  });

  it('rejects malformed listeners', () => {
    assertProblem(() => fromKeys({ listeners: 'http://a:70000' }), /"http:\/\/a:70000" is not a URL/);
    assertProblem(() => fromKeys({ listeners: 'localhost:8082' }), /unsupported scheme localhost/);
    assertProblem(() => fromKeys({ listeners: 'ftp://a:21' }), /unsupported scheme ftp/);
    assertProblem(() => fromKeys({ listeners: 'http://a:1/base' }), /must have no path, query or credentials/);
    assertProblem(() => fromKeys({ listeners: '' }), /at least one URL is required/);
  });

  it('accepts http and https advertised listeners, and an empty list', () => {
    assert.deepEqual(
      fromKeys({ 'advertised.listeners': 'https://proxy.example.com:443,http://b:8082' }).advertisedListeners.map((u) => u.host),
      ['proxy.example.com', 'b:8082'],
    );
    assert.deepEqual(fromKeys({ 'advertised.listeners': '' }).advertisedListeners, []);
    assertProblem(() => fromKeys({ 'advertised.listeners': 'nope' }), /^advertised\.listeners = "nope".*is not a URL/);
  });

  it('parses bootstrap servers, dropping listener-name prefixes', () => {
    assert.deepEqual(fromKeys({ 'bootstrap.servers': 'PLAINTEXT://k1:9092, SASL_SSL://k2.example.com:9093,[::1]:9094,10.0.0.1:1' }).bootstrapServers, [
      'k1:9092',
      'k2.example.com:9093',
      '[::1]:9094',
      '10.0.0.1:1',
    ]);
  });

  it('rejects malformed bootstrap servers', () => {
    assertProblem(() => fromKeys({ 'bootstrap.servers': 'kafka' }), /^bootstrap\.servers = "kafka".*"kafka" is not host:port; expected a comma-separated list of host:port/);
    assertProblem(() => fromKeys({ 'bootstrap.servers': 'kafka:0' }), /"kafka:0" is not host:port/);
    assertProblem(() => fromKeys({ 'bootstrap.servers': 'kafka:65536' }), /is not host:port/);
    assertProblem(() => fromKeys({ 'bootstrap.servers': 'a b:1' }), /is not host:port/);
    assertProblem(() => fromKeys({ 'bootstrap.servers': ' ' }), /at least one broker is required/);
  });

  it('parses compression.type case-insensitively and rejects others', () => {
    assert.equal(fromKeys({ 'compression.type': 'GZip' }).compressionType, 'gzip');
    assertProblem(() => fromKeys({ 'compression.type': 'brotli' }), /^compression\.type = "brotli".*expected one of none, gzip, snappy, lz4, zstd$/);
  });

  it('parses every integer key within its range', () => {
    const config = fromKeys({
      'consumer.request.timeout.ms': '0',
      'consumer.request.max.bytes': '1',
      'consumer.instance.timeout.ms': '1',
      'consumer.iterator.backoff.ms': '0',
      'fetch.min.bytes': '10000000',
      'producer.pool.size': '64',
      'producer.linger.ms': '10000',
      'producer.max.block.ms': '0',
      'request.body.max.bytes': ' 1024 ',
      'shutdown.timeout.ms': '0',
    });
    assert.equal(config.consumerRequestTimeoutMs, 0);
    assert.equal(config.consumerRequestMaxBytes, 1);
    assert.equal(config.consumerInstanceTimeoutMs, 1);
    assert.equal(config.consumerIteratorBackoffMs, 0);
    assert.equal(config.fetchMinBytes, 10000000);
    assert.equal(config.producerPoolSize, 64);
    assert.equal(config.producerLingerMs, 10000);
    assert.equal(config.producerMaxBlockMs, 0);
    assert.equal(config.requestBodyMaxBytes, 1024);
    assert.equal(config.shutdownTimeoutMs, 0);
    assert.equal(fromKeys({ 'fetch.min.bytes': '-1' }).fetchMinBytes, -1);
  });

  it('rejects non-decimal and out-of-range integers', () => {
    for (const bad of ['1.5', 'abc', '', '0x10', '1e3', '+5', '2147483648']) {
      assertProblem(() => fromKeys({ 'consumer.request.timeout.ms': bad }), /expected an integer between 0 and 300000$/);
    }
    assertProblem(() => fromKeys({ 'consumer.request.timeout.ms': '-1' }), /^consumer\.request\.timeout\.ms = "-1"/);
    assertProblem(() => fromKeys({ 'consumer.request.max.bytes': '0' }), /expected an integer >= 1/);
    assertProblem(() => fromKeys({ 'consumer.instance.timeout.ms': '0' }), /expected an integer >= 1/);
    assertProblem(() => fromKeys({ 'fetch.min.bytes': '-2' }), /expected an integer between -1 and 10000000/);
    assertProblem(() => fromKeys({ 'fetch.min.bytes': '10000001' }), /expected an integer between -1 and 10000000/);
    assertProblem(() => fromKeys({ 'producer.pool.size': '0' }), /expected an integer between 1 and 64/);
    assertProblem(() => fromKeys({ 'producer.pool.size': '65' }), /expected an integer between 1 and 64/);
    assertProblem(() => fromKeys({ 'producer.linger.ms': '10001' }), /expected an integer between 0 and 10000/);
    assertProblem(() => fromKeys({ 'request.body.max.bytes': '0' }), /expected an integer >= 1/);
  });

  it('treats an empty schema.registry.url as disabled and validates a given one', () => {
    assert.equal(fromKeys({ 'schema.registry.url': 'http://registry:8081' }).schemaRegistryUrl, 'http://registry:8081');
    assert.equal(fromKeys({ 'schema.registry.url': '' }).schemaRegistryUrl, null);
    assertProblem(() => fromKeys({ 'schema.registry.url': 'registry:8081' }), /"registry:8081" is not an http:\/\/ or https:\/\/ URL; expected a comma-separated list of http:\/\/ or https:\/\/ URLs, or empty/);
  });

  it('requires non-empty paths', () => {
    const config = fromKeys({ 'journal.path': '/var/lib/proxy/journal.db', 'embedded.broker.dir': ' /tmp/kafka ' });
    assert.equal(config.journalPath, '/var/lib/proxy/journal.db');
    assert.equal(config.embeddedBrokerDir, '/tmp/kafka');
    assertProblem(() => fromKeys({ 'journal.path': '' }), /^journal\.path = "".*expected a non-empty path/);
    assertProblem(() => fromKeys({ 'embedded.broker.dir': '  ' }), /^embedded\.broker\.dir/);
  });

  it('validates log.level', () => {
    assert.equal(fromKeys({ 'log.level': 'SILENT' }).logLevel, 'silent');
    assertProblem(() => fromKeys({ 'log.level': 'verbose' }), /expected one of trace, debug, info, warn, error, fatal, silent/);
  });

  it('keeps id verbatim', () => {
    assert.equal(fromKeys({ id: ' proxy 1 ' }).id, ' proxy 1 ');
  });

  it('recognises the proxy keys that share the consumer. and producer. prefixes', () => {
    const config = fromKeys({
      'consumer.request.timeout.ms': '5',
      'consumer.request.max.bytes': '6',
      'consumer.instance.timeout.ms': '7',
      'consumer.iterator.backoff.ms': '8',
      'producer.pool.size': '2',
      'producer.linger.ms': '3',
      'producer.max.block.ms': '4',
    });
    assert.deepEqual(config.consumer, {});
    assert.deepEqual(config.producer, {});
    assert.equal(config.consumerIteratorBackoffMs, 8);
    assert.equal(config.producerMaxBlockMs, 4);
  });
});

describe('consumer limits', () => {
  it('caps consumer.request.timeout.ms at 5 minutes, the per-instance bound too', () => {
    assert.equal(MAX_CONSUMER_REQUEST_TIMEOUT_MS, 300_000);
    assert.equal(fromKeys({ 'consumer.request.timeout.ms': '300000' }).consumerRequestTimeoutMs, 300_000);
    for (const bad of ['300001', '2147483647']) {
      assertProblem(() => fromKeys({ 'consumer.request.timeout.ms': bad }), /^consumer\.request\.timeout\.ms = .*expected an integer between 0 and 300000$/);
    }
  });

  it('reads consumer.subscription.max.topics in [1, 100000]', () => {
    assert.equal(fromKeys({ 'consumer.subscription.max.topics': '1' }).consumerSubscriptionMaxTopics, 1);
    assert.equal(fromKeys({ 'consumer.subscription.max.topics': '100000' }).consumerSubscriptionMaxTopics, 100_000);
    for (const bad of ['0', '100001', 'many']) {
      assertProblem(() => fromKeys({ 'consumer.subscription.max.topics': bad }), /^consumer\.subscription\.max\.topics = .*expected an integer between 1 and 100000$/);
    }
  });

  it('reads consumer.instance.max.pending.requests in [1, 10000]', () => {
    assert.equal(fromKeys({ 'consumer.instance.max.pending.requests': '1' }).consumerMaxPendingRequests, 1);
    assert.equal(fromKeys({ 'consumer.instance.max.pending.requests': '10000' }).consumerMaxPendingRequests, 10_000);
    for (const bad of ['0', '10001', '-1']) {
      assertProblem(() => fromKeys({ 'consumer.instance.max.pending.requests': bad }), /expected an integer between 1 and 10000$/);
    }
  });

  it('reads consumer.pattern.refresh.ms in [1000, 3600000]', () => {
    assert.equal(fromKeys({ 'consumer.pattern.refresh.ms': '1000' }).consumerPatternRefreshMs, 1000);
    assert.equal(fromKeys({ 'consumer.pattern.refresh.ms': '3600000' }).consumerPatternRefreshMs, 3_600_000);
    for (const bad of ['999', '3600001', '']) {
      assertProblem(() => fromKeys({ 'consumer.pattern.refresh.ms': bad }), /expected an integer between 1000 and 3600000$/);
    }
  });

  it('keeps the new consumer.* proxy keys out of the kafkajs pass-through', () => {
    const config = fromKeys({ 'consumer.subscription.max.topics': '5', 'consumer.instance.max.pending.requests': '6', 'consumer.pattern.refresh.ms': '7000' });
    assert.deepEqual(config.consumer, {});
    assert.deepEqual([config.consumerSubscriptionMaxTopics, config.consumerMaxPendingRequests, config.consumerPatternRefreshMs], [5, 6, 7000]);
  });

  it('documents the new keys with their defaults, and the pattern refresh’s Java counterpart', () => {
    const byKey = new Map(describeConfigKeys().map((k) => [k.key, k]));
    assert.equal(byKey.get('consumer.subscription.max.topics')?.default, '1000');
    assert.equal(byKey.get('consumer.instance.max.pending.requests')?.default, '32');
    assert.equal(byKey.get('consumer.pattern.refresh.ms')?.default, '30000');
    assert.match(byKey.get('consumer.pattern.refresh.ms')?.description ?? '', /metadata\.max\.age\.ms/);
  });
});

describe('problem reporting', () => {
  it('collects every problem, one per line, naming key, value, source and expectation', () => {
    const file = writeProperties('producer.pool.size=99\nlisteners=https://a:1\nmystery=1\n');
    let error: unknown;
    try {
      loadConfig({ file, env: { KAFKA_REST_LOG_LEVEL: 'loud', KAFKA_REST_CLIENT_RETRIES: '-3' } });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems.length, 5, error.problems.join('\n'));
    const lines = error.message.split('\n');
    assert.equal(lines[0], 'invalid configuration (5 problems):');
    assert.equal(lines.length, 6);
    assert.ok(lines.slice(1).every((line) => line.startsWith('  - ')));
    assert.match(error.message, new RegExp(`producer\\.pool\\.size = "99" \\(file ${file.replace(/[.\\]/g, '\\$&')}\\): expected an integer between 1 and 64`));
    assert.match(error.message, /listeners = "https:\/\/a:1" \(file .*\): an https listener needs a keystore/);
    assert.match(error.message, /unknown key mystery = "1"/);
    assert.match(error.message, /log\.level = "loud" \(env KAFKA_REST_LOG_LEVEL\): expected one of/);
    assert.match(error.message, /client\.retries = "-3" \(env KAFKA_REST_CLIENT_RETRIES\): expected an integer >= 0/);
  });

  it('says "1 problem" for a single problem', () => {
    assert.throws(() => fromKeys({ 'log.level': 'x' }), {
      name: 'ConfigError',
      message: /^invalid configuration \(1 problem\):\n {2}- log\.level = "x"/,
    });
  });

  it('lists the known keys for an unknown top-level key nothing resembles', () => {
    assertProblem(() => fromProperties('mystery=8082'), /^unknown key mystery = "8082" \(file .*\): expected one of listeners, advertised\.listeners, .*, port, host\.name, client\.\*, producer\.\*, consumer\.\*, admin\.\*$/);
  });

  it('suggests the prefixed key for a Kafka client key given bare', () => {
    assertProblem(() => fromProperties('security.protocol=SSL'), /unknown key security\.protocol .*did you mean client\.security\.protocol\?/);
    assertProblem(() => fromProperties('isolation.level=read_committed'), /did you mean consumer\.isolation\.level\?/);
  });

  it('names the supported keys for an unknown prefixed key', () => {
    assertProblem(() => fromProperties('client.bogus=1'), /^unknown key client\.bogus = "1" .*supported client\.\* keys are client\.id, request\.timeout\.ms, /);
    assertProblem(() => fromProperties('producer.flux=1'), /supported producer\.\* keys are acks, /);
    assertProblem(() => fromProperties('consumer.flux=g'), /supported consumer\.\* keys are session\.timeout\.ms, /);
    assertProblem(() => fromProperties('admin.flux=a'), /supported admin\.\* keys are request\.timeout\.ms, retries, retry\.backoff\.ms, retry\.backoff\.max\.ms$/);
  });

  it('hints that an unknown variable may not be meant for the proxy', () => {
    assertProblem(() => loadConfig({ env: { KAFKA_REST_FLUX: '1' } }), /unknown key flux .*\(env KAFKA_REST_FLUX\) \(if that variable is not meant for the proxy/);
  });

  it('never echoes secret values', () => {
    const problems = problemsOf(() =>
      fromKeys({
        'client.security.protocol': 'SASL_SSL',
        'client.sasl.mechanism': 'PLAIN',
        'client.sasl.jaas.config': 'username="u" password="hunter2"',
        'client.ssl.keystore.location': '/etc/hunter4.jks',
        'client.ssl.keystore.password': 'hunter3',
        'client.ssl.trustore.password': 'hunter5',
      }),
    );
    const text = problems.join('\n');
    assert.doesNotMatch(text, /hunter[235]/);
    assert.match(text, /client\.sasl\.jaas\.config = \(secret, not shown\)/);
    assert.match(text, /unknown key client\.ssl\.trustore\.password = \(secret, not shown\).*did you mean client\.ssl\.truststore\.password\?/);
  });
});

describe('client.* pass-through', () => {
  it('maps the connection keys', () => {
    const { client } = fromKeys({
      'client.client.id': 'rest-proxy',
      'client.request.timeout.ms': '40000',
      'client.socket.connection.setup.timeout.ms': '3000',
      'client.retries': '7',
      'client.retry.backoff.ms': '100',
      'client.retry.backoff.max.ms': '1000',
    });
    assert.deepEqual(client, {
      clientId: 'rest-proxy',
      requestTimeout: 40000,
      connectionTimeout: 3000,
      retry: { retries: 7, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  });

  it('keeps PLAINTEXT free of ssl and sasl', () => {
    assert.deepEqual(fromKeys({ 'client.security.protocol': 'plaintext' }).client, {});
  });

  it('turns TLS on for SSL, with PEM material when given', () => {
    assert.deepEqual(fromKeys({ 'client.security.protocol': 'SSL' }).client, { ssl: true });
    const { client } = fromKeys({
      'client.security.protocol': 'SSL',
      'client.ssl.truststore.certificates': PEM_CERT + PEM_CERT,
      'client.ssl.keystore.certificate.chain': PEM_CERT,
      'client.ssl.keystore.key': PEM_KEY,
      'client.ssl.key.password': 'pass',
      'client.ssl.endpoint.identification.algorithm': 'https',
    });
    assert.deepEqual(client, {
      ssl: { ca: PEM_CERT + PEM_CERT, cert: PEM_CERT, key: PEM_KEY, passphrase: 'pass' },
      sslEndpointIdentificationAlgorithm: 'https',
    });
  });

  it('re-wraps PEM bodies whose newlines were lost', () => {
    const flat = '-----BEGIN CERTIFICATE----- MIIBszCCAVmgAwIBAgIU Q2VydA== -----END CERTIFICATE-----';
    assert.deepEqual(fromKeys({ 'client.security.protocol': 'SSL', 'client.ssl.truststore.certificates': flat }).client.ssl, { ca: PEM_CERT });
  });

  it('records an empty endpoint identification algorithm', () => {
    assert.equal(fromKeys({ 'client.ssl.endpoint.identification.algorithm': '' }).client.sslEndpointIdentificationAlgorithm, '');
    assertProblem(
      () => fromKeys({ 'client.ssl.endpoint.identification.algorithm': 'none' }),
      /expected one of https, "" \(empty\)/,
    );
  });

  it('builds SASL options for each mechanism', () => {
    const plain = fromKeys({ 'client.security.protocol': 'SASL_SSL', 'client.sasl.mechanism': 'PLAIN', 'client.sasl.jaas.config': PLAIN_JAAS }).client;
    assert.deepEqual(plain, { ssl: true, sasl: { mechanism: 'plain', username: 'alice', password: 's3cret' } });
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      const { client } = fromKeys({
        'client.security.protocol': 'SASL_PLAINTEXT',
        'client.sasl.mechanism': mechanism,
        'client.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username=bob password="a \\"quoted\\" pass";',
      });
      assert.deepEqual(client, { sasl: { mechanism: mechanism.toLowerCase(), username: 'bob', password: 'a "quoted" pass' } });
    }
  });

  it('accepts shaded login module names', () => {
    const { client } = fromKeys({
      'client.security.protocol': 'SASL_SSL',
      'client.sasl.mechanism': 'PLAIN',
      'client.sasl.jaas.config': 'kafkashaded.org.apache.kafka.common.security.plain.PlainLoginModule required password="p" username="u" ;',
    });
    assert.deepEqual(client.sasl, { mechanism: 'plain', username: 'u', password: 'p' });
  });

  it('requires a mechanism and a JAAS entry for SASL_*', () => {
    assertProblem(() => fromKeys({ 'client.security.protocol': 'SASL_SSL', 'client.sasl.mechanism': 'PLAIN' }), /SASL_SSL needs client\.sasl\.jaas\.config/);
    assertProblem(
      () => fromKeys({ 'client.security.protocol': 'SASL_PLAINTEXT', 'client.sasl.jaas.config': PLAIN_JAAS }),
      /SASL_PLAINTEXT needs client\.sasl\.mechanism \(PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512\)/,
    );
  });

  it('rejects a login module that does not match the mechanism', () => {
    assertProblem(
      () => fromKeys({ 'client.security.protocol': 'SASL_SSL', 'client.sasl.mechanism': 'SCRAM-SHA-256', 'client.sasl.jaas.config': PLAIN_JAAS }),
      /client\.sasl\.jaas\.config uses org\.apache\.kafka\.common\.security\.plain\.PlainLoginModule but client\.sasl\.mechanism SCRAM-SHA-256 needs ScramLoginModule/,
    );
  });

  it('rejects malformed JAAS entries', () => {
    const bad = [
      'username="u" password="p";',
      'org.x.PlainLoginModule username="u" password="p";',
      'org.x.PlainLoginModule required username="u" password="p"',
      'org.x.PlainLoginModule required username="u" password="p"; extra',
      'org.x.PlainLoginModule required username="u password="p";',
    ];
    for (const jaas of bad) {
      assertProblem(
        () => fromKeys({ 'client.security.protocol': 'SASL_SSL', 'client.sasl.mechanism': 'PLAIN', 'client.sasl.jaas.config': jaas }),
        /^client\.sasl\.jaas\.config = \(secret, not shown\) \(env KAFKA_REST_CLIENT_SASL_JAAS_CONFIG\): expected a JAAS entry like/,
      );
    }
    assertProblem(
      () => fromKeys({ 'client.security.protocol': 'SASL_SSL', 'client.sasl.mechanism': 'PLAIN', 'client.sasl.jaas.config': 'org.x.PlainLoginModule required username="u";' }),
      /username and password are required/,
    );
  });

  it('rejects invalid security enums', () => {
    assertProblem(() => fromKeys({ 'client.security.protocol': 'TLS' }), /expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
    assertProblem(
      () => fromKeys({ 'client.security.protocol': 'SASL_SSL', 'client.sasl.mechanism': 'GSSAPI', 'client.sasl.jaas.config': PLAIN_JAAS }),
      /client\.sasl\.mechanism = "GSSAPI".*expected one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512/,
    );
  });

  it('refuses TLS or SASL settings the protocol would ignore', () => {
    assertProblem(() => fromKeys({ 'client.ssl.truststore.certificates': PEM_CERT }), /client\.ssl\.\* settings need client\.security\.protocol SSL or SASL_SSL \(it is PLAINTEXT\)/);
    assertProblem(
      () => fromKeys({ 'client.security.protocol': 'SSL', 'client.sasl.mechanism': 'PLAIN' }),
      /client\.sasl\.\* settings need client\.security\.protocol SASL_PLAINTEXT or SASL_SSL \(it is SSL\)/,
    );
  });

  it('needs the certificate chain and key together', () => {
    assertProblem(
      () => fromKeys({ 'client.security.protocol': 'SSL', 'client.ssl.keystore.key': PEM_KEY }),
      /client\.ssl\.keystore\.certificate\.chain and client\.ssl\.keystore\.key must be set together/,
    );
  });

  it('rejects malformed PEM', () => {
    assertProblem(() => fromKeys({ 'client.security.protocol': 'SSL', 'client.ssl.truststore.certificates': 'not pem' }), /no PEM block found; expected PEM text with CERTIFICATE blocks/);
    assertProblem(
      () => fromKeys({ 'client.security.protocol': 'SSL', 'client.ssl.truststore.certificates': PEM_KEY }),
      /unexpected PEM block "PRIVATE KEY"/,
    );
    assertProblem(
      () => fromKeys({ 'client.security.protocol': 'SSL', 'client.ssl.truststore.certificates': '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----' }),
      /PEM block "CERTIFICATE" is not base64/,
    );
    assertProblem(
      () => fromKeys({ 'client.security.protocol': 'SSL', 'client.ssl.keystore.certificate.chain': PEM_CERT, 'client.ssl.keystore.key': PEM_KEY + PEM_KEY }),
      /^client\.ssl\.keystore\.key = \(secret, not shown\).*2 PEM blocks found, expected one/,
    );
  });
});

describe('producer.* pass-through', () => {
  it('maps every key', () => {
    const { producer } = fromKeys({
      'producer.acks': 'ALL',
      'producer.request.timeout.ms': '15000',
      'producer.enable.idempotence': 'TRUE',
      'producer.max.in.flight.requests.per.connection': '1',
      'producer.retries': '3',
      'producer.retry.backoff.ms': '200',
      'producer.allow.auto.create.topics': 'false',
      'producer.transaction.timeout.ms': '60000',
      'producer.metadata.max.age.ms': '30000',
      'producer.compression.type': 'lz4',
    });
    assert.deepEqual(producer, {
      acks: -1,
      timeout: 15000,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 3, initialRetryTime: 200 },
      allowAutoTopicCreation: false,
      transactionTimeout: 60000,
      metadataMaxAge: 30000,
      compression: 'lz4',
    });
  });

  it('maps each acks spelling', () => {
    for (const [raw, acks] of [['all', -1], ['-1', -1], ['0', 0], ['1', 1]] as const) {
      assert.equal(fromKeys({ 'producer.acks': raw }).producer.acks, acks);
    }
    assertProblem(() => fromKeys({ 'producer.acks': '2' }), /^producer\.acks = "2".*expected one of all, -1, 0, 1$/);
  });

  it('lets producer.compression.type win over compression.type, and validates both', () => {
    assert.equal(fromKeys({ 'compression.type': 'gzip', 'producer.compression.type': 'zstd' }).compressionType, 'zstd');
    assert.equal(fromKeys({ 'compression.type': 'gzip' }).compressionType, 'gzip');
    assertProblem(() => fromKeys({ 'compression.type': 'bad', 'producer.compression.type': 'zstd' }), /^compression\.type = "bad"/);
    assertProblem(() => fromKeys({ 'producer.compression.type': 'bad' }), /^producer\.compression\.type = "bad"/);
  });

  it('rejects malformed booleans', () => {
    assertProblem(() => fromKeys({ 'producer.enable.idempotence': 'yes' }), /^producer\.enable\.idempotence = "yes".*expected one of true, false$/);
  });

  it('rejects idempotence without acks=all or without retries', () => {
    assertProblem(() => fromKeys({ 'producer.enable.idempotence': 'true', 'producer.acks': '1' }), /producer\.enable\.idempotence=true needs producer\.acks=all \(it is 1\)/);
    assertProblem(() => fromKeys({ 'producer.enable.idempotence': 'true', 'producer.retries': '0' }), /needs producer\.retries > 0/);
    assert.equal(fromKeys({ 'producer.enable.idempotence': 'false', 'producer.acks': '0' }).producer.acks, 0);
  });
});

describe('consumer.* pass-through', () => {
  it('maps every key', () => {
    const { consumer } = fromKeys({
      'consumer.session.timeout.ms': '45000',
      'consumer.heartbeat.interval.ms': '3000',
      'consumer.max.poll.interval.ms': '300000',
      'consumer.fetch.max.wait.ms': '500',
      'consumer.fetch.max.bytes': '52428800',
      'consumer.max.partition.fetch.bytes': '1048576',
      'consumer.fetch.min.bytes': '1',
      'consumer.isolation.level': 'READ_COMMITTED',
      'consumer.allow.auto.create.topics': 'true',
      'consumer.metadata.max.age.ms': '0',
      'consumer.client.rack': 'eu-west-1a',
      'consumer.retries': '10',
      'consumer.auto.offset.reset': 'earliest',
      'consumer.enable.auto.commit': 'false',
      'consumer.auto.commit.interval.ms': '5000',
    });
    assert.deepEqual(consumer, {
      sessionTimeout: 45000,
      heartbeatInterval: 3000,
      rebalanceTimeout: 300000,
      maxWaitTimeInMs: 500,
      maxBytes: 52428800,
      maxBytesPerPartition: 1048576,
      minBytes: 1,
      readUncommitted: false,
      allowAutoTopicCreation: true,
      metadataMaxAge: 0,
      rackId: 'eu-west-1a',
      retry: { retries: 10 },
      autoOffsetReset: 'earliest',
      autoCommit: false,
      autoCommitInterval: 5000,
    });
    assert.equal(fromKeys({ 'consumer.isolation.level': 'read_uncommitted' }).consumer.readUncommitted, true);
  });

  it('keeps consumer.fetch.min.bytes apart from the proxy fetch.min.bytes', () => {
    const config = fromKeys({ 'fetch.min.bytes': '100', 'consumer.fetch.min.bytes': '5' });
    assert.equal(config.fetchMinBytes, 100);
    assert.equal(config.consumer.minBytes, 5);
  });

  it('rejects invalid enums and ranges', () => {
    assertProblem(() => fromKeys({ 'consumer.auto.offset.reset': 'smallest' }), /expected one of earliest, latest, none/);
    assertProblem(() => fromKeys({ 'consumer.isolation.level': 'serializable' }), /expected one of read_committed, read_uncommitted/);
    assertProblem(() => fromKeys({ 'consumer.max.poll.recods': '30' }), /did you mean consumer\.max\.poll\.records\?/);
  });

  it('needs the heartbeat below the session timeout', () => {
    assertProblem(
      () => fromKeys({ 'consumer.session.timeout.ms': '3000', 'consumer.heartbeat.interval.ms': '3000' }),
      /consumer\.heartbeat\.interval\.ms \(3000\) must be below consumer\.session\.timeout\.ms \(3000\)/,
    );
  });
});

describe('admin.* pass-through', () => {
  it('maps every key', () => {
    const { admin } = fromKeys({ 'admin.request.timeout.ms': '10000', 'admin.retries': '2', 'admin.retry.backoff.ms': '50', 'admin.retry.backoff.max.ms': '500' });
    assert.deepEqual(admin, { requestTimeout: 10000, retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 500 } });
  });

  it('rejects invalid values', () => {
    assertProblem(() => fromKeys({ 'admin.request.timeout.ms': '0' }), /^admin\.request\.timeout\.ms = "0".*expected an integer >= 1/);
  });
});

describe('kafkajs builders', () => {
  const config = fromKeys({
    'client.client.id': 'proxy',
    'client.retries': '4',
    'client.security.protocol': 'SASL_SSL',
    'client.sasl.mechanism': 'PLAIN',
    'client.sasl.jaas.config': PLAIN_JAAS,
    'client.ssl.endpoint.identification.algorithm': 'https',
    'producer.acks': '1',
    'producer.request.timeout.ms': '9000',
    'producer.allow.auto.create.topics': 'false',
    'consumer.session.timeout.ms': '10000',
    'consumer.auto.offset.reset': 'latest',
    'admin.request.timeout.ms': '20000',
    'admin.retries': '1',
    'compression.type': 'gzip',
  });

  it('builds the Kafka config with only the options that were set', () => {
    assert.deepEqual(toKafkaConfig(config.client, ['k:9092']), {
      brokers: ['k:9092'],
      clientId: 'proxy',
      retry: { retries: 4 },
      ssl: true,
      sasl: { mechanism: 'plain', username: 'alice', password: 's3cret' },
    });
    assert.equal(toKafkaConfig(config.client, ['k:9092'], { requestTimeout: config.admin.requestTimeout }).requestTimeout, 20000);
    assert.deepEqual(toKafkaConfig({}, ['k:9092'], {}), { brokers: ['k:9092'] });
  });

  it('builds producer, send, consumer and admin options', () => {
    assert.deepEqual(toProducerConfig(config.producer), { allowAutoTopicCreation: false });
    assert.deepEqual(toSendOptions(config.producer, config.compressionType), { acks: 1, timeout: 9000, compression: CompressionTypes.GZIP });
    assert.deepEqual(toSendOptions({}, 'none'), { compression: CompressionTypes.None });
    assert.deepEqual(toConsumerConfig(config.consumer, 'group-1'), { groupId: 'group-1', sessionTimeout: 10000 });
    assert.deepEqual(toAdminConfig(config.admin), { retry: { retries: 1 } });
    assert.deepEqual(toAdminConfig({}), {});
  });

  it('maps every compression name to the kafkajs enum', () => {
    const expected = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD };
    for (const [name, code] of Object.entries(expected)) {
      assert.equal(toSendOptions({}, name as keyof typeof expected).compression, code);
    }
  });
});

describe('describeConfigKeys', () => {
  const keys = describeConfigKeys();

  it('lists every top-level key with its default', () => {
    const byKey = new Map(keys.map((k) => [k.key, k]));
    assert.equal(byKey.get('listeners')?.default, 'http://0.0.0.0:8082');
    assert.equal(byKey.get('consumer.request.max.bytes')?.default, '67108864');
    assert.equal(byKey.get('bootstrap.servers')?.default, '');
    assert.equal(byKey.get('producer.pool.size')?.default, '4');
    for (const key of ['advertised.listeners', 'id', 'compression.type', 'fetch.min.bytes', 'schema.registry.url', 'journal.path', 'producer.linger.ms', 'producer.max.block.ms', 'request.body.max.bytes', 'shutdown.timeout.ms', 'log.level', 'embedded.broker.dir']) {
      assert.ok(byKey.has(key), key);
    }
  });

  it('lists every pass-through key with its prefix and kafkajs target', () => {
    const listed = new Set(keys.map((k) => k.key));
    for (const group of PASS_THROUGH_GROUPS) {
      for (const k of group.keys) assert.ok(listed.has(group.prefix + k.key), group.prefix + k.key);
    }
    const timeout = keys.find((k) => k.key === 'client.request.timeout.ms');
    assert.match(timeout?.description ?? '', /Maps to `requestTimeout`\. Expected: an integer >= 1\./);
  });

  it('has unique keys and a description for each', () => {
    assert.equal(new Set(keys.map((k) => k.key)).size, keys.length);
    assert.ok(keys.every((k) => k.description.length > 20));
  });

  it('documents only keys that loadConfig knows', () => {
    for (const { key } of keys) {
      let problems: readonly string[] = [];
      try {
        fromKeys({ [key]: 'x' });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        problems = error.problems;
      }
      assert.ok(problems.every((p) => !p.startsWith('unknown key')), problems.join('\n'));
    }
  });
});

describe('embedded broker keys', () => {
  it('default to a preferred port, one partition and 30 s to stop', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.embeddedBrokerPort, null);
    assert.equal(config.embeddedBrokerNumPartitions, 1);
    assert.equal(config.embeddedBrokerShutdownTimeoutMs, 30000);
    assert.deepEqual(config.warnings, []);
  });

  it('read their values within range', () => {
    const config = fromKeys({ 'embedded.broker.port': '19092', 'embedded.broker.num.partitions': '10000', 'embedded.broker.shutdown.timeout.ms': '0' });
    assert.equal(config.embeddedBrokerPort, 19092);
    assert.equal(config.embeddedBrokerNumPartitions, 10000);
    assert.equal(config.embeddedBrokerShutdownTimeoutMs, 0);
    assert.equal(fromKeys({ 'embedded.broker.port': '1' }).embeddedBrokerPort, 1);
    assert.equal(fromKeys({ 'embedded.broker.num.partitions': '1' }).embeddedBrokerNumPartitions, 1);
  });

  it('reject values out of range', () => {
    for (const bad of ['0', '65536', 'x', '']) assertProblem(() => fromKeys({ 'embedded.broker.port': bad }), /^embedded\.broker\.port = .*expected an integer between 1 and 65535$/);
    for (const bad of ['0', '10001']) assertProblem(() => fromKeys({ 'embedded.broker.num.partitions': bad }), /expected an integer between 1 and 10000$/);
    assertProblem(() => fromKeys({ 'embedded.broker.shutdown.timeout.ms': '-1' }), /^embedded\.broker\.shutdown\.timeout\.ms = "-1".*expected an integer >= 0$/);
  });

  it('are ignored with a warning when bootstrap.servers is set', () => {
    const config = fromKeys({ 'bootstrap.servers': 'k:9092', 'embedded.broker.port': '19092' });
    assert.equal(config.embeddedBrokerPort, 19092);
    assert.deepEqual(config.warnings, [
      'embedded.broker.port (env KAFKA_REST_EMBEDDED_BROKER_PORT): ignored: bootstrap.servers is set, so no embedded broker is started.',
    ]);
  });
});

describe('schema.registry.url', () => {
  it('takes a comma-separated list, tried in order by the registry client', () => {
    const config = fromKeys({ 'schema.registry.url': ' http://sr1:8081/ , https://sr2.example.com ' });
    assert.equal(config.schemaRegistryUrl, 'http://sr1:8081,https://sr2.example.com');
    assert.deepEqual(config.warnings, []);
    assertProblem(() => fromKeys({ 'schema.registry.url': 'http://sr1:8081,sr2:8081' }), /"sr2:8081" is not an http:\/\/ or https:\/\/ URL/);
  });

  it('moves credentials from the URLs to basic auth, never printing them', () => {
    const config = fromKeys({ 'schema.registry.url': 'https://key:p%40ss@sr1:8081,https://key:p%40ss@sr2:8081' });
    assert.equal(config.schemaRegistryUrl, 'https://sr1:8081,https://sr2:8081');
    assert.equal(config.schemaRegistryBasicAuthUserInfo, 'key:p@ss');
    const problems = problemsOf(() => fromKeys({ 'schema.registry.url': 'https://a:one@sr1:8081,https://b:two@sr2' }));
    assert.match(problems[0] ?? '', /the URLs carry different credentials/);
    assert.doesNotMatch(problems.join('\n'), /one|two/);
  });

  it('honours basic.auth.credentials.source', () => {
    const url = 'https://u:from-url@sr:8081';
    assert.equal(fromKeys({ 'schema.registry.url': url, 'schema.registry.basic.auth.user.info': 'u:from-info' }).schemaRegistryBasicAuthUserInfo, 'u:from-url');
    const source = (value: string, extra: Record<string, string> = {}) =>
      fromKeys({ 'schema.registry.url': url, 'schema.registry.basic.auth.user.info': 'u:from-info', 'schema.registry.basic.auth.credentials.source': value, ...extra })
        .schemaRegistryBasicAuthUserInfo;
    assert.equal(source('USER_INFO'), 'u:from-info');
    assert.equal(source('url'), 'u:from-url');
    assert.equal(
      source('SASL_INHERIT', {
        'client.security.protocol': 'SASL_SSL',
        'client.sasl.mechanism': 'PLAIN',
        'client.sasl.jaas.config': PLAIN_JAAS,
      }),
      'alice:s3cret',
    );
    assertProblem(() => source('SASL_INHERIT'), /SASL_INHERIT needs a SASL login/);
    assertProblem(() => source('BEARER'), /expected one of URL, USER_INFO, SASL_INHERIT$/);
  });
});
