import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { problemsOf } from '../helpers/config-problems.ts';

const dir = mkdtempSync(join(tmpdir(), 'config-confluent-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const writeProperties = (text: string): string => {
  const file = join(dir, `${files++}.properties`);
  writeFileSync(file, text);
  return file;
};

/** Loads properties text (no environment); returns the config and the file's name for messages. */
const load = (text: string): { config: Config; file: string } => {
  const file = writeProperties(text);
  return { config: loadConfig({ file, env: {} }), file };
};

describe('Confluent kafka-rest.properties fixtures', () => {
  it('starts with the file Confluent Platform ships, without a warning', () => {
    const config = loadConfig({ file: 'test/fixtures/confluent/kafka-rest.properties', env: {} });
    assert.deepEqual(config.bootstrapServers, ['localhost:9092']);
    assert.deepEqual(config.warnings, []);
    assert.deepEqual(config.listeners.map(String), ['http://0.0.0.0:8082/']);
    assert.equal(config.schemaRegistryUrl, null);
    assert.equal(config.id, '');
  });

  it('starts with a production file, mapping what maps and warning once per ignored key', () => {
    const file = 'test/fixtures/confluent/production.properties';
    const config = loadConfig({ file, env: { KAFKA_REST_BOOTSTRAP_SERVERS: '127.0.0.1:9092' } });
    assert.deepEqual(config.bootstrapServers, ['127.0.0.1:9092']);
    assert.equal(config.id, 'kafka-rest-eu-1');
    assert.deepEqual(config.listeners.map(String), ['http://0.0.0.0:8082/']);
    assert.deepEqual(config.advertisedListeners.map(String), ['http://rest-eu-1.example.com:8082/']);
    assert.equal(config.schemaRegistryUrl, 'http://schema-registry-1.internal:8081,http://schema-registry-2.internal:8081');
    assert.equal(config.consumerRequestTimeoutMs, 5000);
    assert.equal(config.consumerInstanceTimeoutMs, 600000);
    assert.equal(config.producerLingerMs, 5);
    assert.equal(config.compressionType, 'lz4');
    assert.deepEqual(config.producer, { acks: -1, compression: 'lz4' });
    assert.deepEqual(config.consumer, { autoOffsetReset: 'earliest' });
    // PLAINTEXT: nothing of TLS or SASL reaches kafkajs.
    assert.deepEqual(config.client, {});

    const at = `(file ${file})`;
    const sslReason = 'ignored: ssl.* configures the TLS of https listeners, and every listener is http (TLS to Kafka is client.security.protocol and client.ssl.*).';
    const interceptors = "ignored: Java interceptors (such as Control Center's monitoring interceptors) cannot run here.";
    assert.deepEqual(config.warnings, [
      `zookeeper.connect ${at}: ignored: the proxy reaches Kafka through bootstrap.servers only (Confluent's proxy used ZooKeeper only for its old v1 API).`,
      `consumer.threads ${at}: ignored: consumer requests run on the event loop, not on a thread pool; each consumer instance serves one request at a time and queues up to consumer.instance.max.pending.requests.`,
      `consumer.max.poll.records ${at}: ignored: a records read returns what arrives within its timeout, bounded by max_bytes and consumer.request.max.bytes rather than by a count of records.`,
      `client.sasl.kerberos.service.name ${at}: ignored: Kerberos (GSSAPI) is not available here (kafkajs has no GSSAPI), and with the other mechanisms Java ignores it too.`,
      `producer.batch.size ${at}: ignored: records are batched per producer slot, up to producer.max.request.size (see producer.linger.ms).`,
      `consumer.interceptor.classes ${at}: ${interceptors}`,
      `producer.interceptor.classes ${at}: ${interceptors}`,
      `confluent.support.metrics.enable ${at}: ignored: nothing is reported to Confluent.`,
      `port ${at}: deprecated in Confluent (use listeners): the proxy listens on http://0.0.0.0:8082.`,
      `host.name ${at}: deprecated in Confluent (use advertised.listeners): absolute URLs such as a consumer's base_uri start with http://rest-eu-1.example.com:8082.`,
      // The listener TLS keys are read after the others; with every listener http they do nothing.
      `ssl.keystore.location ${at}: ${sslReason}`,
      `ssl.keystore.password ${at}: ${sslReason}`,
      `ssl.key.password ${at}: ${sslReason}`,
      `ssl.truststore.location ${at}: ${sslReason}`,
      `ssl.truststore.password ${at}: ${sslReason}`,
      `ssl.client.auth ${at}: ${sslReason}`,
    ]);
    assert.ok(config.warnings.every((w) => !w.includes('changeit')), 'no value is echoed, secrets included');
  });
});

describe('port', () => {
  it('gives the listener when listeners is not set', () => {
    const { config, file } = load('port=9000\n');
    assert.deepEqual(config.listeners.map(String), ['http://0.0.0.0:9000/']);
    assert.deepEqual(config.warnings, [`port (file ${file}): deprecated in Confluent (use listeners): the proxy listens on http://0.0.0.0:9000.`]);
  });

  it('loses to listeners, with a warning', () => {
    const { config, file } = load('listeners=http://127.0.0.1:8090\nport=9000\n');
    assert.deepEqual(config.listeners.map(String), ['http://127.0.0.1:8090/']);
    assert.deepEqual(config.warnings, [`port (file ${file}): ignored: listeners is set and wins, as in Confluent.`]);
  });

  it('is read from a plain KAFKA_REST_PORT, the Confluent image setting', () => {
    const config = loadConfig({ env: { KAFKA_REST_PORT: '8085' } });
    assert.deepEqual(config.listeners.map(String), ['http://0.0.0.0:8085/']);
    assert.match(config.warnings[0] ?? '', /^port \(env KAFKA_REST_PORT\): deprecated in Confluent/);
  });

  it('rejects a port that is not a port', () => {
    for (const bad of ['80a', '65536', '-1', '']) {
      const problems = problemsOf(() => load(`port=${bad}\n`));
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0] ?? '', /^port = .*expected an integer between 0 and 65535$/);
    }
  });
});

