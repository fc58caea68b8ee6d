/**
 * Media types of API v2 (Confluent's Versions.java) and the server-side quality each response
 * type is offered with, which is how content negotiation picks between them.
 */
import type { EmbeddedFormat } from '../codecs/embedded-format.ts';

export const MediaType = {
  V2: 'application/vnd.kafka.v2+json',
  JSON: 'application/json',
  V2_BINARY: 'application/vnd.kafka.binary.v2+json',
  V2_JSON: 'application/vnd.kafka.json.v2+json',
  V2_AVRO: 'application/vnd.kafka.avro.v2+json',
  V2_JSONSCHEMA: 'application/vnd.kafka.jsonschema.v2+json',
  V2_PROTOBUF: 'application/vnd.kafka.protobuf.v2+json',
  /** Push consume (an extension): records as server-sent events; see docs/STREAMING.md. */
  EVENT_STREAM: 'text/event-stream',
} as const;

export interface Offer {
  type: string;
  /** Server-side quality: breaks ties the way Jersey's `qs` does. */
  qs: number;
  /**
   * Only an exact Accept range selects it, never `*\/*` or `type/*`: for extensions, so every
   * Accept a Confluent client sends is negotiated exactly as Confluent does.
   */
  explicit?: boolean;
}

/**
 * Responses without records. Confluent offers only the v2 type; plain JSON is also offered, at a
 * low quality, so `Accept: application/json` gets JSON instead of a 406 (a lenient extension).
 */
export const V2_RESPONSE: Offer[] = [
  { type: MediaType.V2, qs: 1 },
  { type: MediaType.JSON, qs: 0.5 },
];

export const EMBEDDED_REQUEST_TYPES: ReadonlyMap<string, EmbeddedFormat> = new Map([
  [MediaType.V2_BINARY, 'binary'],
  [MediaType.V2_JSON, 'json'],
  [MediaType.V2_AVRO, 'avro'],
  [MediaType.V2_JSONSCHEMA, 'jsonschema'],
  [MediaType.V2_PROTOBUF, 'protobuf'],
]);
