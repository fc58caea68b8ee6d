/**
 * Java client settings under `client.`, `producer.`, `consumer.` and `admin.` that have no kafkajs
 * equivalent. Confluent passes them to its Java clients; here they are accepted with a warning
 * saying why they do nothing, unless ignoring one would change security or where data goes (a
 * JKS trust store, a login class, a custom partitioner): those are refused.
 *
 * The keys kafkajs does honour are the pass-through tables of kafka-client-options.ts.
 */
import type { Verdict } from './confluent-keys.ts';

export interface JavaKeyContext {
  /** `client.security.protocol` upper-cased, PLAINTEXT when unset. */
  readonly securityProtocol: string;
  /** SSL principal propagation reads `client.ssl.keystore.location` (a PKCS12 store of principals). */
  readonly sslPropagation?: boolean;
}

interface JavaKey {
  readonly names: readonly string[];
  /** Under which prefixes the verdict applies; others fall through to later entries. */
  readonly prefixes?: readonly string[];
  readonly verdict: (value: string, context: JavaKeyContext, prefix: string, name: string) => Verdict;
  readonly doc: string;
}

const ignore = (reason: string): Verdict => ({ kind: 'ignore', reason: `ignored: ${reason}` });
const refuse = (reason: string): Verdict => ({ kind: 'refuse', reason: `not supported: ${reason}` });

const usesTls = (c: JavaKeyContext) => c.securityProtocol === 'SSL' || c.securityProtocol === 'SASL_SSL';
const usesSasl = (c: JavaKeyContext) => c.securityProtocol === 'SASL_PLAINTEXT' || c.securityProtocol === 'SASL_SSL';
/** The principals' keystore of SSL propagation, read by the propagation (not by kafkajs). */
const propagationStore = (c: JavaKeyContext, prefix: string, name: string) =>
  c.sslPropagation === true && prefix === 'client.' && (name === 'ssl.keystore.location' || name === 'ssl.keystore.password');
const unusedBy = (c: JavaKeyContext, what: string) => `client.security.protocol is ${c.securityProtocol}, which uses no ${what} (Java ignores it too)`;

const ignored = (names: readonly string[], reason: string, prefixes?: readonly string[]): JavaKey => ({
  names,
  ...(prefixes ? { prefixes } : {}),
  verdict: () => ignore(reason),
  doc: `${prefixes ? `under ${prefixes.join(', ')}: ` : ''}ignored: ${reason}`,
});

const STORE_FILES =
  'JKS and PKCS12 store files cannot be read; give the PEM text in client.ssl.truststore.certificates (and client.ssl.keystore.certificate.chain with client.ssl.keystore.key for mutual TLS)';
const LOGIN_TUNING = 'it tunes OAUTHBEARER and Kerberos logins, which are not available here (client.sasl.mechanism takes PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)';
const NO_JMX = 'there is no JMX; Prometheus metrics are served at /metrics on management.listeners';
const REGISTRY = 'the registry client is configured by the top-level schema.registry.* keys';

