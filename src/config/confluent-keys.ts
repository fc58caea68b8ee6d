/**
 * Keys of Confluent's REST Proxy (KafkaRestConfig and rest-utils' RestConfig) that mean nothing
 * here, so that an existing `kafka-rest.properties` starts the proxy. Each says precisely why it
 * does nothing. A key whose silent absence of effect would be dangerous — an authentication
 * method, a plug-in that may install one, an endpoint block list — is refused instead.
 *
 * `port` and `host.name`, which map onto listeners and advertised URLs, are in mapped-keys.ts.
 */

export type Verdict =
  /** The value describes what the proxy does anyway (`authentication.method=NONE`): no message. */
  | { readonly kind: 'accept' }
  /** Accepted with a warning; `reason` completes "<key> (<source>): …". */
  | { readonly kind: 'ignore'; readonly reason: string }
  /** A start-up problem. */
  | { readonly kind: 'refuse'; readonly reason: string };

export interface ServerContext {
  /** Whether `listeners`, `management.listeners` or `schema.registry.listeners` names an https URL. */
  readonly httpsListener: boolean;
}

interface ConfluentKey {
  /** Exact key, or a prefix when it ends with `.`. */
  readonly key: string;
  readonly verdict: (value: string, context: ServerContext) => Verdict;
  /** What happens, for docs/CONFIGURATION.md. */
  readonly doc: string;
}

const ACCEPT: Verdict = { kind: 'accept' };
const ignore = (reason: string): Verdict => ({ kind: 'ignore', reason: `ignored: ${reason}` });
const refuse = (reason: string): Verdict => ({ kind: 'refuse', reason: `not supported: ${reason}` });

const isFalse = (value: string) => value.trim().toLowerCase() === 'false';
const isEmpty = (value: string) => value.trim() === '';

function ignored(keys: readonly string[], reason: string): ConfluentKey[] {
  return keys.map((key) => ({ key, verdict: () => ignore(reason), doc: `ignored: ${reason}` }));
}

/** Ignored (with a warning) unless the value is what the proxy does anyway. */
function ignoredUnless(key: string, harmless: (value: string) => boolean, reason: string, harmlessDoc: string): ConfluentKey {
  return { key, verdict: (value) => (harmless(value) ? ACCEPT : ignore(reason)), doc: `${harmlessDoc}; otherwise ignored: ${reason}` };
}

/** Refused unless the value is what the proxy does anyway. */
function refusedUnless(keys: readonly string[], harmless: (value: string) => boolean, reason: string, harmlessDoc: string): ConfluentKey[] {
  return keys.map((key) => ({ key, verdict: (value) => (harmless(value) ? ACCEPT : refuse(reason)), doc: `${harmlessDoc}; otherwise refused: ${reason}` }));
}

const NO_DOS_FILTER = "Jetty's DoS filter is not available; rate.limit.* limits the rate of requests here (docs/SECURITY.md)";
const SSL_LISTENERS = 'ssl.* configures the TLS of https listeners, and every listener is http (TLS to Kafka is client.security.protocol and client.ssl.*)';
const SSL_JAVA = "a setting of Java's TLS (a security provider, a key or trust manager algorithm) with no counterpart in Node's TLS";
const NO_V3 = 'not a setting of API v3 here (its settings are listed in docs/CONFIGURATION.md)';
const PLUGINS =
  "Java extension classes cannot be loaded here; they usually install authentication (Confluent's security plugin, RBAC), and ignoring them would leave the proxy open";