describe('host.name', () => {
  it('advertises every listener under that host, with its port', () => {
    const { config, file } = load('listeners=http://0.0.0.0:8082,http://127.0.0.1:80\nhost.name=rest-1.example.com\n');
    assert.deepEqual(config.advertisedListeners.map(String), ['http://rest-1.example.com:8082/', 'http://rest-1.example.com/']);
    assert.deepEqual(config.warnings, [
      `host.name (file ${file}): deprecated in Confluent (use advertised.listeners): absolute URLs such as a consumer's base_uri start with http://rest-1.example.com:8082, http://rest-1.example.com.`,
    ]);
  });

  it('skips listeners on port 0, whose port is only known once bound', () => {
    assert.deepEqual(load('listeners=http://127.0.0.1:0,http://0.0.0.0:8082\nhost.name=rest-1\n').config.advertisedListeners.map(String), ['http://rest-1:8082/']);
    const { config, file } = load('listeners=http://127.0.0.1:0\nhost.name=rest-1\n');
    assert.deepEqual(config.advertisedListeners, []);
    assert.deepEqual(config.warnings, [
      `host.name (file ${file}): ignored: every listener has port 0, chosen at start-up, so no advertised URL can name it (set advertised.listeners).`,
    ]);
  });

  it('uses the port mapped from port', () => {
    assert.deepEqual(load('port=9001\nhost.name=10.1.2.3\n').config.advertisedListeners.map(String), ['http://10.1.2.3:9001/']);
  });

  it('takes an IPv6 address with or without brackets', () => {
    assert.deepEqual(load('host.name=::1\n').config.advertisedListeners.map(String), ['http://[::1]:8082/']);
    assert.deepEqual(load('host.name=[::1]\n').config.advertisedListeners.map(String), ['http://[::1]:8082/']);
  });

  it('loses to advertised.listeners, with a warning', () => {
    const { config, file } = load('advertised.listeners=https://lb.example.com\nhost.name=rest-1\n');
    assert.deepEqual(config.advertisedListeners.map(String), ['https://lb.example.com/']);
    assert.deepEqual(config.warnings, [`host.name (file ${file}): ignored: advertised.listeners is set and wins.`]);
  });

  it('is silent when empty, as Confluent’s default', () => {
    const { config } = load('host.name=\n');
    assert.deepEqual(config.advertisedListeners, []);
    assert.deepEqual(config.warnings, []);
  });

  it('rejects what is not a host', () => {
    for (const bad of ['rest 1', 'rest-1:8082', 'http://rest-1', 'a/b']) {
      const problems = problemsOf(() => load(`host.name=${bad}\n`));
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0] ?? '', /^host\.name = .*expected a host name or IP address, without port$/);
    }
  });
});

