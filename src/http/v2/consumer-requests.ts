/**
 * Validates the JSON bodies of the v2 consumer endpoints into typed requests, in two steps as
 * Confluent's proxy does: binding to its entities (CreateConsumerInstanceRequest,
 * ConsumerSubscriptionRecord, ...), where an unknown property or a value of the wrong JSON type is
 * 400 with Jackson's message (json-binding.ts), then validation, where what binds but is not valid
 * is 422 with what was wrong. Every list and string has a bound, so a client's mistake is answered
 * here rather than failing later in kafkajs or the broker.
 */
import type { CreateInstance } from '../../actors/consumer/protocol.ts';
import type { InstanceConfig, Subscription } from '../../actors/consumer/session-machine.ts';
import { EMBEDDED_FORMATS, type EmbeddedFormat } from '../../codecs/embedded-format.ts';
import { MAX_CONSUMER_REQUEST_TIMEOUT_MS } from '../../config/config.ts';
import { ErrorCode, RestError } from '../../errors.ts';
import type { TopicPartition, TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import { compileTopicPattern, isLegalTopicName, TopicPatternError } from '../../kafka/topic-pattern.ts';
import { NO_BODY } from '../body.ts';
import { bind, BindingError, entity, intOf, listOf, longOf, mismatch, objectOf, property, stringOf, type Entity } from './json-binding.ts';

export { MAX_CONSUMER_REQUEST_TIMEOUT_MS };

/**
 * Kafka's broker default offset.metadata.max.bytes. Despite the name the broker counts UTF-16 code
 * units (Java's String.length()), as JavaScript's length does: 4,096 '€' (12,288 bytes) pass.
 */
export const MAX_COMMIT_METADATA_LENGTH = 4096;
/** Most entries in one offsets, partitions or timestamps list. */
export const MAX_LIST_ENTRIES = 10_000;
const MAX_PARTITION = 2_147_483_647; // Kafka partitions are int32

export interface SubscriptionLimits {
  /** Most distinct topics (the proxy's consumer.subscription.max.topics). */
  maxTopics: number;
}

export interface ConsumerDefaults {
  autoOffsetReset: 'earliest' | 'latest';
  autoCommit: boolean;
}

const unprocessable = (message: string) => new RestError(ErrorCode.UnprocessableEntity, message);
const invalidConfig = (message: string) => new RestError(ErrorCode.InvalidConsumerConfig, `Invalid consumer configuration: ${message}`);

/** The create field that adds `timestamp` and `headers` to every record the instance returns. */
export const RECORD_METADATA = 'record.metadata';

const CREATE_FIELDS = [
  'name',
  'id',
  'format',
  'auto.offset.reset',
  'auto.commit.enable',
  'fetch.min.bytes',
  'responseMinBytes',
  'consumer.request.timeout.ms',
  'requestWaitMs',
  // An extension (docs/CONSUMERS.md): records carry their timestamp and headers.
  RECORD_METADATA,
];

// Confluent's entities (kafka-rest entities/v2), as Jackson names them in its messages.
const CREATE = entity('CreateConsumerInstanceRequest', CREATE_FIELDS);
const SUBSCRIPTION = entity('ConsumerSubscriptionRecord', ['topics', 'topic_pattern']);
const TOPIC_PARTITION = entity('TopicPartition', ['topic', 'partition']);
const PARTITIONS_REQUESTS = {
  assignment: entity('ConsumerAssignmentRequest', ['partitions']),
  seekTo: entity('ConsumerSeekToRequest', ['partitions']),
  committed: entity('ConsumerCommittedRequest', ['partitions']),
} as const;
const SEEK = entity('ConsumerSeekRequest', ['offsets', 'timestamps']);
const SEEK_OFFSET = entity('ConsumerSeekRequest$PartitionOffset', ['topic', 'partition', 'offset', 'metadata']);
const SEEK_TIMESTAMP = entity('ConsumerSeekRequest$PartitionTimestamp', ['topic', 'partition', 'timestamp', 'metadata']);
const COMMIT = entity('ConsumerOffsetCommitRequest', ['offsets']);
const COMMIT_OFFSET = entity('TopicPartitionOffsetMetadata', ['topic', 'partition', 'offset', 'metadata']);

/** The bodies that are a list of topic-partitions, by endpoint. */
export type PartitionsRequest = keyof typeof PARTITIONS_REQUESTS;

/** Instance names end up in URLs: keep them to what a path segment carries without escaping. */
const NAME = /^[A-Za-z0-9._-]{1,249}$/;

export function parseCreateConsumer(body: unknown, defaults: ConsumerDefaults): CreateInstance {
  const raw = body === NO_BODY || body === null ? {} : bind(() => objectOf(body, CREATE, false));
  for (const field of Object.keys(raw)) {
    // 42204 rather than Jackson's 400: proxies are multi-tenant, instances may override only these.
    if (!CREATE.properties.has(field)) throw invalidConfig(`${field} cannot be set per consumer instance`);
  }
  const fields = bind(() => {
    const read = <T>(name: string, as: (value: unknown) => T) => property(CREATE, name, raw[name], as);
    // All strings in Confluent's entity, auto.commit.enable too (a JSON boolean becomes its text).
    const [id, name, format, reset, autoCommit, recordMetadata] = ['id', 'name', 'format', 'auto.offset.reset', 'auto.commit.enable', RECORD_METADATA].map((f) =>
      read(f, stringOf),
    );
    const [fetchMinBytes, responseMinBytes, requestTimeoutMs, requestWaitMs] = ['fetch.min.bytes', 'responseMinBytes', 'consumer.request.timeout.ms', 'requestWaitMs'].map((f) => read(f, intOf));
    return {
      name: id ?? name,
      format,
      reset,
      autoCommit,
      recordMetadata,
      fetchMinBytes: fetchMinBytes ?? responseMinBytes,
      requestTimeoutMs: requestTimeoutMs ?? requestWaitMs,
    };
  });
  const { name } = fields;
  if (name !== undefined && !NAME.test(name)) {
    throw invalidConfig(`name must be 1-249 characters of letters, digits, '.', '_' or '-'`);
  }
  const format = (fields.format ?? 'binary').toLowerCase();
  if (!EMBEDDED_FORMATS.includes(format as EmbeddedFormat)) {
    throw new RestError(ErrorCode.UnprocessableEntity, `Invalid format type: ${fields.format}.`);
  }
  const reset = fields.reset ?? defaults.autoOffsetReset;
  if (reset !== 'earliest' && reset !== 'latest') {
    throw invalidConfig(`Invalid value ${reset} for configuration auto.offset.reset: String must be one of: latest, earliest`);
  }
  const config: InstanceConfig = {
    format: format as EmbeddedFormat,
    autoOffsetReset: reset,
    autoCommit: parseBoolean(fields.autoCommit, defaults.autoCommit, 'enable.auto.commit'),
    fetchMinBytes: inRange(fields.fetchMinBytes, 'fetch.min.bytes', -1, 10_000_000, 40001),
    requestTimeoutMs: inRange(fields.requestTimeoutMs, 'consumer.request.timeout.ms', 0, MAX_CONSUMER_REQUEST_TIMEOUT_MS),
  };
  // Only when on: an instance without it is journaled exactly as before the field existed.
  if (parseBoolean(fields.recordMetadata, false, RECORD_METADATA)) config.recordMetadata = true;
  return { name, config };
}

/** Kafka's ConfigDef BOOLEAN: trimmed and case-insensitive. */
function parseBoolean(value: string | undefined, fallback: boolean, setting: string): boolean {
  if (value === undefined) return fallback;
  const text = value.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalidConfig(`Invalid value ${value} for configuration ${setting}: Expected value to be either true or false`);
}

function inRange(value: number | undefined, name: string, min: number, max: number, code: number = ErrorCode.InvalidConsumerConfig): number | null {
  if (value === undefined) return null;
  if (value < min || value > max) {
    const message =
      code === 40001
        ? `Invalid consumer configuration. It does not abide by the constraints: ${name} must be an integer in [${min}, ${max}]`
        : `Invalid consumer configuration: ${name} must be an integer in [${min}, ${max}]`;
    throw new RestError(code, message, 422);
  }
  return value;
}

export function parseSubscription(body: unknown, limits: SubscriptionLimits): Subscription {
  const raw = requiredObject(body, SUBSCRIPTION);
  const { topics, pattern } = bind(() => ({
    topics: property(SUBSCRIPTION, 'topics', raw.topics, (v) => listOf(v, 'java.lang.String', stringOf)),
    pattern: property(SUBSCRIPTION, 'topic_pattern', raw.topic_pattern, stringOf),
  }));
  if (topics !== undefined) {
    const distinct = new Set<string>();
    for (const [i, topic] of topics.entries()) {
      if (topic === undefined || topic.length === 0) throw unprocessable('topics must be a list of topic names');
      if (!isLegalTopicName(topic)) throw unprocessable(`topics[${i}] ${illegalTopic(topic)}`);
      distinct.add(topic);
      // Stop at the first topic too many: a huge list costs no more than the limit.
      if (distinct.size > limits.maxTopics) {
        throw unprocessable(`A subscription may name at most ${limits.maxTopics} topics (consumer.subscription.max.topics).`);
      }
    }
    return { topics: [...distinct] };
  }
  if (pattern !== undefined && pattern.length > 0) {
    try {
      compileTopicPattern(pattern);
    } catch (error) {
      if (error instanceof TopicPatternError) throw unprocessable(error.message);
      throw error;
    }
    return { pattern };
  }
  throw unprocessable('A subscription needs "topics" or "topic_pattern".');
}

const illegalTopic = (topic: string): string =>
  `is not a legal topic name: ${JSON.stringify(topic.length > 80 ? `${topic.slice(0, 80)}…` : topic)} (1-249 of a-z, A-Z, 0-9, '.', '_', '-'; not "." or "..")`;

function boundedList<T>(list: T[], field: string): T[] {
  if (list.length > MAX_LIST_ENTRIES) throw unprocessable(`"${field}" may list at most ${MAX_LIST_ENTRIES} entries, not ${list.length}`);
  return list;
}

/** A list entry as bound: null for a JSON null, absent fields undefined. */
interface Entry {
  topic?: string;
  partition?: number;
  offset?: number;
  metadata?: string;
  timestamp?: number;
}

/** Binds one entry of a list: an object of `type`, its fields of the types Confluent's has. */
const entryOf = (type: Entity) => (value: unknown): Entry | null => {
  if (value === undefined || value === null) return null;
  const fields = objectOf(value, type);
  const entry: Entry = {
    topic: property(type, 'topic', fields.topic, stringOf),
    partition: property(type, 'partition', fields.partition, intOf),
  };
  if (type.properties.has('offset')) entry.offset = property(type, 'offset', fields.offset, longOf);
  if (type.properties.has('metadata')) entry.metadata = property(type, 'metadata', fields.metadata, stringOf);
  if (type.properties.has('timestamp')) entry.timestamp = property(type, 'timestamp', fields.timestamp, instantOf);
  return entry;
};

/** The list in `field` of a bound body (undefined when absent or null). */
function entries(owner: Entity, fields: Record<string, unknown>, field: string, type: Entity): Array<Entry | null> | undefined {
  return property(owner, field, fields[field], (v) => listOf(v, type.className, entryOf(type)));
}

/** The body of an assignment, a seek to the beginning or end, or a committed-offsets query. */
export function parsePartitions(body: unknown, request: PartitionsRequest = 'assignment'): TopicPartition[] {
  const owner = PARTITIONS_REQUESTS[request];
  const fields = requiredObject(body, owner);
  const list = bind(() => entries(owner, fields, 'partitions', TOPIC_PARTITION));
  if (list === undefined) throw unprocessable('"partitions" must be a list of {"topic", "partition"}');
  return boundedList(list, 'partitions').map((entry, i) => topicPartition(entry, `partitions[${i}]`));
}

/** A list of offsets to commit, as the value of `field`. */
export function parseOffsets(list: unknown, field: string): Array<TopicPartitionOffset & { metadata?: string | null }> {
  const bound = bind(() => listOf(list, COMMIT_OFFSET.className, entryOf(COMMIT_OFFSET)));
  return validOffsets(bound, field);
}

function validOffsets(list: Array<Entry | null> | undefined, field: string): Array<TopicPartitionOffset & { metadata?: string | null }> {
  if (list === undefined) throw unprocessable(`"${field}" must be a list of {"topic", "partition", "offset"}`);
  return boundedList(list, field).map((entry, i) => {
    const tp = topicPartition(entry, `${field}[${i}]`);
    const { offset, metadata } = entry!;
    if (offset === undefined || offset < 0) throw unprocessable(`${field}[${i}].offset must be a non-negative integer`);
    if (metadata !== undefined && metadata.length > MAX_COMMIT_METADATA_LENGTH) {
      // Brokers refuse longer metadata by default (and much longer overflowed the encoder's int16).
      throw unprocessable(`${field}[${i}].metadata must be at most ${MAX_COMMIT_METADATA_LENGTH} characters, not ${metadata.length}`);
    }
    return { ...tp, offset, metadata: metadata ?? null };
  });
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** A java.time.Instant: an ISO-8601 instant with its zone; epoch milliseconds are taken too. */
function instantOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw mismatch('java.time.Instant', value);
  const ms = ISO_INSTANT.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) {
    throw new BindingError(
      `Cannot deserialize value of type \`java.time.Instant\` from String ${JSON.stringify(value)}: not an ISO-8601 instant with a zone, such as 2020-10-01T12:00:00Z`,
    );
  }
  return ms;
}

