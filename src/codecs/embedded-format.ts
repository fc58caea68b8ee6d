/**
 * An embedded format turns the JSON a REST client sends as a record key or value into the bytes
 * written to Kafka, and back. One implementation per format (binary, json; the schema formats
 * arrive with the schema registry).
 */
export type EmbeddedFormat = 'binary' | 'json' | 'avro' | 'jsonschema' | 'protobuf';

export const EMBEDDED_FORMATS: readonly EmbeddedFormat[] = ['binary', 'json', 'avro', 'jsonschema', 'protobuf'];

export interface EmbeddedCodec {
  readonly format: EmbeddedFormat;
  /** REST JSON → Kafka bytes. null and undefined stay null. Throws RestError on bad input. */
  encode(data: unknown): Buffer | null;
  /** Kafka bytes → REST JSON. Throws RestError when the bytes are not in this format. */
  decode(bytes: Buffer | null): unknown;
}
