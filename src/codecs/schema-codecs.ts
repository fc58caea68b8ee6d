/**
 * The schema-based embedded formats (avro, jsonschema, protobuf) as Confluent's REST Proxy v2 has
 * them: schemas come from the request (`*_schema`, registered under `<topic>-key` /
 * `<topic>-value`, TopicNameStrategy) or by id (`*_schema_id`); data is converted from JSON with
 * the schema and written in the Confluent wire format (magic byte, schema id, payload).
 * Consumers read the schema id from each record and render the data back as JSON.
 *
 * Error mapping (Confluent's codes and wording):
 *   records with keys but no key schema ................ 422 / 42201
 *   records with values but no value schema ............ 422 / 42202
 *   raw schema that does not parse ..................... 422 / 42205 "Invalid schema: ..."
 *   registry lookup / registration failure ............. 422 / 42207 "Error serializing message. ..."
 *   registry refuses access (40301) .................... 403 / 40301
 *   data that does not fit the schema .................. 400 "Bad Request: ..."
 *   consumed bytes that cannot be decoded .............. 408 / 40801
 */
import { causeText, withoutInternals } from '../client-message.ts';
import { ErrorCode, RestError } from '../errors.ts';
import {
  RegistryError,
  type RegisteredSchema,
  type SchemaDefinition,
  type SchemaReference,
  type SchemaRegistry,
  type SchemaType,
} from '../registry/schema-registry.ts';
import { avroFormat } from './avro.ts';
import { jsonSchemaFormat } from './jsonschema.ts';
import { protobufFormat } from './protobuf.ts';
import { frame, unframe } from './wire.ts';

export type SchemaEmbeddedFormat = 'avro' | 'jsonschema' | 'protobuf';

/** A referenced schema, fetched from the registry, in dependency order (dependencies first). */
export interface ResolvedReference {
  /** The name the referencing schema uses (Avro: a full type name; JSON: a URL; Protobuf: an import path). */
  name: string;
  subject: string;
  version: number;
  schemaType: SchemaType;
  schema: string;
}

/**
 * One schema format. `P` is the format's parsed form, opaque to everyone else.
 * parse() throws (any Error) when the schema is not valid; toBytes() throws RestError 400 when the
 * JSON does not fit; fromBytes() throws (any Error) when the payload is not valid for the schema.
 */
export interface SchemaFormat<P> {
  readonly format: SchemaEmbeddedFormat;
  readonly schemaType: SchemaType;
  /** How Confluent names the format in messages (its EmbeddedFormat enum). */
  readonly formatName: 'AVRO' | 'JSONSCHEMA' | 'PROTOBUF';
  /** How Confluent names the format in deserializer messages ("Error deserializing Avro message"). */
  readonly label: 'Avro' | 'JSON' | 'Protobuf';
  parse(schema: string, references: readonly ResolvedReference[]): P;
  /** JSON (the format's JSON encoding) → payload, without the 5-byte frame. */
  toBytes(parsed: P, json: unknown): Buffer;
  /** Payload (after the 5-byte frame) → JSON (the format's JSON encoding). */
  fromBytes(parsed: P, payload: Buffer): unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFormat = SchemaFormat<any>;

export const SCHEMA_FORMATS: Readonly<Record<SchemaEmbeddedFormat, AnyFormat>> = {
  avro: avroFormat,
  jsonschema: jsonSchemaFormat,
  protobuf: protobufFormat,
};

const FORMAT_BY_TYPE: Readonly<Record<SchemaType, AnyFormat>> = {
  AVRO: avroFormat,
  JSON: jsonSchemaFormat,
  PROTOBUF: protobufFormat,
};

export function isSchemaFormat(format: string): format is SchemaEmbeddedFormat {
  return format === 'avro' || format === 'jsonschema' || format === 'protobuf';
}

export interface ProduceSchemaRequest {
  key_schema?: unknown;
  key_schema_id?: unknown;
  value_schema?: unknown;
  value_schema_id?: unknown;
  records: ReadonlyArray<{ key?: unknown; value?: unknown }>;
}

export interface EncodedRecord {
  key: Buffer | null;
  value: Buffer | null;
}

export interface PreparedProduce {
  /** The ids to report in the produce response (null when the request had no such schema). */
  keySchemaId: number | null;
  valueSchemaId: number | null;
  /** Every record of the request, encoded (same order). */
  records: EncodedRecord[];
  /** Encodes one more record with the same schemas (throws like prepareProduce). */
  encode(record: { key?: unknown; value?: unknown }): EncodedRecord;
}

interface Prepared {
  id: number;
  format: AnyFormat;
  parsed: unknown;
}

/** The 42206 / 42207 errors Confluent answers when no schema registry is configured. */
export function registryNotConfiguredError(request: Partial<ProduceSchemaRequest>): RestError {
  const hasSchema =
    request.key_schema != null ||
    request.key_schema_id != null ||
    request.value_schema != null ||
    request.value_schema_id != null;
  return hasSchema
    ? new RestError(ErrorCode.InvalidPayload, 'Payload error. Schema Registry must be configured when using schemas.')
    : new RestError(
        ErrorCode.SerializationFailed,
        'Error serializing message. Schema Registry not defined, no Schema Registry client available to serialize message.',
      );
}

/** A registry failure for a client: the registry's words, without its address. */
function registryMessage(error: unknown): string {
  if (error instanceof RegistryError) return `${withoutInternals(error.message)}; error code: ${error.errorCode}`;
  return causeText(error, 'the schema registry failed');
}

/** Registry failure while producing → 42207 (or 403/40301 when the registry refuses access). */
function produceRegistryError(error: unknown): RestError {
  if (error instanceof RestError) return error;
  if (error instanceof RegistryError && error.errorCode === 40301) {
    return new RestError(40301, error.message, 403);
  }
  return new RestError(ErrorCode.SerializationFailed, `Error serializing message. ${registryMessage(error)}`);
}

function isNullish(value: unknown): boolean {
  return value === null || value === undefined;
}

/** A Map that forgets its oldest entries beyond a size. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.limit) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}

export interface SchemaCodecsOptions {
  /** How many parsed schemas to keep, by id and by raw text (default 10,000 / 1,000). */
  maxSchemasById?: number;
  maxRawSchemas?: number;
}