describe('Confluent server keys', () => {
  it('ignores each inert key with its own reason', () => {
    const { config, file } = load(
      [
        'producer.threads=5',
        'consumer.iterator.timeout.ms=1',
        'client.timeout.ms=500',
        'thread.pool.max=200',
        'compression.enable=true',
        'dos.filter.enabled=true',
        'rate.limit.per.cluster.permits.per.sec=50',
        'metrics.jmx.prefix=kafka.rest',
        'api.v3.produce.response.thread.pool.size=8',
        'confluent.license=eyJhbGciOi.secret-looking',
        'confluent.metadata.bootstrap.server.urls=http://mds:8090',
        'schema.registry.ssl.truststore.location=/etc/sr.jks',
        'debug=true',
        'authentication.roles=admin',
      ].join('\n'),
    );
    const byKey = new Map(config.warnings.map((w) => [w.slice(0, w.indexOf(' ')), w]));
    assert.equal(config.warnings.length, 14, config.warnings.join('\n'));
    assert.equal(byKey.get('producer.threads'), `producer.threads (file ${file}): ignored: produce requests run on the event loop, not on a thread pool (Confluent no longer reads it either).`);
    assert.match(byKey.get('thread.pool.max') ?? '', /Jetty's thread pool; HTTP requests run on Node's event loop/);
    assert.match(byKey.get('compression.enable') ?? '', /responses are sent uncompressed/);
    assert.match(byKey.get('dos.filter.enabled') ?? '', /Jetty's DoS filter is not available; rate\.limit\.\* limits/);
    assert.match(byKey.get('rate.limit.per.cluster.permits.per.sec') ?? '', /serves one cluster, so rate\.limit\.permits\.per\.sec already bounds it/);
    assert.match(byKey.get('metrics.jmx.prefix') ?? '', /Prometheus metrics are served at \/metrics/);
    assert.match(byKey.get('api.v3.produce.response.thread.pool.size') ?? '', /not on a thread pool/);
    assert.match(byKey.get('confluent.license') ?? '', /a Confluent Platform license; this proxy needs none/);
    assert.match(byKey.get('confluent.metadata.bootstrap.server.urls') ?? '', /Metadata Service \(RBAC\) is not used/);
    assert.match(byKey.get('schema.registry.ssl.truststore.location') ?? '', /NODE_EXTRA_CA_CERTS/);
    assert.match(byKey.get('debug') ?? '', /error responses never carry stack traces/);
    assert.match(byKey.get('authentication.roles') ?? '', /ignored: authentication\.method is NONE/);
    assert.ok(config.warnings.every((w) => !w.includes('secret-looking')));
  });

  it("takes the v1 simple consumer's pool keys: they bound the simple consumer's fetchers here", () => {
    const { config } = load('simpleconsumer.pool.size.max=7\nsimpleconsumer.pool.timeout.ms=0\n');
    assert.deepEqual(config.warnings, []);
    assert.deepEqual(config.limits.simpleConsumerPool, { maxSize: 7, timeoutMs: 0 });
    assert.deepEqual(load('').config.limits.simpleConsumerPool, { maxSize: 25, timeoutMs: 1000 }, "Confluent's defaults");
    assert.match(problemsOf(() => load('simpleconsumer.pool.size.max=0\n')).join('\n'), /^simpleconsumer\.pool\.size\.max = "0" .*expected an integer >= 1$/);
  });

  it('accepts silently the values that describe what the proxy does anyway', () => {
    const { config } = load(
      [
        'authentication.method=NONE',
        'debug=false',
        'api.v2.enable=true',
        'api.v3.enable=false',
        'api.endpoints.blocklist=',
        'kafka.rest.resource.extension.class=',
        'csrf.prevention.enable=false',
        'proxy.protocol.enabled=false',
        'dos.filter.enabled=false',
      ].join('\n'),
    );
    assert.deepEqual(config.warnings, []);
  });

  it('refuses what would be unsafe to ignore', () => {
    const problems = problemsOf(() =>
      load(
        [
          'kafka.rest.resource.extension.class=io.confluent.kafkarest.security.KafkaRestSecurityResourceExtension',
          'rest.servlet.initializor.classes=io.confluent.common.security.jetty.initializer.InstallBearerOrBasicSecurityHandler',
          'api.endpoints.blocklist=api.v2.consumers.*',
          'api.v2.enable=false',
          'csrf.prevention.enable=true',
          'proxy.protocol.enabled=true',
        ].join('\n'),
      ),
    );
    assert.equal(problems.length, 6, problems.join('\n'));
    assert.match(problems[0] ?? '', /^kafka\.rest\.resource\.extension\.class = .*not supported: Java extension classes cannot be loaded here; .*leave the proxy open$/);
    assert.match(problems[1] ?? '', /^rest\.servlet\.initializor\.classes = /);
    assert.match(problems[2] ?? '', /^api\.endpoints\.blocklist = .*would serve endpoints you meant to disable$/);
    assert.match(problems[3] ?? '', /^api\.v2\.enable = "false".*it cannot be switched off$/);
    assert.match(problems[4] ?? '', /^csrf\.prevention\.enable = "true".*CSRF tokens/);
    assert.match(problems[5] ?? '', /^proxy\.protocol\.enabled = "true".*PROXY protocol/);
  });

  it('refuses an https listener without a keystore; with one, its ssl.* keys are taken without a warning', () => {
    const problems = problemsOf(() => load('listeners=https://0.0.0.0:8443\n'));
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0] ?? '', /^listeners = "https:\/\/0\.0\.0\.0:8443" .*an https listener needs a keystore: set ssl\.keystore\.location/);
    // The store files are read when the listeners open, not here.
    const { config } = load('listeners=https://0.0.0.0:8443\nssl.keystore.location=/k.p12\nssl.keystore.password=changeit\nssl.client.auth=false\nssl.endpoint.identification.algorithm=https\n');
    assert.deepEqual(config.warnings, []);
    assert.deepEqual(config.tls?.keystore, { location: '/k.p12', password: 'changeit', keyPassword: null, type: null });
    assert.equal(config.tls?.clientAuthentication, 'NONE');
  });

  it('does not take a typo of a Confluent key for one of its prefixes', () => {
    const problems = problemsOf(() => load('zookeeper.conect=zk:2181\n'));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^unknown key zookeeper\.conect .*did you mean zookeeper\.connect\?$/);
  });
});

