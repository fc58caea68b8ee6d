/**
 * Validates the JSON bodies of the v2 consumer endpoints into typed requests. Shapes follow
 * Confluent's entities (CreateConsumerInstanceRequest, ConsumerSubscriptionRecord, ...); a body
 * that does not fit is 422 with what was wrong. Every list and string has a bound, so a client's
 * mistake is answered here rather than failing later in kafkajs or the broker.
 */
import type { CreateInstance } from '../../actors/consumer/protocol.ts';
import type { InstanceConfig, Subscription } from '../../actors/consumer/session-machine.ts';
import { EMBEDDED_FORMATS, type EmbeddedFormat } from '../../codecs/embedded-format.ts';
import { MAX_CONSUMER_REQUEST_TIMEOUT_MS } from '../../config/config.ts';
import { ErrorCode, RestError } from '../../errors.ts';
import type { TopicPartition, TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import { compileTopicPattern, isLegalTopicName, TopicPatternError } from '../../kafka/topic-pattern.ts';
import { NO_BODY } from '../body.ts';

export { MAX_CONSUMER_REQUEST_TIMEOUT_MS };

/** Kafka's broker default offset.metadata.max.bytes (counted in characters, as the broker does). */
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

const CREATE_FIELDS = new Set([
  'name',
  'id',
  'format',
  'auto.offset.reset',
  'auto.commit.enable',
  'fetch.min.bytes',
  'responseMinBytes',
  'consumer.request.timeout.ms',
  'requestWaitMs',
]);

/** Instance names end up in URLs: keep them to what a path segment carries without escaping. */
const NAME = /^[A-Za-z0-9._-]{1,249}$/;

export function parseCreateConsumer(body: unknown, defaults: ConsumerDefaults): CreateInstance {
  const fields = body === NO_BODY || body === null ? {} : objectBody(body);
  for (const field of Object.keys(fields)) {
    // Proxies are multi-tenant: instances may override only these settings (Confluent's rule).
    if (!CREATE_FIELDS.has(field)) throw invalidConfig(`${field} cannot be set per consumer instance`);
  }
  const name = fields.id ?? fields.name;
  if (name !== undefined && name !== null && (typeof name !== 'string' || !NAME.test(name))) {
    throw invalidConfig(`name must be 1-249 characters of letters, digits, '.', '_' or '-'`);
  }
  if (fields.format !== undefined && fields.format !== null && typeof fields.format !== 'string') {
    throw new RestError(ErrorCode.UnprocessableEntity, `Invalid format type: ${JSON.stringify(fields.format)}.`);
  }
  const format = ((fields.format as string | null | undefined) ?? 'binary').toLowerCase();
  if (!EMBEDDED_FORMATS.includes(format as EmbeddedFormat)) {
    throw new RestError(ErrorCode.UnprocessableEntity, `Invalid format type: ${String(fields.format)}.`);
  }
  const reset = fields['auto.offset.reset'] ?? defaults.autoOffsetReset;
  if (reset !== 'earliest' && reset !== 'latest') {
    throw invalidConfig(`Invalid value ${String(reset)} for configuration auto.offset.reset: String must be one of: latest, earliest`);
  }
  const config: InstanceConfig = {
    format: format as EmbeddedFormat,
    autoOffsetReset: reset,
    autoCommit: parseBoolean(fields['auto.commit.enable'], defaults.autoCommit),
    fetchMinBytes: optionalInt(fields['fetch.min.bytes'] ?? fields.responseMinBytes, 'fetch.min.bytes', -1, 10_000_000, 40001),
    requestTimeoutMs: optionalInt(
      fields['consumer.request.timeout.ms'] ?? fields.requestWaitMs,
      'consumer.request.timeout.ms',
      0,
      MAX_CONSUMER_REQUEST_TIMEOUT_MS,
    ),
  };
  return { name: (name as string | null | undefined) ?? undefined, config };
}

/** Kafka's ConfigDef BOOLEAN: trimmed and case-insensitive, as strings or JSON booleans. */
function parseBoolean(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalidConfig(`Invalid value ${String(value)} for configuration enable.auto.commit: Expected value to be either true or false`);
}

function optionalInt(value: unknown, name: string, min: number, max: number, code: number = ErrorCode.InvalidConsumerConfig): number | null {
  if (value === undefined || value === null) return null;
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    const message =
      code === 40001
        ? `Invalid consumer configuration. It does not abide by the constraints: ${name} must be an integer in [${min}, ${max}]`
        : `Invalid consumer configuration: ${name} must be an integer in [${min}, ${max}]`;
    throw new RestError(code, message, 422);
  }
  return number;
}