/** Most specific first: the first entry whose key or prefix matches decides. */
const CONFLUENT_KEYS: readonly ConfluentKey[] = [
  ...ignored(
    ['zookeeper.connect', 'zookeeper.set.acl', 'client.zk.session.timeout.ms'],
    "the proxy reaches Kafka through bootstrap.servers only (Confluent's proxy used ZooKeeper only for its old v1 API)",
  ),
  ...ignored(
    ['consumer.threads'],
    'consumer requests run on the event loop, not on a thread pool; each consumer instance serves one request at a time and queues up to consumer.instance.max.pending.requests',
  ),
  ...ignored(['producer.threads'], 'produce requests run on the event loop, not on a thread pool (Confluent no longer reads it either)'),
  ...ignored(['consumer.iterator.timeout.ms'], "Confluent's proxy no longer reads it either"),
  ...ignored(['client.timeout.ms', 'client.init.timeout.ms'], "legacy keys Confluent's proxy no longer reads; the Kafka client's timeout is client.request.timeout.ms"),
  ...ignored(
    ['thread.pool.min', 'thread.pool.max', 'request.queue.capacity', 'request.queue.capacity.init', 'request.queue.capacity.growby'],
    "they size Jetty's thread pool; HTTP requests run on Node's event loop here",
  ),
  ...ignored(['idle.timeout.ms'], "Jetty's idle timeout; idle HTTP connections follow Node's HTTP server defaults"),
  ...ignored(['compression.enable'], 'responses are sent uncompressed'),
  ...ignored(['http2.enabled'], 'the listeners speak HTTP/1.1'),
  ...ignored(['connector.connection.limit'], 'connections are capped for all REST listeners together, by server.connection.limit'),
  ...ignored(['response.http.headers.config'], 'no extra response headers are added'),
  ...ignored(['nosniff.prevention.enable'], 'no X-Content-Type-Options header is added'),
  ...refusedUnless(['proxy.protocol.enabled'], isFalse, 'the PROXY protocol; every connection carrying its header would fail', 'false: accepted'),
  ...refusedUnless(
    ['csrf.prevention.enable'],
    isFalse,
    'CSRF tokens; ignoring this would leave the API without the protection you enabled',
    'false: accepted',
  ),
  ...ignored(['csrf.prevention.'], 'CSRF prevention is not available (csrf.prevention.enable=true is refused)'),
  ignoredUnless('dos.filter.enabled', isFalse, NO_DOS_FILTER, 'false: accepted'),
  ...ignored(['dos.filter.'], NO_DOS_FILTER),
  ...ignored(
    ['rate.limit.per.cluster.permits.per.sec', 'rate.limit.per.cluster.cache.expiry.ms'],
    'the proxy serves one cluster, so rate.limit.permits.per.sec already bounds it',
  ),
  ...ignored(['rate.limit.'], 'not a rate.limit setting here (they are listed in docs/CONFIGURATION.md)'),
  ...ignored(
    ['access.control.skip.options', 'reject.options.request'],
    'CORS preflights from allowed origins are always answered before authentication (browsers send them without credentials); any other OPTIONS request is answered 405',
  ),
  ...ignored(['listener.protocol.map'], 'listeners are named by their scheme (http) here'),
  ...ignored(['response.mediatype.preferred', 'response.mediatype.default'], "media types are negotiated as with Confluent's defaults"),
  ignoredUnless('debug', isFalse, 'error responses never carry stack traces; the logs keep the details', 'false: accepted'),
  ...ignored(['request.logger.name', 'use.custom.request.logging'], 'there is no separate request log; the proxy logs through its own logger at log.level'),
  ...ignored(['metrics.', 'metric.reporters'], 'there is no JMX; Prometheus metrics are served at /metrics on management.listeners'),
  ...ignored(['shutdown.graceful.ms'], "the graceful shutdown's budget here is shutdown.timeout.ms"),
  ...ignored(['websocket.path.prefix', 'websocket.servlet.initializor.classes'], 'there are no websocket endpoints (records are pushed as server-sent events)'),
  ...refusedUnless(['kafka.rest.resource.extension.class', 'resource.extension.classes', 'rest.servlet.initializor.classes'], isEmpty, PLUGINS, 'empty: accepted'),
  // authentication.method, .realm, .roles and .skip.paths are settings (auth-settings.ts).
  // The keystore, truststore, client authentication, protocol and cipher keys are settings (tls-settings.ts).
  {
    key: 'ssl.endpoint.identification.algorithm',
    verdict: () => ACCEPT,
    doc: "accepted: it sets how a TLS client checks the server's host name; the listeners have no use for it",
  },
  ignoredUnless('ssl.protocol', (value) => isEmpty(value) || /^TLS(v1\.[23])?$/i.test(value.trim()), 'the TLS versions offered are set by ssl.enabled.protocols', 'TLS, TLSv1.2, TLSv1.3: accepted'),
  ...refusedUnless(['ssl.spire.enabled'], isFalse, 'certificates from a SPIRE agent are not available; give ssl.keystore.location instead', 'false: accepted'),
  {
    key: 'ssl.',
    verdict: (_value, context) => ignore(context.httpsListener ? SSL_JAVA : SSL_LISTENERS),
    doc: `ignored: ${SSL_JAVA}`,
  },
  ...refusedUnless(['api.v2.enable'], (value) => !isFalse(value), 'API v2 is the API this proxy serves; it cannot be switched off', 'true: accepted'),
  ...ignored(['api.v3.produce.rate.limit.'], 'not a v3 produce limit here (they are listed in docs/CONFIGURATION.md)'),
  ...ignored(['api.v3.produce.response.thread.pool.size'], 'produce receipts are written on the event loop, not on a thread pool'),
  ...ignored(['api.v3.'], NO_V3),
  ...refusedUnless(
    ['api.endpoints.allowlist', 'api.endpoints.blocklist'],
    isEmpty,
    'endpoint allow and block lists are not available yet; ignoring this would serve endpoints you meant to disable',
    'empty: accepted',
  ),
  ...ignored(['confluent.license'], 'a Confluent Platform license; this proxy needs none'),
  ...ignored(['confluent.license.'], 'a Confluent Platform license; this proxy needs none'),
  ...ignored(['confluent.metadata.'], "Confluent's Metadata Service (RBAC) is not used; what each client may do is up to the brokers' ACLs"),
  ...ignored(['confluent.rest.auth.'], "a key of Confluent's security plugin this proxy does not have (its principal propagation is confluent.rest.auth.propagate.method)"),
  ...ignored(['confluent.telemetry.', 'confluent.support.'], 'nothing is reported to Confluent'),
  ...ignored(['confluent.monitoring.interceptor.'], 'Control Center monitoring interceptors cannot run here'),
  ...ignored(['confluent.'], 'a Confluent Platform feature this proxy does not have'),
  ...ignored(
    ['schema.registry.ssl.'],
    "the registry client verifies https with Node's trusted CAs (add a private CA with the NODE_EXTRA_CA_CERTS environment variable) and sends no client certificate",
  ),
  ...ignored(
    ['schema.registry.bearer.auth.'],
    'no bearer token is sent to the registry; a registry that requires one refuses the requests (basic auth works: schema.registry.basic.auth.user.info)',
  ),
  ...ignored(['schema.registry.proxy.host', 'schema.registry.proxy.port'], 'registry requests go directly, not through an HTTP proxy'),
  ...ignored(
    ['schema.registry.auto.register.schemas', 'schema.registry.use.latest.version'],
    "Confluent's proxy forces it to false too; a produce request registers the schema it carries",
  ),
  ...ignored(['schema.registry.'], "a setting of Confluent's Java registry client that has no counterpart here"),
];

const matches = (entry: ConfluentKey, key: string): boolean => (entry.key.endsWith('.') ? key.startsWith(entry.key) : key === entry.key);

/** The verdict on a key of Confluent's proxy, or null when Confluent's proxy has no such key. */
export function confluentKeyVerdict(key: string, value: string, context: ServerContext): Verdict | null {
  const entry = CONFLUENT_KEYS.find((e) => matches(e, key));
  return entry ? entry.verdict(value, context) : null;
}

/** Exact keys, for "did you mean …?". */
export const CONFLUENT_KEY_NAMES: readonly string[] = CONFLUENT_KEYS.filter((e) => !e.key.endsWith('.')).map((e) => e.key);

/** Keys (prefixes shown as `prefix*`) grouped by what happens to them, for the docs. */
export function describeConfluentKeys(): Array<{ keys: string[]; effect: string }> {
  const rows = new Map<string, string[]>();
  for (const entry of CONFLUENT_KEYS) {
    const shown = entry.key.endsWith('.') ? `${entry.key}*` : entry.key;
    rows.set(entry.doc, [...(rows.get(entry.doc) ?? []), shown]);
  }
  return [...rows].map(([effect, keys]) => ({ keys, effect }));
}
