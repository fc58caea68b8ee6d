import { binaryCodec } from './binary.ts';
import type { EmbeddedCodec, EmbeddedFormat } from './embedded-format.ts';
import { jsonCodec } from './json.ts';

const CODECS: Partial<Record<EmbeddedFormat, EmbeddedCodec>> = { binary: binaryCodec, json: jsonCodec };

/** The codec for a format, or undefined for formats this proxy cannot handle yet. */
export function codecFor(format: EmbeddedFormat): EmbeddedCodec | undefined {
  return CODECS[format];
}