export class SchemaCodecs {
  /** Schema id → parsed schema (ids are immutable; failures are not kept). */
  private readonly byId: BoundedMap<number, Promise<Prepared>>;
  /** format + raw schema text → parsed schema. */
  private readonly byRaw: BoundedMap<string, unknown>;

  constructor(
    private readonly registry: SchemaRegistry,
    options: SchemaCodecsOptions = {},
  ) {
    this.byId = new BoundedMap(options.maxSchemasById ?? 10_000);
    this.byRaw = new BoundedMap(options.maxRawSchemas ?? 1_000);
  }

  /**
   * Resolves the request's schemas (registering raw ones) and encodes every record. Throws a
   * RestError (see the table at the top of this file) and then nothing is to be produced.
   */
  async prepareProduce(
    topic: string,
    format: SchemaEmbeddedFormat,
    request: ProduceSchemaRequest,
  ): Promise<PreparedProduce> {
    const schemaFormat = SCHEMA_FORMATS[format];
    if (!schemaFormat) throw new RestError(ErrorCode.UnprocessableEntity, `Unknown embedded format ${String(format)}.`);
    const records = request.records ?? [];
    const hasKeySchema = !isNullish(request.key_schema_id) || !isNullish(request.key_schema);
    const hasValueSchema = !isNullish(request.value_schema_id) || !isNullish(request.value_schema);
    if (!hasKeySchema && records.some((record) => !isNullish(record.key))) {
      throw new RestError(ErrorCode.KeySchemaMissing, 'Request includes keys but does not include key schema');
    }
    if (!hasValueSchema && records.some((record) => !isNullish(record.value))) {
      throw new RestError(ErrorCode.ValueSchemaMissing, 'Request includes values but does not include value schema');
    }
    const [keySchema, valueSchema] = await Promise.all([
      hasKeySchema ? this.requestSchema(topic, schemaFormat, true, request.key_schema_id, request.key_schema) : null,
      hasValueSchema
        ? this.requestSchema(topic, schemaFormat, false, request.value_schema_id, request.value_schema)
        : null,
    ]);
    const encodeOne = (data: unknown, schema: Prepared | null, isKey: boolean): Buffer | null => {
      if (isNullish(data)) return null;
      if (!schema) {
        throw isKey
          ? new RestError(ErrorCode.KeySchemaMissing, 'Request includes keys but does not include key schema')
          : new RestError(ErrorCode.ValueSchemaMissing, 'Request includes values but does not include value schema');
      }
      return frame(schema.id, schema.format.toBytes(schema.parsed, data));
    };
    const encode = (record: { key?: unknown; value?: unknown }): EncodedRecord => ({
      key: encodeOne(record.key, keySchema, true),
      value: encodeOne(record.value, valueSchema, false),
    });
    return {
      keySchemaId: keySchema?.id ?? null,
      valueSchemaId: valueSchema?.id ?? null,
      records: records.map(encode),
      encode,
    };
  }

  /**
   * Confluent-serialized bytes → JSON. With `format`, the schema must be of that format's type
   * (as Confluent's format-specific deserializers require). Anything that cannot be decoded is a
   * RestError 40801.
   */
  async decode(bytes: Buffer | null, format?: SchemaEmbeddedFormat): Promise<unknown> {
    if (bytes === null) return null;
    const { schemaId, payload } = unframe(bytes);
    const expected = format ? SCHEMA_FORMATS[format] : undefined;
    let schema: Prepared;
    try {
      schema = await this.schemaById(schemaId);
    } catch (error) {
      const what = expected ? `${expected.label} schema` : 'schema';
      throw new RestError(
        ErrorCode.Serialization,
        `Error retrieving ${what} for id ${schemaId}: ${registryMessage(error)}`,
      );
    }
    if (expected && schema.format !== expected) {
      throw new RestError(
        ErrorCode.Serialization,
        `Error deserializing ${expected.label} message for id ${schemaId}: the schema is of type ${schema.format.schemaType}, not ${expected.schemaType}.`,
      );
    }
    try {
      return schema.format.fromBytes(schema.parsed, payload);
    } catch (error) {
      throw new RestError(
        ErrorCode.Serialization,
        `Error deserializing ${schema.format.label} message for id ${schemaId}: ${causeText(error, 'the payload does not match the schema')}`,
      );
    }
  }

