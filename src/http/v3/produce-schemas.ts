/**
 * Which schema a v3 key or value is written with, as Confluent's SchemaManagerImpl finds it:
 *   - `type` AVRO/JSONSCHEMA/PROTOBUF with a raw `schema`: registered (if new) under the subject;
 *   - no `type`, `schema_id`: that schema, under the subject;
 *   - no `type`, `schema_version`: that version of the subject;
 *   - no `type`, none of them: the subject's latest version.
 * The subject is `subject`, else the subject name strategy (TOPIC_NAME by default: `<topic>-key`
 * or `<topic>-value`; RECORD_NAME: the schema's record name; TOPIC_RECORD_NAME: `<topic>-<name>`).
 * The record strategies need the schema, so they cannot be used with a version or the latest.
 *
 * Errors are Confluent's: a registry failure is 42207 "Error serializing message. <what>" (403 /
 * 40301 when the registry refuses access), a version that does not exist 400, a raw schema that
 * does not parse 42205. The data is then encoded by SchemaCodecs with the schema's id, which keeps
 * the parsed schemas.
 */
import protobuf from 'protobufjs';
import { SCHEMA_FORMATS, type SchemaCodecs, type SchemaEmbeddedFormat } from '../../codecs/schema-codecs.ts';
import { ErrorCode, Errors, RestError } from '../../errors.ts';
import { RegistryError, type SchemaRegistry, type SchemaType } from '../../registry/schema-registry.ts';
import type { RecordData, SchemaProduceType, SubjectNameStrategy } from './produce-request.ts';

/** The schema a key or value is written with, as its receipt names it. */
export interface ResolvedSchema {
  type: SchemaProduceType;
  subject: string;
  schemaId: number;
  schemaVersion: number;
}

const FORMAT_OF: Record<SchemaProduceType, SchemaEmbeddedFormat> = { AVRO: 'avro', JSONSCHEMA: 'jsonschema', PROTOBUF: 'protobuf' };
const TYPE_OF: Record<SchemaType, SchemaProduceType> = { AVRO: 'AVRO', JSON: 'JSONSCHEMA', PROTOBUF: 'PROTOBUF' };
/** Most versions of a subject looked through for the one holding a schema id. */
const MAX_VERSIONS_SEARCHED = 1000;
const MAX_CACHED = 1000;

export class ProduceSchemas {
  /** Resolutions that cannot change (raw schema, id, numbered version), by what was asked. */
  private readonly resolved = new Map<string, Promise<ResolvedSchema>>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly codecs: SchemaCodecs,
  ) {}

  /** Finds (or registers) the schema; throws a RestError (see above). */
  resolve(topic: string, isKey: boolean, data: RecordData): Promise<ResolvedSchema> {
    if (data.schemaVersion === null && data.schemaId === null && data.schema === null) return this.latest(topic, isKey, data);
    const key = JSON.stringify([topic, isKey, data.type, data.subject, data.subjectNameStrategy, data.schemaId, data.schemaVersion, data.schema]);
    let pending = this.resolved.get(key);
    if (!pending) {
      pending = data.schemaId !== null ? this.byId(topic, isKey, data, data.schemaId) : data.schemaVersion !== null ? this.byVersion(topic, isKey, data, data.schemaVersion) : this.byRaw(topic, isKey, data, data.schema!);
      if (this.resolved.size >= MAX_CACHED) this.resolved.delete(this.resolved.keys().next().value!);
      this.resolved.set(key, pending);
      pending.catch(() => this.resolved.delete(key));
    }
    return pending;
  }

  /** The data in the schema's format, framed with its id (null data stays null). */
  async encode(schema: ResolvedSchema, isKey: boolean, data: unknown, topic: string): Promise<Buffer | null> {
    if (data === null || data === undefined) return null;
    const request = isKey ? { key_schema_id: schema.schemaId, records: [{ key: data }] } : { value_schema_id: schema.schemaId, records: [{ value: data }] };
    const prepared = await this.codecs.prepareProduce(topic, FORMAT_OF[schema.type], request);
    const record = prepared.records[0]!;
    return isKey ? record.key : record.value;
  }

  private async byRaw(topic: string, isKey: boolean, data: RecordData, raw: string): Promise<ResolvedSchema> {
    const type = data.type as SchemaProduceType;
    const format = SCHEMA_FORMATS[FORMAT_OF[type]];
    try {
      format.parse(raw, []);
    } catch {
      throw new RestError(ErrorCode.InvalidSchema, `Invalid schema: Error when parsing raw schema. format = ${type}, schema = ${raw}`);
    }
    const subject = data.subject ?? subjectFor(topic, isKey, data.subjectNameStrategy, recordName(format.schemaType, raw));
    let schemaId: number;
    try {
      schemaId = await this.registry.register(subject, { schemaType: format.schemaType, schema: raw });
    } catch (error) {
      if (error instanceof RegistryError && error.errorCode === 42201) throw new RestError(ErrorCode.InvalidSchema, `Invalid schema: ${error.message}`);
      throw registryError(error, `Error when registering schema. format = ${type}, subject = ${subject}, schema = ${raw}`);
    }
    return { type, subject, schemaId, schemaVersion: await this.versionOf(subject, schemaId, raw) };
  }

  private async byId(topic: string, isKey: boolean, data: RecordData, schemaId: number): Promise<ResolvedSchema> {
    let registered;
    try {
      registered = await this.registry.getById(schemaId);
    } catch (error) {
      throw registryError(error, `Error when fetching schema by id. schemaId = ${schemaId}`);
    }
    const schemaType = registered.schemaType ?? 'AVRO';
    const subject = data.subject ?? subjectFor(topic, isKey, data.subjectNameStrategy, recordName(schemaType, registered.schema));
    return { type: TYPE_OF[schemaType], subject, schemaId, schemaVersion: await this.versionOf(subject, schemaId, registered.schema) };
  }

  private async byVersion(topic: string, isKey: boolean, data: RecordData, version: number): Promise<ResolvedSchema> {
    const subject = data.subject ?? subjectFor(topic, isKey, data.subjectNameStrategy, null);
    let found;
    try {
      found = await this.registry.getVersion(subject, version);
    } catch (error) {
      if (error instanceof RegistryError && error.errorCode === 40301) throw registryError(error, '');
      throw Errors.badRequest(`Schema does not exist for subject: ${subject}, version: ${version}`);
    }
    return { type: TYPE_OF[found.schemaType ?? 'AVRO'], subject, schemaId: found.id, schemaVersion: version };
  }

  private async latest(topic: string, isKey: boolean, data: RecordData): Promise<ResolvedSchema> {
    const subject = data.subject ?? subjectFor(topic, isKey, data.subjectNameStrategy, null);
    try {
      const found = await this.registry.getVersion(subject, 'latest');
      return { type: TYPE_OF[found.schemaType ?? 'AVRO'], subject, schemaId: found.id, schemaVersion: found.version };
    } catch (error) {
      throw registryError(error, `Error when fetching latest schema version. subject = ${subject}`);
    }
  }

  /**
   * The version of `subject` that holds the schema `id` (the registry interface has no lookup by
   * schema): the latest version first, as a just registered schema is there, then older ones.
   */
  private async versionOf(subject: string, id: number, schema: string): Promise<number> {
    const failure = (error?: unknown) => registryError(error ?? new RegistryError(40403, 'Schema not found'), `Error when fetching schema version. subject = ${subject}, schema = ${schema}`);
    let latest;
    try {
      latest = await this.registry.getVersion(subject, 'latest');
    } catch (error) {
      throw failure(error);
    }
    if (latest.id === id) return latest.version;
    for (let version = latest.version - 1; version >= Math.max(1, latest.version - MAX_VERSIONS_SEARCHED); version--) {
      const found = await this.registry.getVersion(subject, version).catch(() => null);
      if (found?.id === id) return version;
    }
    throw failure();
  }
}

