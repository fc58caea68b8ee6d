/**
 * Kafka client settings passed through from Confluent-style keys (`client.*`, `producer.*`,
 * `consumer.*`, `admin.*`, prefix stripped) to kafkajs. The tables are the single source of
 * truth: config validation applies them, the README table is generated from them, and the
 * `to*` builders at the bottom shape the result into the plain objects kafkajs takes.
 *
 * Only type imports from kafkajs: src/kafka is the one module that loads it at runtime.
 */
import type { AdminConfig, CompressionTypes, ConsumerConfig, KafkaConfig, ProducerBatch, ProducerConfig } from 'kafkajs';

// ---------------------------------------------------------------------------------------------
// Value types: how one raw string becomes a typed value, and what to say when it cannot.

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason?: string };

export interface ValueType<T> {
  /** Completes "expected …" in error messages and docs. */
  readonly expected: string;
  parse(raw: string): Parsed<T>;
}

export const accept = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const reject = (reason?: string): Parsed<never> => (reason === undefined ? { ok: false } : { ok: false, reason });

/** Java's int ceiling, and Node's timer ceiling too: a longer setTimeout fires at once. */
export const INT32_MAX = 2 ** 31 - 1;

/** Decimal integer in [min, max]. Surrounding blanks are ignored, as Kafka's ConfigDef does. */
export function integer(min: number, max = INT32_MAX): ValueType<number> {
  return {
    expected: max === INT32_MAX ? `an integer >= ${min}` : `an integer between ${min} and ${max}`,
    parse(raw) {
      const text = raw.trim();
      if (!/^-?\d+$/.test(text)) return reject();
      const n = Number(text);
      return n >= min && n <= max ? accept(n) : reject();
    },
  };
}

/** Case-insensitive choice among the names, yielding the mapped value (an entry list keeps the order for messages). */
export function mapped<T>(choices: ReadonlyArray<readonly [name: string, value: T]>): ValueType<T> {
  return {
    expected: `one of ${choices.map(([name]) => (name === '' ? '"" (empty)' : name)).join(', ')}`,
    parse(raw) {
      const wanted = raw.trim().toLowerCase();
      const choice = choices.find(([name]) => name.toLowerCase() === wanted);
      return choice === undefined ? reject() : accept(choice[1]);
    },
  };
}

/** Case-insensitive choice, yielding the canonical spelling. */
export function oneOf<const T extends string>(values: readonly T[]): ValueType<T> {
  return mapped(values.map((v) => [v, v] as const));
}

export const bool: ValueType<boolean> = mapped([
  ['true', true],
  ['false', false],
]);

/** Any string, kept verbatim (Kafka does not trim string settings). */
export const text: ValueType<string> = { expected: 'a string', parse: accept };

/**
 * PEM blocks whose label matches. Blocks are re-wrapped because a properties file usually
 * carries PEM on continuation lines, which join with blanks where OpenSSL needs newlines.
 */