  /** The parsed schema with this id, fetched (with its references) and parsed once. */
  private schemaById(id: number): Promise<Prepared> {
    let pending = this.byId.get(id);
    if (!pending) {
      pending = this.loadById(id);
      this.byId.set(id, pending);
      pending.catch(() => {
        if (this.byId.get(id) === pending) this.byId.delete(id);
      });
    }
    return pending;
  }

  private async loadById(id: number): Promise<Prepared> {
    const registered: RegisteredSchema = await this.registry.getById(id);
    const format = FORMAT_BY_TYPE[registered.schemaType ?? 'AVRO'];
    if (!format) throw new Error(`Schema ${id} has unsupported type ${String(registered.schemaType)}`);
    const references = await this.resolveReferences(registered.references ?? []);
    let parsed: unknown;
    try {
      parsed = format.parse(registered.schema, references);
    } catch (error) {
      throw new Error(`Schema ${id} from the registry does not parse: ${(error as Error).message}`, { cause: error });
    }
    return { id, format, parsed };
  }

  /** Fetches referenced schemas recursively, dependencies first, each subject-version once. */
  private async resolveReferences(references: readonly SchemaReference[]): Promise<ResolvedReference[]> {
    const resolved: ResolvedReference[] = [];
    const seen = new Set<string>();
    const visit = async (reference: SchemaReference, depth: number): Promise<void> => {
      const key = `${reference.subject}\u0000${reference.version}`;
      if (seen.has(key)) return;
      seen.add(key);
      if (depth > 32) throw new Error('Schema references nested too deeply');
      const version = await this.registry.getVersion(reference.subject, reference.version);
      for (const nested of version.references ?? []) await visit(nested, depth + 1);
      resolved.push({
        name: reference.name,
        subject: version.subject,
        version: version.version,
        schemaType: version.schemaType ?? 'AVRO',
        schema: version.schema,
      });
    };
    for (const reference of references) await visit(reference, 0);
    return resolved;
  }

  private async requestSchema(
    topic: string,
    format: AnyFormat,
    isKey: boolean,
    schemaId: unknown,
    rawSchema: unknown,
  ): Promise<Prepared> {
    const field = isKey ? 'key_schema' : 'value_schema';
    if (!isNullish(schemaId)) {
      if (typeof schemaId !== 'number' || !Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff) {
        throw new RestError(ErrorCode.UnprocessableEntity, `${field}_id must be a non-negative 32-bit integer.`);
      }
      let schema: Prepared;
      try {
        schema = await this.schemaById(schemaId);
      } catch (error) {
        throw produceRegistryError(error);
      }
      if (schema.format !== format) {
        throw new RestError(
          ErrorCode.InvalidSchema,
          `Invalid schema: Schema with ID ${schemaId} is not of type ${format.formatName}.`,
        );
      }
      return schema;
    }
    if (typeof rawSchema !== 'string') {
      throw new RestError(ErrorCode.UnprocessableEntity, `${field} must be a string.`);
    }
    const parsed = this.parseRaw(format, rawSchema);
    const subject = `${topic}-${isKey ? 'key' : 'value'}`;
    const definition: SchemaDefinition = { schemaType: format.schemaType, schema: rawSchema };
    let id: number;
    try {
      id = await this.registry.register(subject, definition);
    } catch (error) {
      if (error instanceof RegistryError && (error.errorCode === 42201 || error.errorCode === 42202)) {
        throw new RestError(ErrorCode.InvalidSchema, `Invalid schema: ${error.message}`);
      }
      throw produceRegistryError(error);
    }
    const prepared: Prepared = { id, format, parsed };
    if (!this.byId.has(id)) this.byId.set(id, Promise.resolve(prepared));
    return prepared;
  }

  private parseRaw(format: AnyFormat, rawSchema: string): unknown {
    const key = `${format.schemaType}\u0000${rawSchema}`;
    if (this.byRaw.has(key)) return this.byRaw.get(key);
    let parsed: unknown;
    try {
      parsed = format.parse(rawSchema, []);
    } catch (error) {
      const restError = new RestError(
        ErrorCode.InvalidSchema,
        `Invalid schema: Error when parsing raw schema. format = ${format.formatName}, schema = ${rawSchema}`,
      );
      (restError as Error & { cause?: unknown }).cause = error;
      throw restError;
    }
    this.byRaw.set(key, parsed);
    return parsed;
  }
}
