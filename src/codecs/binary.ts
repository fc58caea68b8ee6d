/**
 * The binary embedded format: keys and values travel as standard base64 (RFC 4648, padded) and
 * are written to Kafka as the decoded bytes. Node's decoder skips bad characters silently, so the
 * text is checked first: a bad string fails the whole request, as in Confluent's proxy.
 */
import { Errors } from '../errors.ts';
import type { EmbeddedCodec } from './embedded-format.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const binaryCodec: EmbeddedCodec = {
  format: 'binary',
  encode(data) {
    if (data === null || data === undefined) return null;
    if (typeof data !== 'string') throw Errors.badRequest(`data=${JSON.stringify(data)} is not a base64 string.`);
    if (!BASE64.test(data)) throw Errors.badRequest(`data=${JSON.stringify(data)} is not a valid base64 string.`);
    return Buffer.from(data, 'base64');
  },
  decode(bytes) {
    return bytes === null ? null : bytes.toString('base64');
  },
};