function pem(what: string, label: RegExp, single: boolean): ValueType<string> {
  return {
    expected: `PEM text with ${what}`,
    parse(raw) {
      const blocks = [...raw.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
      if (blocks.length === 0) return reject('no PEM block found');
      if (single && blocks.length > 1) return reject(`${blocks.length} PEM blocks found, expected one`);
      let out = '';
      for (const [, name = '', body = ''] of blocks) {
        if (!label.test(name)) return reject(`unexpected PEM block "${name}"`);
        const base64 = body.replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return reject(`PEM block "${name}" is not base64`);
        out += `-----BEGIN ${name}-----\n${(base64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${name}-----\n`;
      }
      return accept(out);
    },
  };
}

export interface JaasLogin {
  /** Class name as written, e.g. `org.apache.kafka.common.security.plain.PlainLoginModule`. */
  loginModule: string;
  username: string;
  password: string;
}

const JAAS_HEAD = /^\s*([A-Za-z_$][\w.$]*)\s+(?:required|requisite|sufficient|optional)(?=[\s;])/i;
const JAAS_OPTION = /\s*([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s";=]+))/y;

/** One `LoginModule flag name="value" …;` entry carrying a username and a password. */
export const jaas: ValueType<JaasLogin> = {
  expected: 'a JAAS entry like `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`',
  parse(raw) {
    const head = JAAS_HEAD.exec(raw);
    if (!head) return reject();
    const options = new Map<string, string>();
    let at = head[0].length;
    for (;;) {
      JAAS_OPTION.lastIndex = at;
      const m = JAAS_OPTION.exec(raw);
      if (!m) break;
      options.set(m[1] ?? '', m[2] === undefined ? (m[3] ?? '') : m[2].replace(/\\(.)/gs, '$1'));
      at = JAAS_OPTION.lastIndex;
    }
    if (!/^\s*;\s*$/.test(raw.slice(at))) return reject();
    const username = options.get('username');
    const password = options.get('password');
    if (username === undefined || password === undefined) return reject('username and password are required');
    return accept({ loginModule: head[1] ?? '', username, password });
  },
};

// ---------------------------------------------------------------------------------------------
// Option shapes: kafkajs names, every field optional so kafkajs keeps its own defaults.

export const COMPRESSION_TYPES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionName = (typeof COMPRESSION_TYPES)[number];

export interface RetryOptions {
  retries?: number;
  initialRetryTime?: number;
  maxRetryTime?: number;
}

export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
}

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

/** A union per mechanism, as kafkajs declares it. */
export type SaslOptions = { [M in SaslMechanism]: { mechanism: M; username: string; password: string } }[SaslMechanism];

/** The `new Kafka({...})` settings shared by every client. */
export interface KafkaClientOptions {
  clientId?: string;
  requestTimeout?: number;
  connectionTimeout?: number;
  retry?: RetryOptions;
  ssl?: boolean | TlsOptions;
  sasl?: SaslOptions;
  /** Recorded only: kafkajs always verifies the host name, so `""` cannot switch it off. */
  sslEndpointIdentificationAlgorithm?: 'https' | '';
}

export interface ProducerOptions {
  /** Per send: -1 = all in-sync replicas. */
  acks?: -1 | 0 | 1;
  /** Per send: how long the broker may wait for acks. */
  timeout?: number;
  /** Per send; wins over the top-level `compression.type`. */
  compression?: CompressionName;
  idempotent?: boolean;
  maxInFlightRequests?: number;
  retry?: RetryOptions;
  allowAutoTopicCreation?: boolean;
  transactionTimeout?: number;
  metadataMaxAge?: number;
}

export interface ConsumerOptions {
  sessionTimeout?: number;
  heartbeatInterval?: number;
  rebalanceTimeout?: number;
  maxWaitTimeInMs?: number;
  maxBytes?: number;
  maxBytesPerPartition?: number;
  minBytes?: number;
  readUncommitted?: boolean;
  allowAutoTopicCreation?: boolean;
  metadataMaxAge?: number;
  rackId?: string;
  retry?: RetryOptions;
  // Not kafkajs constructor options: the proxy applies these to the instances it runs.
  /** Default for new consumer instances that do not choose one. */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  autoCommit?: boolean;
  autoCommitInterval?: number;
}

export interface AdminOptions {
  /** kafkajs only has a client-wide request timeout, so this needs its own Kafka instance. */
  requestTimeout?: number;
  retry?: RetryOptions;
}

// ---------------------------------------------------------------------------------------------
// Tables.

/** What docs need to know about one pass-through key. */
export interface PassThroughKeyInfo {
  /** Kafka's name without the prefix, e.g. `request.timeout.ms`. */
  readonly key: string;
  /** Where the value lands: a kafkajs option path, or the proxy behaviour it drives. */
  readonly kafkajs: string;
  readonly expected: string;
  readonly description: string;
  /** Secret values are never echoed in error messages. */
  readonly secret: boolean;
}

export interface PassThroughKey<D> extends PassThroughKeyInfo {
  /** Parses `raw` into `draft`; a rejected value leaves `draft` untouched. */
  apply(draft: D, raw: string): Parsed<void>;
}

export interface PassThroughGroup<D, O> {
  /** With the trailing dot, e.g. `client.`. */
  readonly prefix: string;
  readonly keys: readonly PassThroughKey<D>[];
  draft(): D;
  /**
   * Cross-key checks and final shaping; problems are sentences naming the prefixed keys.
   * Config drops them when a key of the group was already rejected, so one mistake is not reported twice.
   */
  finish(draft: D): { options: O; problems: string[] };
}

interface KeySpec<D, T> {
  key: string;
  kafkajs: string;
  type: ValueType<T>;
  set: (draft: D, value: T) => void;
  description: string;
  secret?: boolean;
}

function passThrough<D, T>(spec: KeySpec<D, T>): PassThroughKey<D> {
  return {
    key: spec.key,
    kafkajs: spec.kafkajs,
    expected: spec.type.expected,
    description: spec.description,
    secret: spec.secret ?? false,
    apply(draft, raw) {
      const parsed = spec.type.parse(raw);
      if (!parsed.ok) return parsed;
      spec.set(draft, parsed.value);
      return accept(undefined);
    },
  };
}

/** The common case: a key that sets one field of `D` as parsed, documented by the field name. */
function fieldsOf<D>() {
  return <K extends keyof D & string>(key: string, field: K, type: ValueType<NonNullable<D[K]>>, description: string): PassThroughKey<D> =>
    passThrough<D, NonNullable<D[K]>>({ key, kafkajs: field, type, set: (d, v) => (d[field] = v), description });
}

/** Kafka's retry keys, under every prefix (kafkajs merges the client's retry into each client's own). */
function retryKeys<D extends { retry?: RetryOptions }>(): PassThroughKey<D>[] {
  const retryKey = (key: string, field: keyof RetryOptions, description: string) =>
    passThrough<D, number>({ key, kafkajs: `retry.${field}`, type: integer(0), set: (d, v) => (d.retry = { ...d.retry, [field]: v }), description });
  return [
    retryKey('retries', 'retries', 'How many times a failed request is retried.'),
    retryKey('retry.backoff.ms', 'initialRetryTime', 'Initial wait before a retry (ms); kafkajs grows it exponentially.'),
    retryKey('retry.backoff.max.ms', 'maxRetryTime', 'Longest wait between retries (ms).'),
  ];
}

const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** Security keys only make sense together, so they wait in the draft until `finish`. */
interface ClientDraft extends KafkaClientOptions {
  securityProtocol?: SecurityProtocol;
  saslMechanism?: SaslMechanism;
  login?: JaasLogin;
  tls?: TlsOptions;
}

const clientField = fieldsOf<ClientDraft>();
const tlsKey = (key: string, field: keyof TlsOptions, type: ValueType<string>, description: string, secret = false) =>
  passThrough<ClientDraft, string>({ key, kafkajs: `ssl.${field}`, type, set: (d, v) => (d.tls = { ...d.tls, [field]: v }), description, secret });

/** The login module each SASL mechanism needs (compared by simple class name: shaded jars rename packages). */
const LOGIN_MODULES: Readonly<Record<SaslMechanism, string>> = {
  plain: 'PlainLoginModule',
  'scram-sha-256': 'ScramLoginModule',
  'scram-sha-512': 'ScramLoginModule',
};

export const CLIENT_OPTIONS: PassThroughGroup<ClientDraft, KafkaClientOptions> = {
  prefix: 'client.',
  keys: [
    clientField('client.id', 'clientId', text, 'Client id sent with every request.'),
    clientField('request.timeout.ms', 'requestTimeout', integer(1), 'How long to wait for any broker response (ms).'),
    clientField('socket.connection.setup.timeout.ms', 'connectionTimeout', integer(1), 'How long to wait for a TCP connection to a broker (ms).'),
    ...retryKeys<ClientDraft>(),
    passThrough({
      key: 'security.protocol',
      kafkajs: 'ssl, sasl',
      type: oneOf(SECURITY_PROTOCOLS),
      set: (d: ClientDraft, v) => (d.securityProtocol = v),
      description: 'SSL and SASL_SSL turn TLS on; SASL_* need sasl.mechanism and sasl.jaas.config.',
    }),
    passThrough({
      key: 'sasl.mechanism',
      kafkajs: 'sasl.mechanism',
      type: mapped<SaslMechanism>([
        ['PLAIN', 'plain'],
        ['SCRAM-SHA-256', 'scram-sha-256'],
        ['SCRAM-SHA-512', 'scram-sha-512'],
      ]),
      set: (d: ClientDraft, v) => (d.saslMechanism = v),
      description: 'SASL mechanism.',
    }),
    passThrough({
      key: 'sasl.jaas.config',
      kafkajs: 'sasl.username, sasl.password',
      type: jaas,
      set: (d: ClientDraft, v) => (d.login = v),
      description: 'JAAS entry with the SASL username and password (PlainLoginModule or ScramLoginModule).',
      secret: true,
    }),
    tlsKey('ssl.truststore.certificates', 'ca', pem('CERTIFICATE blocks', /^CERTIFICATE$/, false), 'Trusted CA certificates; default: the system CAs.'),
    tlsKey('ssl.keystore.certificate.chain', 'cert', pem('CERTIFICATE blocks', /^CERTIFICATE$/, false), 'Client certificate chain for mutual TLS.'),
    tlsKey('ssl.keystore.key', 'key', pem('one PRIVATE KEY block', /^((ENCRYPTED|RSA|EC) )?PRIVATE KEY$/, true), 'Client private key for mutual TLS.', true),
    tlsKey('ssl.key.password', 'passphrase', text, 'Passphrase of an encrypted ssl.keystore.key.', true),
    clientField(
      'ssl.endpoint.identification.algorithm',
      'sslEndpointIdentificationAlgorithm',
      oneOf(['https', '']),
      'Accepted for compatibility and recorded; the broker host name is always verified.',
    ),
  ],
  draft: () => ({}),
  finish({ securityProtocol = 'PLAINTEXT', saslMechanism, login, tls, ...options }) {
    const problems: string[] = [];
    const usesTls = securityProtocol === 'SSL' || securityProtocol === 'SASL_SSL';
    const usesSasl = securityProtocol === 'SASL_PLAINTEXT' || securityProtocol === 'SASL_SSL';
    // Settings the protocol would silently ignore are refused: someone expected them to apply.
    if (!usesTls && tls) {
      problems.push(`client.ssl.* settings need client.security.protocol SSL or SASL_SSL (it is ${securityProtocol})`);
    }
    if (!usesSasl && (saslMechanism || login)) {
      problems.push(`client.sasl.* settings need client.security.protocol SASL_PLAINTEXT or SASL_SSL (it is ${securityProtocol})`);
    }
    if (usesTls) {
      if (tls && (tls.cert === undefined) !== (tls.key === undefined)) {
        problems.push('client.ssl.keystore.certificate.chain and client.ssl.keystore.key must be set together');
      }
      options.ssl = tls ?? true;
    }
    if (usesSasl) {
      // Kafka's default mechanism is GSSAPI, which kafkajs lacks: make the choice explicit.
      if (!saslMechanism) problems.push(`client.security.protocol ${securityProtocol} needs client.sasl.mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)`);
      if (!login) problems.push(`client.security.protocol ${securityProtocol} needs client.sasl.jaas.config`);
      if (saslMechanism && login) {
        const module = LOGIN_MODULES[saslMechanism];
        if (login.loginModule.split('.').pop() !== module) {
          problems.push(`client.sasl.jaas.config uses ${login.loginModule} but client.sasl.mechanism ${saslMechanism.toUpperCase()} needs ${module}`);
        } else {
          options.sasl = { mechanism: saslMechanism, username: login.username, password: login.password };
        }
      }
    }
    return { options, problems };
  },
};

const producerField = fieldsOf<ProducerOptions>();
const ACKS = mapped<-1 | 0 | 1>([
  ['all', -1],
  ['-1', -1],
  ['0', 0],
  ['1', 1],
]);

export const PRODUCER_OPTIONS: PassThroughGroup<ProducerOptions, ProducerOptions> = {
  prefix: 'producer.',
  keys: [
    producerField('acks', 'acks', ACKS, 'Acknowledgements each produce waits for (sendBatch option).'),
    producerField('request.timeout.ms', 'timeout', integer(1), 'How long the broker may wait for acknowledgements (ms; sendBatch option).'),
    producerField('compression.type', 'compression', oneOf(COMPRESSION_TYPES), 'Producer compression; overrides the top-level compression.type.'),
    producerField(
      'enable.idempotence',
      'idempotent',
      bool,
      'Idempotent producer: a retried batch is written once. Default true (as Kafka 3+ clients), unless producer.acks is 0 or 1 or producer.retries is 0; true with those is refused.',
    ),
    producerField('max.in.flight.requests.per.connection', 'maxInFlightRequests', integer(1), 'Unacknowledged requests allowed per broker connection.'),
    ...retryKeys<ProducerOptions>(),
    producerField('allow.auto.create.topics', 'allowAutoTopicCreation', bool, 'Let a produce to a missing topic create it (if the broker allows).'),
    producerField('transaction.timeout.ms', 'transactionTimeout', integer(1), 'Transaction timeout (ms).'),
    producerField('metadata.max.age.ms', 'metadataMaxAge', integer(0), 'Refresh topic metadata at least this often (ms).'),
  ],
  draft: () => ({}),
  finish(options) {
    const problems: string[] = [];
    // kafkajs refuses both combinations at send time; say so at start-up instead.
    if (options.idempotent && options.acks !== undefined && options.acks !== -1) {
      problems.push(`producer.enable.idempotence=true needs producer.acks=all (it is ${options.acks})`);
    }
    if (options.idempotent && options.retry?.retries === 0) {
      problems.push('producer.enable.idempotence=true needs producer.retries > 0');
    }
    return { options, problems };
  },
};

const consumerField = fieldsOf<ConsumerOptions>();
const ISOLATION_LEVELS = mapped([
  ['read_committed', false],
  ['read_uncommitted', true],
]);

export const CONSUMER_OPTIONS: PassThroughGroup<ConsumerOptions, ConsumerOptions> = {
  prefix: 'consumer.',
  keys: [
    consumerField('session.timeout.ms', 'sessionTimeout', integer(1), 'Group session timeout (ms).'),
    consumerField('heartbeat.interval.ms', 'heartbeatInterval', integer(1), 'Group heartbeat interval (ms); must be below session.timeout.ms.'),
    consumerField('max.poll.interval.ms', 'rebalanceTimeout', integer(1), 'How long a rebalance waits for members to rejoin (ms).'),
    consumerField('fetch.max.wait.ms', 'maxWaitTimeInMs', integer(0), 'How long a broker holds a fetch waiting for fetch.min.bytes (ms).'),
    consumerField('fetch.max.bytes', 'maxBytes', integer(1), 'Most bytes one fetch returns.'),
    consumerField('max.partition.fetch.bytes', 'maxBytesPerPartition', integer(1), 'Most bytes one fetch returns per partition.'),
    consumerField('fetch.min.bytes', 'minBytes', integer(0), 'Bytes a broker gathers before answering a fetch.'),
    consumerField('isolation.level', 'readUncommitted', ISOLATION_LEVELS, 'Whether records of open or aborted transactions are read.'),
    consumerField('allow.auto.create.topics', 'allowAutoTopicCreation', bool, 'Accepted for compatibility; subscriptions never create topics (they wait for them).'),
    consumerField('metadata.max.age.ms', 'metadataMaxAge', integer(0), 'Refresh topic metadata at least this often (ms).'),
    consumerField('client.rack', 'rackId', text, 'Rack id, for fetching from the closest replica.'),
    ...retryKeys<ConsumerOptions>(),
    consumerField('auto.offset.reset', 'autoOffsetReset', oneOf(['earliest', 'latest', 'none']), '(proxy) Where a new instance without a committed offset starts.'),
    consumerField('enable.auto.commit', 'autoCommit', bool, '(proxy) Default auto-commit of new instances.'),
    consumerField('auto.commit.interval.ms', 'autoCommitInterval', integer(0), '(proxy) How often offsets are auto-committed (ms).'),
  ],
  draft: () => ({}),
  finish(options) {
    const problems: string[] = [];
    const { heartbeatInterval, sessionTimeout } = options;
    if (heartbeatInterval !== undefined && sessionTimeout !== undefined && heartbeatInterval >= sessionTimeout) {
      problems.push(`consumer.heartbeat.interval.ms (${heartbeatInterval}) must be below consumer.session.timeout.ms (${sessionTimeout})`);
    }
    return { options, problems };
  },
};

export const ADMIN_OPTIONS: PassThroughGroup<AdminOptions, AdminOptions> = {
  prefix: 'admin.',
  keys: [
    fieldsOf<AdminOptions>()('request.timeout.ms', 'requestTimeout', integer(1), 'How long admin requests wait for a broker response (ms); needs its own Kafka instance.'),
    ...retryKeys<AdminOptions>(),
  ],
  draft: () => ({}),
  finish: (options) => ({ options, problems: [] }),
};

/** Every group, for docs and key look-ups. */
export const PASS_THROUGH_GROUPS: ReadonlyArray<{ prefix: string; keys: readonly PassThroughKeyInfo[] }> = [
  CLIENT_OPTIONS,
  PRODUCER_OPTIONS,
  CONSUMER_OPTIONS,
  ADMIN_OPTIONS,
];

// ---------------------------------------------------------------------------------------------
// Builders: plain kafkajs-shaped objects holding only the options that were set.

/** Copies the listed fields that are defined, so kafkajs defaults survive (`{retries: undefined}` would not). */
function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (source[k] !== undefined) out[k] = source[k];
  return out;
}

/** For `new Kafka(...)`; pass `override` to build the admin's own instance. */
export function toKafkaConfig(client: KafkaClientOptions, brokers: string[], override: { requestTimeout?: number | undefined } = {}): KafkaConfig {
  const merged = override.requestTimeout === undefined ? client : { ...client, requestTimeout: override.requestTimeout };
  return { brokers, ...pick(merged, ['clientId', 'requestTimeout', 'connectionTimeout', 'retry', 'ssl', 'sasl'] as const) };
}

/**
 * Whether producers are idempotent: as set, else true like Kafka 3+ clients, except that settings
 * idempotence cannot work with (acks 0 or 1, no retries) switch the default off, as Java does.
 */
export function idempotenceOf(producer: ProducerOptions): boolean {
  if (producer.idempotent !== undefined) return producer.idempotent;
  return (producer.acks === undefined || producer.acks === -1) && producer.retry?.retries !== 0;
}

export function toProducerConfig(producer: ProducerOptions): ProducerConfig {
  return pick(producer, ['retry', 'metadataMaxAge', 'allowAutoTopicCreation', 'idempotent', 'transactionTimeout', 'maxInFlightRequests'] as const);
}

/** Mirrors kafkajs's `CompressionTypes` enum, which cannot be imported here at runtime. */
const COMPRESSION_CODES: Readonly<Record<CompressionName, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

/** The per-request part of `sendBatch`; `compression` is the effective one (`Config.compressionType`). */
export function toSendOptions(producer: ProducerOptions, compression: CompressionName): Pick<ProducerBatch, 'acks' | 'timeout' | 'compression'> {
  return { ...pick(producer, ['acks', 'timeout'] as const), compression: COMPRESSION_CODES[compression] as CompressionTypes };
}

export function toConsumerConfig(consumer: ConsumerOptions, groupId: string): ConsumerConfig {
  return {
    groupId,
    ...pick(consumer, [
      'sessionTimeout',
      'heartbeatInterval',
      'rebalanceTimeout',
      'maxWaitTimeInMs',
      'maxBytes',
      'maxBytesPerPartition',
      'minBytes',
      'readUncommitted',
      'allowAutoTopicCreation',
      'metadataMaxAge',
      'rackId',
      'retry',
    ] as const),
  };
}

/** Admin's request timeout goes to `toKafkaConfig(..., { requestTimeout })`. */
export function toAdminConfig(admin: AdminOptions): AdminConfig {
  return pick(admin, ['retry'] as const);
}
