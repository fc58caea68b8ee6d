/**
 * The bodies of the v3 config changes, bound as Jackson binds Confluent's entities: an unknown
 * property, a value of the wrong JSON type or a missing name is 400 with Jackson's words; no body
 * at all is 422 ("Payload error. Request body is empty. Data is required."), where Confluent's
 * older actions fail with a 500.
 *
 * - PUT `.../configs/{name}`: `{"value": "..."}` (UpdateTopicConfigRequest and its broker and
 *   cluster twins); a missing or null value is a SET to null, which Kafka refuses.
 * - POST `.../configs:alter`: `{"data": [{"name", "value", "operation"}], "validate_only"}`
 *   (AlterConfigBatchRequestData); `operation` is SET (the default) or DELETE, in any case.
 * - POST `topics/-/configs:alter`: `{"data": [{"topic_name", "configs": [<as above>]}],
 *   "validate_only"}` (AlterMultipleTopicsConfigsBatchRequestData); a topic named twice keeps its
 *   last entry, as in Confluent's map.
 */
import type { AlterCommand } from '../../kafka/v3/configs.ts';
import { bind, BindingError, listOf, mismatch, objectOf, property, stringOf, type Entity } from '../v2/json-binding.ts';
import { emptyBody } from './routes.ts';

const PACKAGE = 'io.confluent.kafkarest.entities.v3';
const v3Entity = (simpleName: string, properties: string[]): Entity => ({ className: `${PACKAGE}.${simpleName}`, properties: new Set(properties) });

const ALTER_BATCH = v3Entity('AlterConfigBatchRequestData', ['data', 'validate_only']);
const ALTER_ENTRY = v3Entity('AlterConfigBatchRequestData$AlterEntry', ['name', 'value', 'operation']);
const ALTER_TOPICS = v3Entity('AlterMultipleTopicsConfigsBatchRequestData', ['data', 'validate_only']);
const TOPIC_ENTRY = v3Entity('AlterMultipleTopicsConfigsBatchRequestData$TopicAlterEntry', ['topic_name', 'configs']);
const OPERATION = `${PACKAGE}.AlterConfigBatchRequestData$AlterOperation`;
const OPERATIONS = ['SET', 'DELETE'] as const;

export interface AlterBatch {
  commands: AlterCommand[];
  validateOnly: boolean;
}

export interface AlterTopicsBatch {
  /** By topic, in the order first named. */
  topics: Map<string, AlterCommand[]>;
  validateOnly: boolean;
}

/** `{"value": ...}`, for the entity of that resource (its name appears in Jackson's messages). */
export function readUpdate(body: unknown, entityName: 'UpdateTopicConfigRequest' | 'UpdateBrokerConfigRequest' | 'UpdateClusterConfigRequest'): string | null {
  if (body === null) throw emptyBody();
  const type = v3Entity(entityName, ['value']);
  return bind(() => property(type, 'value', objectOf(body, type).value, stringOf)) ?? null;
}

export function readAlterBatch(body: unknown): AlterBatch {
  if (body === null) throw emptyBody();
  return bind(() => {
    const fields = objectOf(body, ALTER_BATCH);
    const data = property(ALTER_BATCH, 'data', fields.data, (v) => listOf(v, ALTER_ENTRY.className, alterEntry));
    if (data === undefined) throw nullProperty(ALTER_BATCH, 'data');
    return { commands: data, validateOnly: property(ALTER_BATCH, 'validate_only', fields.validate_only, booleanOf) ?? false };
  });
}

export function readAlterTopicsBatch(body: unknown): AlterTopicsBatch {
  if (body === null) throw emptyBody();
  return bind(() => {
    const fields = objectOf(body, ALTER_TOPICS);
    const data = property(ALTER_TOPICS, 'data', fields.data, (v) => listOf(v, TOPIC_ENTRY.className, topicEntry));
    if (data === undefined) throw nullProperty(ALTER_TOPICS, 'data');
    const topics = new Map<string, AlterCommand[]>();
    for (const { topic, commands } of data) topics.set(topic, commands);
    return { topics, validateOnly: property(ALTER_TOPICS, 'validate_only', fields.validate_only, booleanOf) ?? false };
  });
}

function topicEntry(value: unknown): { topic: string; commands: AlterCommand[] } {
  const fields = objectOf(value, TOPIC_ENTRY);
  const topic = property(TOPIC_ENTRY, 'topic_name', fields.topic_name, stringOf);
  if (topic === undefined) throw nullProperty(TOPIC_ENTRY, 'topicName');
  const commands = property(TOPIC_ENTRY, 'configs', fields.configs, (v) => listOf(v, ALTER_ENTRY.className, alterEntry));
  if (commands === undefined) throw nullProperty(TOPIC_ENTRY, 'configs');
  return { topic, commands };
}

function alterEntry(value: unknown): AlterCommand {
  const fields = objectOf(value, ALTER_ENTRY);
  const name = property(ALTER_ENTRY, 'name', fields.name, stringOf);
  const operation = property(ALTER_ENTRY, 'operation', fields.operation, operationOf) ?? 'SET';
  // AutoValue's builder refuses a null name inside Jackson's creator.
  if (name === undefined) throw nullProperty(ALTER_ENTRY, 'name');
  if (operation === 'DELETE') return { operation, name };
  return { operation, name, value: property(ALTER_ENTRY, 'value', fields.value, stringOf) ?? null };
}

function operationOf(value: unknown): (typeof OPERATIONS)[number] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw mismatch(OPERATION, value);
  const found = OPERATIONS.find((name) => name === value.toUpperCase());
  if (!found) {
    throw new BindingError(`Cannot deserialize value of type \`${OPERATION}\` from String ${JSON.stringify(value)}: not one of the values accepted for Enum class: [${OPERATIONS.join(', ')}]`);
  }
  return found;
}

/** A boolean; Jackson also takes the strings "true" and "false". */
function booleanOf(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw mismatch('java.lang.Boolean', value);
}

function nullProperty(type: Entity, javaName: string): BindingError {
  return new BindingError(`Cannot construct instance of \`${type.className}\`, problem: Null ${javaName}`);
}