export interface Positions {
  offsets: TopicPartitionOffset[];
  timestamps: Array<TopicPartition & { timestamp: number }>;
}

export function parsePositions(body: unknown): Positions {
  const fields = requiredObject(body, SEEK);
  const bound = bind(() => ({
    offsets: entries(SEEK, fields, 'offsets', SEEK_OFFSET),
    timestamps: entries(SEEK, fields, 'timestamps', SEEK_TIMESTAMP),
  }));
  const offsets = bound.offsets === undefined ? [] : validOffsets(bound.offsets, 'offsets');
  const timestamps = boundedList(bound.timestamps ?? [], 'timestamps').map((entry, i) => {
    const tp = topicPartition(entry, `timestamps[${i}]`);
    const ms = entry!.timestamp;
    if (ms === undefined || Number.isNaN(ms)) throw unprocessable(`timestamps[${i}].timestamp must be an ISO-8601 date-time`);
    // Negative values are Kafka's special ListOffsets queries (-1 latest, -2 earliest, ...).
    if (!Number.isSafeInteger(ms) || ms < 0) throw unprocessable(`timestamps[${i}].timestamp must be at or after 1970-01-01T00:00:00Z, in whole milliseconds`);
    return { ...tp, timestamp: ms };
  });
  if (offsets.length === 0 && timestamps.length === 0) throw unprocessable('Positions need "offsets" or "timestamps".');
  return { offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })), timestamps };
}

/** A commit body: absent/empty means "everything delivered so far". */
export function parseCommit(body: unknown): Array<TopicPartitionOffset & { metadata?: string | null }> | null {
  if (body === NO_BODY || body === null) return null;
  const fields = bind(() => objectOf(body, COMMIT));
  const list = bind(() => entries(COMMIT, fields, 'offsets', COMMIT_OFFSET));
  return list === undefined ? null : validOffsets(list, 'offsets');
}

function topicPartition(entry: Entry | null, where: string): TopicPartition {
  if (entry === null) throw unprocessable(`${where} must be an object`);
  const { topic, partition } = entry;
  if (topic === undefined || topic.length === 0) throw unprocessable(`${where}.topic must be a topic name`);
  if (!isLegalTopicName(topic)) throw unprocessable(`${where}.topic ${illegalTopic(topic)}`);
  if (partition === undefined || partition < 0 || partition > MAX_PARTITION) {
    throw unprocessable(`${where}.partition must be a non-negative 32-bit integer`);
  }
  return { topic, partition };
}

function requiredObject(body: unknown, type: Entity): Record<string, unknown> {
  if (body === NO_BODY || body === null) throw unprocessable('Request body is empty. Data is required.');
  return bind(() => objectOf(body, type));
}