/** Confluent's subject name strategies; `name` is the schema's record name (null: not known). */
function subjectFor(topic: string, isKey: boolean, strategy: SubjectNameStrategy | null, name: string | null): string {
  const used = strategy ?? 'TOPIC_NAME';
  if (used === 'TOPIC_NAME') return `${topic}-${isKey ? 'key' : 'value'}`;
  if (name === null) {
    const named = strategy === null ? ' default schema_subject_strategy' : ` schema_subject_strategy=${strategy}`;
    throw Errors.badRequest(`Cannot use${named} without schema_id or schema.`);
  }
  return used === 'RECORD_NAME' ? name : `${topic}-${name}`;
}

/** What Confluent's ParsedSchema.name() gives: the Avro full name, the first Protobuf message, the JSON Schema title. */
export function recordName(schemaType: SchemaType, schema: string): string {
  try {
    if (schemaType === 'PROTOBUF') {
      const parsed = protobuf.parse(schema, new protobuf.Root(), { keepCase: true });
      const namespace = parsed.package ? parsed.root.lookup(parsed.package) : parsed.root;
      const first = namespace instanceof protobuf.Namespace ? namespace.nestedArray.find((n) => n instanceof protobuf.Type) : undefined;
      return first ? first.fullName.replace(/^\./, '') : 'Message';
    }
    const json = JSON.parse(schema) as unknown;
    if (schemaType === 'JSON') {
      const title = (json as { title?: unknown } | null)?.title;
      return typeof title === 'string' ? title : 'JsonSchema';
    }
    return avroFullName(json);
  } catch {
    return schemaType === 'JSON' ? 'JsonSchema' : 'Message';
  }
}

function avroFullName(schema: unknown): string {
  if (typeof schema === 'string') return schema;
  if (Array.isArray(schema)) return 'union';
  const { type, name, namespace } = (schema ?? {}) as { type?: unknown; name?: unknown; namespace?: unknown };
  if (typeof name === 'string' && (type === 'record' || type === 'error' || type === 'enum' || type === 'fixed')) {
    return name.includes('.') || typeof namespace !== 'string' || namespace === '' ? name : `${namespace}.${name}`;
  }
  return typeof type === 'string' ? type : avroFullName(type);
}

/** A registry failure while producing: 403 / 40301 when it refuses access, else 42207. */
function registryError(error: unknown, what: string): RestError {
  if (error instanceof RegistryError && error.errorCode === 40301) return new RestError(40301, error.message, 403);
  const detail = error instanceof RegistryError ? `; error code: ${error.errorCode}` : '';
  return new RestError(ErrorCode.SerializationFailed, `Error serializing message. ${what}${detail}`);
}
