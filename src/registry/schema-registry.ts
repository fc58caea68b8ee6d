/**
 * What the proxy needs from a Confluent-compatible schema registry, whether it is the embedded one
 * (src/registry/embedded-registry.ts, in-process over SQLite) or an external one reached over HTTP
 * (src/registry/http-registry.ts). Codecs depend on this interface only.
 */
export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface SchemaDefinition {
  schemaType: SchemaType;
  schema: string;
  references?: SchemaReference[];
}

export interface RegisteredSchema extends Required<SchemaDefinition> {
  id: number;
}

export interface SubjectVersion extends RegisteredSchema {
  subject: string;
  version: number;
}

export interface SchemaRegistry {
  /** Registers the schema under the subject, or finds it if already there; returns its id. */
  register(subject: string, schema: SchemaDefinition): Promise<number>;
  /** The schema with this id; rejects with RegistryError 40403 when unknown. */
  getById(id: number): Promise<RegisteredSchema>;
  /** A version of a subject; rejects with RegistryError 40401 / 40402 when unknown. */
  getVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion>;
}

/** An error in Confluent Schema Registry terms (error_code 40401, 40403, 409, 42201, ...). */
export class RegistryError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
    readonly status: number = errorCode >= 10000 ? Math.floor(errorCode / 100) : errorCode,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