const JAVA_KEYS: readonly JavaKey[] = [
  {
    names: ['security.protocol', 'ssl.', 'sasl.'],
    prefixes: ['producer.', 'consumer.', 'admin.'],
    verdict: (_v, _c, _p, name) => refuse(`kafkajs clients share one connection setup: set client.${name}`),
    doc: 'under producer., consumer. or admin.: refused, kafkajs clients share one connection setup (set it under client.)',
  },
  {
    names: ['ssl.truststore.location', 'ssl.keystore.location'],
    verdict: (_v, c, prefix, name) =>
      propagationStore(c, prefix, name)
        ? { kind: 'accept' }
        : usesTls(c)
          ? refuse(`${STORE_FILES}; ignoring it would trust or present other certificates`)
          : ignore(unusedBy(c, 'TLS')),
    doc: `client.ssl.keystore.location with confluent.rest.auth.propagate.method=SSL: the principals' store; otherwise refused when client.security.protocol uses TLS: ${STORE_FILES}; otherwise ignored`,
  },
  {
    names: ['ssl.truststore.password', 'ssl.keystore.password', 'ssl.truststore.type', 'ssl.keystore.type'],
    verdict: (value, c, prefix, name) => {
      if (!usesTls(c)) return ignore(unusedBy(c, 'TLS'));
      if (propagationStore(c, prefix, name)) return { kind: 'accept' };
      // PEM is the store type of the PEM keys kafkajs does take.
      if (name.endsWith('.type') && value.trim().toUpperCase() === 'PEM') return { kind: 'accept' };
      return ignore('it belongs to a store file, and store files are not read (client.ssl.*.location is refused)');
    },
    doc: 'a .type of PEM (the PEM keys): accepted; otherwise ignored, store files are not read (or, without TLS, not used)',
  },
  {
    names: ['ssl.protocol', 'ssl.enabled.protocols', 'ssl.cipher.suites'],
    verdict: (_v, c) => (usesTls(c) ? ignore("Node's TLS defaults apply (TLS 1.2 or 1.3, its default cipher suites)") : ignore(unusedBy(c, 'TLS'))),
    doc: "ignored: Node's TLS defaults apply (TLS 1.2 or 1.3, its default cipher suites)",
  },
  {
    names: ['ssl.provider', 'ssl.keymanager.algorithm', 'ssl.trustmanager.algorithm', 'ssl.secure.random.implementation', 'security.providers'],
    verdict: (_v, c) => (usesTls(c) ? ignore("a JVM security setting; Node's TLS implementation is used") : ignore(unusedBy(c, 'TLS'))),
    doc: "ignored: a JVM security setting; Node's TLS implementation is used",
  },
  {
    names: ['ssl.engine.factory.class'],
    verdict: (_v, c) => (usesTls(c) ? refuse('a Java TLS engine cannot be loaded here') : ignore(unusedBy(c, 'TLS'))),
    doc: 'refused when client.security.protocol uses TLS: a Java TLS engine cannot be loaded here; otherwise ignored',
  },
  ignored(
    ['sasl.kerberos.service.name', 'sasl.kerberos.kinit.cmd', 'sasl.kerberos.ticket.renew.window.factor', 'sasl.kerberos.ticket.renew.jitter', 'sasl.kerberos.min.time.before.relogin'],
    'Kerberos (GSSAPI) is not available here (kafkajs has no GSSAPI), and with the other mechanisms Java ignores it too',
  ),
  ignored(
    [
      'sasl.login.refresh.window.factor',
      'sasl.login.refresh.window.jitter',
      'sasl.login.refresh.min.period.seconds',
      'sasl.login.refresh.buffer.seconds',
      'sasl.login.connect.timeout.ms',
      'sasl.login.read.timeout.ms',
      'sasl.login.retry.backoff.ms',
      'sasl.login.retry.backoff.max.ms',
      'sasl.oauthbearer.',
    ],
    LOGIN_TUNING,
  ),
  {
    names: ['sasl.login.callback.handler.class', 'sasl.client.callback.handler.class', 'sasl.login.class'],
    verdict: (_v, c) =>
      usesSasl(c)
        ? refuse('Java login classes cannot be loaded here; the SASL username and password come from client.sasl.jaas.config')
        : ignore(unusedBy(c, 'SASL')),
    doc: 'refused when client.security.protocol uses SASL: Java login classes cannot be loaded here; otherwise ignored',
  },
  ignored(['bootstrap.servers'], 'every client connects to the top-level bootstrap.servers'),
  ignored(['client.id'], 'kafkajs uses one client id for every client: client.client.id', ['producer.', 'consumer.', 'admin.']),
  ignored(['client.rack'], 'only consumers fetch from the closest replica: consumer.client.rack', ['client.', 'producer.', 'admin.']),
  ignored(['client.dns.lookup'], 'Node resolves broker host names itself'),
  ignored(['send.buffer.bytes', 'receive.buffer.bytes'], "sockets keep the operating system's buffer sizes"),
  ignored(['reconnect.backoff.ms', 'reconnect.backoff.max.ms'], 'kafkajs reconnects on its retry schedule (retry.backoff.ms, retry.backoff.max.ms)'),
  ignored(['connections.max.idle.ms'], 'kafkajs keeps broker connections open while its client runs'),
  ignored(['socket.connection.setup.timeout.max.ms'], 'kafkajs has one connection timeout, client.socket.connection.setup.timeout.ms'),
  ignored(['metadata.max.idle.ms'], 'kafkajs keeps the metadata of every topic it has used'),
  ignored(['default.api.timeout.ms'], 'kafkajs bounds each request by client.request.timeout.ms'),
  ignored(['metadata.recovery.strategy', 'metadata.recovery.rebootstrap.trigger.ms'], 'a recovery policy of the Java client that kafkajs has no equivalent for'),
  ignored(['metrics.sample.window.ms', 'metrics.num.samples', 'metrics.recording.level', 'metric.reporters', 'auto.include.jmx.reporter', 'enable.metrics.push'], NO_JMX),
  ignored(['interceptor.classes'], "Java interceptors (such as Control Center's monitoring interceptors) cannot run here"),
  ignored(
    ['key.serializer', 'value.serializer', 'key.deserializer', 'value.deserializer'],
    "each request's embedded format decides how keys and values are encoded (Confluent's proxy overrides these too)",
  ),
  ignored(
    ['schema.registry.url', 'schema.registry.basic.auth.user.info', 'basic.auth.credentials.source', 'basic.auth.user.info', 'auto.register.schemas', 'use.latest.version'],
    REGISTRY,
  ),
  ignored(['key.subject.name.strategy', 'value.subject.name.strategy'], `${REGISTRY}; subjects are named <topic>-key and <topic>-value (TopicNameStrategy)`),
  ignored(['batch.size'], 'records are batched per producer slot, up to producer.max.request.size (see producer.linger.ms)'),
  ignored(
    ['linger.ms', 'buffer.memory', 'max.request.size', 'max.block.ms', 'delivery.timeout.ms'],
    "the producer's is the proxy's own setting of the same name under producer.",
    ['client.', 'consumer.', 'admin.'],
  ),
  ignored(['compression.gzip.level', 'compression.lz4.level', 'compression.zstd.level'], "batches are compressed at the codecs' default levels"),
  {
    names: ['partitioner.class'],
    verdict: (value) =>
      /(^|\.)DefaultPartitioner$/.test(value.trim())
        ? ignore("keyed records are placed like Java's default partitioner places them; keyless records of a request go to one partition, rotating per request")
        : refuse('a Java partitioner cannot run here, so records would land in other partitions than it chooses'),
    doc: "DefaultPartitioner: ignored, keyed records are placed like Java's default partitioner places them; any other class refused",
  },
  {
    names: ['partitioner.ignore.keys'],
    verdict: (value) => (value.trim().toLowerCase() === 'false' ? { kind: 'accept' } : refuse('keyed records are always placed by their key here')),
    doc: 'false: accepted; otherwise refused, keyed records are always placed by their key here',
  },
  ignored(['partitioner.adaptive.partitioning.enable', 'partitioner.availability.timeout.ms'], 'keyless records of a request go to one partition, rotating per request'),
  ignored(['transactional.id'], 'produce requests are not transactional'),
  ignored(['group.id'], "a consumer instance's group is the {group} of its URL"),
  ignored(['group.instance.id'], 'static membership is not available: each consumer instance joins its group as a dynamic member'),
  ignored(['group.protocol', 'group.remote.assignor'], 'kafkajs speaks the classic consumer group protocol'),
  ignored(['partition.assignment.strategy'], 'kafkajs assigns partitions with its round-robin assigner'),
  ignored(
    ['max.poll.records'],
    'a records read returns what arrives within its timeout, bounded by max_bytes and consumer.request.max.bytes rather than by a count of records',
  ),
  ignored(['check.crcs'], 'a check of the Java consumer that kafkajs has no switch for'),
  ignored(['exclude.internal.topics'], 'topic_pattern subscriptions never match internal topics'),
  ignored(['internal.leave.group.on.close'], 'a consumer instance leaves its group when it is deleted or expires'),
];