describe('the environment', () => {
  it('ignores Kubernetes service-link variables, with a warning each', () => {
    const config = loadConfig({
      env: {
        KAFKA_REST_PORT: 'tcp://10.0.0.1:8082',
        KAFKA_REST_SERVICE_HOST: '10.0.0.1',
        KAFKA_REST_SERVICE_PORT: '8082',
        KAFKA_REST_SERVICE_PORT_HTTP: '8082',
        KAFKA_REST_PORT_8082_TCP: 'tcp://10.0.0.1:8082',
        KAFKA_REST_PORT_8082_TCP_PROTO: 'tcp',
        KAFKA_REST_PORT_8082_TCP_PORT: '8082',
        KAFKA_REST_PORT_8082_TCP_ADDR: '10.0.0.1',
      },
    });
    assert.deepEqual(config.listeners.map(String), ['http://0.0.0.0:8082/']);
    assert.equal(config.warnings.length, 8, config.warnings.join('\n'));
    assert.equal(
      config.warnings[1],
      'KAFKA_REST_SERVICE_HOST (env): ignored: Kubernetes sets it for a Service named kafka-rest; it is not a setting (enableServiceLinks: false in the pod spec drops these variables).',
    );
    assert.ok(config.warnings.every((w) => w.includes('Kubernetes sets it')));
  });

  it("ignores the image's JVM and log4j variables", () => {
    const config = loadConfig({ env: { KAFKA_REST_HEAP_OPTS: '-Xmx1g', KAFKA_REST_JMX_PORT: '9999', KAFKA_REST_LOG4J_LOGGERS: 'org.apache.kafka=WARN' } });
    assert.equal(config.warnings.length, 3);
    assert.equal(config.warnings[0], "KAFKA_REST_HEAP_OPTS (env): ignored: a JVM or log4j variable of Confluent's Docker image; this proxy runs on Node.js (its log level is log.level).");
  });

  it("takes log.level from the image's log4j root level unless log.level is set", () => {
    const mapped = loadConfig({ env: { KAFKA_REST_LOG4J_ROOT_LOGLEVEL: 'WARN' } });
    assert.equal(mapped.logLevel, 'warn');
    assert.deepEqual(mapped.warnings, ["KAFKA_REST_LOG4J_ROOT_LOGLEVEL (env): the log4j root level of Confluent's Docker image: log.level is warn."]);
    assert.equal(loadConfig({ env: { KAFKA_REST_LOG4J_ROOT_LOGLEVEL: 'off' } }).logLevel, 'silent');
    const overridden = loadConfig({ env: { KAFKA_REST_LOG4J_ROOT_LOGLEVEL: 'DEBUG', KAFKA_REST_LOG_LEVEL: 'error' } });
    assert.equal(overridden.logLevel, 'error');
    assert.deepEqual(overridden.warnings, ['KAFKA_REST_LOG4J_ROOT_LOGLEVEL (env): ignored: log.level is set and wins.']);
    const problems = problemsOf(() => loadConfig({ env: { KAFKA_REST_LOG4J_ROOT_LOGLEVEL: 'LOUD' } }));
    assert.match(problems[0] ?? '', /^KAFKA_REST_LOG4J_ROOT_LOGLEVEL = "LOUD" .*expected one of ALL, TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF$/);
  });

  it('still refuses an unknown KAFKA_REST_ variable', () => {
    const problems = problemsOf(() => loadConfig({ env: { KAFKA_REST_SERVICE: 'x', KAFKA_REST_PORT_HTTP: 'y' } }));
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.ok(problems.every((p) => p.startsWith('unknown key ')));
  });
});
