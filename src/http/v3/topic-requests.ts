/**
 * The bodies of v3's topic writes, bound as Confluent's Jackson binds them (CreateTopicRequest,
 * PartitionsCountRequest): an unknown property, a value of the wrong type or a missing required
 * field is 400 with Jackson's words; an empty body is Confluent's 422/42206, and so is a topic name
 * Kafka would refuse.
 */
import { ErrorCode, RestError } from '../../errors.ts';
import { isLegalTopicName } from '../../kafka/topic-pattern.ts';
import type { NewTopic } from '../../kafka/v3/topics.ts';
import { BindingError, bind, intOf, listOf, mismatch, objectOf, property, stringOf, type Entity } from '../v2/json-binding.ts';
import { emptyBody } from './routes.ts';

const PACKAGE = 'io.confluent.kafkarest.entities.v3';
const entity = (simpleName: string, properties: string[]): Entity => ({ className: `${PACKAGE}.${simpleName}`, properties: new Set(properties) });

const CREATE_TOPIC = entity('CreateTopicRequest', ['topic_name', 'partitions_count', 'replication_factor', 'replicas_assignments', 'configs', 'validate_only']);
const CONFIG_ENTRY = entity('CreateTopicRequest$ConfigEntry', ['name', 'value']);
const PARTITIONS_COUNT = entity('PartitionsCountRequest', ['partitions_count']);

/** A topic to create, read from `POST /v3/clusters/{cid}/topics`. */
export function createTopicRequest(body: unknown): NewTopic {
  if (body === null) throw emptyBody();
  const request = bind(() => {
    const fields = objectOf(body, CREATE_TOPIC);
    const name = property(CREATE_TOPIC, 'topic_name', fields.topic_name, stringOf);
    const partitionsCount = property(CREATE_TOPIC, 'partitions_count', fields.partitions_count, intOf);
    const replicationFactor = property(CREATE_TOPIC, 'replication_factor', fields.replication_factor, shortOf);
    const replicasAssignments = property(CREATE_TOPIC, 'replicas_assignments', fields.replicas_assignments, assignmentsOf);
    const configs = property(CREATE_TOPIC, 'configs', fields.configs, (value) => listOf(value, CONFIG_ENTRY.className, configEntryOf)) ?? [];
    const validateOnly = property(CREATE_TOPIC, 'validate_only', fields.validate_only, booleanOf) ?? false;
    // Confluent's entity refuses a null name when it is built, after its fields were read.
    if (name === undefined) throw new BindingError(problem(CREATE_TOPIC, 'Null topicName'));
    return { name, partitionsCount, replicationFactor, replicasAssignments, configs, validateOnly };
  });
  if (!isLegalTopicName(request.name)) throw new RestError(ErrorCode.InvalidPayload, 'Payload error. Invalid topic name.');
  return {
    ...request,
    // Kafka takes a config without a value as not given at all.
    configs: request.configs.filter((c): c is { name: string; value: string } => c.value !== undefined),
  };
}

/** The new partition count of `PATCH /v3/clusters/{cid}/topics/{t}`. */
export function partitionsCountRequest(body: unknown): number {
  if (body === null) throw new RestError(ErrorCode.InvalidPayload, 'Payload error. Request body is empty. Partitions_count is required.');
  return bind(() => {
    const fields = objectOf(body, PARTITIONS_COUNT);
    const count = property(PARTITIONS_COUNT, 'partitions_count', fields.partitions_count, intOf);
    if (count === undefined) throw new BindingError(problem(PARTITIONS_COUNT, 'Null partitionsCount'));
    return count;
  });
}

function configEntryOf(value: unknown): { name: string; value: string | undefined } {
  const fields = objectOf(value, CONFIG_ENTRY);
  const name = property(CONFIG_ENTRY, 'name', fields.name, stringOf);
  const configValue = property(CONFIG_ENTRY, 'value', fields.value, stringOf);
  if (name === undefined) throw new BindingError(problem(CONFIG_ENTRY, 'Null name'));
  return { name, value: configValue };
}

/** `{"0": [1, 2], "1": [2, 3]}`: Jackson's Map<Integer, List<Integer>>, by partition id. */
function assignmentsOf(value: unknown): Array<{ partition: number; replicas: number[] }> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw mismatch('java.util.Map<java.lang.Integer,java.util.List<java.lang.Integer>>', value);
  return Object.entries(value as Record<string, unknown>)
    .map(([key, replicas]) => {
      if (!/^[+-]?\d{1,10}$/.test(key.trim()) || !Number.isSafeInteger(Number(key)) || Math.abs(Number(key)) > 2_147_483_647) {
        throw new BindingError(`Cannot deserialize Map key of type \`java.lang.Integer\` from String ${JSON.stringify(key)}: not a valid \`java.lang.Integer\` representation`);
      }
      const brokers = listOf(replicas, 'java.lang.Integer', (id) => {
        const brokerId = intOf(id);
        if (brokerId === undefined) throw mismatch('int', id);
        return brokerId;
      });
      return { partition: Number(key), replicas: brokers ?? [] };
    })
    .sort((a, b) => a.partition - b.partition);
}

function shortOf(value: unknown): number | undefined {
  const number = intOf(value);
  if (number !== undefined && (number < -32_768 || number > 32_767)) throw new BindingError(`Numeric value (${number}) out of range of Java short`);
  return number;
}

/** A boolean; Jackson also takes the strings "true" and "false". */
function booleanOf(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw mismatch('java.lang.Boolean', value);
}

/** Jackson's words for an entity whose creator refused its arguments. */
const problem = (type: Entity, reason: string) => `Cannot construct instance of \`${type.className}\`, problem: ${reason}`;
