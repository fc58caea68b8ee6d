/**
 * The json embedded format: any JSON value, written to Kafka as its UTF-8 JSON text (so the
 * string "k" is stored with its quotes, as Confluent's KafkaJsonSerializer does).
 */
import { ErrorCode, RestError } from '../errors.ts';
import type { EmbeddedCodec } from './embedded-format.ts';
import { excessNestingDepth, nestingDepthMessage } from './json-depth.ts';

export const jsonCodec: EmbeddedCodec = {
  format: 'json',
  encode(data) {
    if (data === null || data === undefined) return null;
    return Buffer.from(JSON.stringify(data), 'utf8');
  },
  decode(bytes) {
    if (bytes === null) return null;
    // Deeper than Jackson reads is refused like Confluent's deserializer does, before the response
    // writer (JSON.stringify, which recurses) meets it.
    const depth = excessNestingDepth(bytes);
    if (depth > 0) throw new RestError(ErrorCode.Serialization, `Error deserializing JSON message: ${nestingDepthMessage(depth)}`);
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch (error) {
      throw new RestError(ErrorCode.Serialization, `Error deserializing JSON message: ${(error as Error).message}`);
    }
  },
};
