/**
 * The binary embedded format: keys and values travel as standard base64 (RFC 4648 alphabet) and
 * are written to Kafka as the decoded bytes. Like Guava's decoder in Confluent's proxy, trailing
 * padding is optional, but a length that cannot be base64 is not. Node's decoder skips bad
 * characters silently, so the text is checked first: a bad string fails the whole request.
 */
import { Errors } from '../errors.ts';
import type { EmbeddedCodec } from './embedded-format.ts';

const BASE64_BODY = /^[A-Za-z0-9+/]*$/;

function isBase64(text: string): boolean {
  const body = text.replace(/=+$/, '');
  return BASE64_BODY.test(body) && body.length % 4 !== 1;
}

export const binaryCodec: EmbeddedCodec = {
  format: 'binary',
  encode(data) {
    if (data === null || data === undefined) return null;
    if (typeof data !== 'string') throw Errors.badRequest(`data=${JSON.stringify(data)} is not a base64 string.`);
    if (!isBase64(data)) throw Errors.badRequest(`data=${JSON.stringify(data)} is not a valid base64 string.`);
    return Buffer.from(data, 'base64');
  },
  decode(bytes) {
    return bytes === null ? null : bytes.toString('base64');
  },
};