export function parseSubscription(body: unknown, limits: SubscriptionLimits): Subscription {
  const fields = requiredObject(body);
  const { topics, topic_pattern: pattern } = fields;
  if (topics !== undefined && topics !== null) {
    if (!Array.isArray(topics)) throw unprocessable('topics must be a list of topic names');
    const distinct = new Set<string>();
    for (const [i, topic] of topics.entries()) {
      if (typeof topic !== 'string' || topic.length === 0) throw unprocessable('topics must be a list of topic names');
      if (!isLegalTopicName(topic)) throw unprocessable(`topics[${i}] ${illegalTopic(topic)}`);
      distinct.add(topic);
      // Stop at the first topic too many: a huge list costs no more than the limit.
      if (distinct.size > limits.maxTopics) {
        throw unprocessable(`A subscription may name at most ${limits.maxTopics} topics (consumer.subscription.max.topics).`);
      }
    }
    return { topics: [...distinct] };
  }
  if (typeof pattern === 'string' && pattern.length > 0) {
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

function boundedList(list: unknown[], field: string): unknown[] {
  if (list.length > MAX_LIST_ENTRIES) throw unprocessable(`"${field}" may list at most ${MAX_LIST_ENTRIES} entries, not ${list.length}`);
  return list;
}

export function parsePartitions(body: unknown, field = 'partitions'): TopicPartition[] {
  const fields = requiredObject(body);
  const list = fields[field];
  if (!Array.isArray(list)) throw unprocessable(`"${field}" must be a list of {"topic", "partition"}`);
  return boundedList(list, field).map((item, i) => topicPartition(item, `${field}[${i}]`));
}

export function parseOffsets(list: unknown, field: string): Array<TopicPartitionOffset & { metadata?: string | null }> {
  if (!Array.isArray(list)) throw unprocessable(`"${field}" must be a list of {"topic", "partition", "offset"}`);
  return boundedList(list, field).map((item, i) => {
    const tp = topicPartition(item, `${field}[${i}]`);
    const { offset, metadata } = item as { offset?: unknown; metadata?: unknown };
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      throw unprocessable(`${field}[${i}].offset must be a non-negative integer`);
    }
    if (metadata !== undefined && metadata !== null && typeof metadata !== 'string') {
      throw unprocessable(`${field}[${i}].metadata must be a string`);
    }
    if (typeof metadata === 'string' && metadata.length > MAX_COMMIT_METADATA_LENGTH) {
      // Longer strings overflowed the encoder's int16 length (a 500); brokers refuse > 4096 by default.
      throw unprocessable(`${field}[${i}].metadata must be at most ${MAX_COMMIT_METADATA_LENGTH} characters, not ${metadata.length}`);
    }
    return { ...tp, offset, metadata: (metadata as string | null | undefined) ?? null };
  });
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

export interface Positions {
  offsets: TopicPartitionOffset[];
  timestamps: Array<TopicPartition & { timestamp: number }>;
}

export function parsePositions(body: unknown): Positions {
  const fields = requiredObject(body);
  const offsets = fields.offsets === undefined || fields.offsets === null ? [] : parseOffsets(fields.offsets, 'offsets');
  const rawTimestamps = fields.timestamps ?? [];
  if (!Array.isArray(rawTimestamps)) throw unprocessable('"timestamps" must be a list of {"topic", "partition", "timestamp"}');
  const timestamps = boundedList(rawTimestamps, 'timestamps').map((item, i) => {
    const tp = topicPartition(item, `timestamps[${i}]`);
    const { timestamp } = item as { timestamp?: unknown };
    // An ISO-8601 instant with its zone, as Java's Instant reads it; epoch milliseconds also do.
    const ms = typeof timestamp === 'string' && ISO_INSTANT.test(timestamp) ? Date.parse(timestamp) : typeof timestamp === 'number' ? timestamp : NaN;
    if (!Number.isFinite(ms)) throw unprocessable(`timestamps[${i}].timestamp must be an ISO-8601 date-time`);
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
  const fields = objectBody(body);
  if (fields.offsets === undefined || fields.offsets === null) return null;
  return parseOffsets(fields.offsets, 'offsets');
}

function topicPartition(item: unknown, where: string): TopicPartition {
  if (typeof item !== 'object' || item === null) throw unprocessable(`${where} must be an object`);
  const { topic, partition } = item as { topic?: unknown; partition?: unknown };
  if (typeof topic !== 'string' || topic.length === 0) throw unprocessable(`${where}.topic must be a topic name`);
  if (!isLegalTopicName(topic)) throw unprocessable(`${where}.topic ${illegalTopic(topic)}`);
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition > MAX_PARTITION) {
    throw unprocessable(`${where}.partition must be a non-negative 32-bit integer`);
  }
  return { topic, partition };
}

function requiredObject(body: unknown): Record<string, unknown> {
  if (body === NO_BODY || body === null) throw unprocessable('Request body is empty. Data is required.');
  return objectBody(body);
}

function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || Array.isArray(body)) throw new RestError(ErrorCode.BadRequest, 'The request body must be a JSON object.');
  return body as Record<string, unknown>;
}