const matches = (pattern: string, name: string) => (pattern.endsWith('.') ? name.startsWith(pattern) : name === pattern);

/** The verdict on `<prefix><name>`, or null when no Java client has such a setting. */
export function javaClientKeyVerdict(prefix: string, name: string, value: string, context: JavaKeyContext): Verdict | null {
  const entry = JAVA_KEYS.find((e) => (!e.prefixes || e.prefixes.includes(prefix)) && e.names.some((n) => matches(n, name)));
  return entry ? entry.verdict(value, context, prefix, name) : null;
}

/** Exact names (without prefix), for "did you mean …?". */
export const JAVA_CLIENT_KEY_NAMES: readonly string[] = JAVA_KEYS.flatMap((e) => e.names.filter((n) => !n.endsWith('.')));

/** Names (prefixes shown as `name*`) grouped by what happens to them, for the docs. */
export function describeJavaClientKeys(): Array<{ keys: string[]; effect: string }> {
  const rows = new Map<string, string[]>();
  for (const entry of JAVA_KEYS) {
    const shown = entry.names.map((n) => (n.endsWith('.') ? `${n}*` : n));
    rows.set(entry.doc, [...(rows.get(entry.doc) ?? []), ...shown]);
  }
  return [...rows].map(([effect, keys]) => ({ keys, effect }));
}
