/**
 * The nesting limit for JSON documents, Jackson's (StreamReadConstraints, since jackson 2.15): a
 * document nested deeper than 1,000 arrays/objects is refused before anything parses or walks it.
 * JSON.parse copes with any depth, but JSON.stringify, avsc, ajv and protobufjs recurse, and
 * overflow the stack a few thousand levels down.
 *
 * The check is one pass over the text with a counter, no recursion. Brackets inside strings do not
 * count; in UTF-8 a multi-byte character never contains an ASCII byte, so bytes can be scanned as
 * they are. A document shorter than 2 × (limit + 1) cannot be nested deeper than the limit and
 * well-formed, so short ones (nearly all records) are not scanned at all.
 */

export const MAX_JSON_NESTING_DEPTH = 1000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** The depth the text first reaches beyond `max` (max + 1), or 0 when it stays within it. */
export function excessNestingDepth(text: Uint8Array | string, max = MAX_JSON_NESTING_DEPTH): number {
  if (text.length < 2 * (max + 1)) return 0;
  return typeof text === 'string' ? scanString(text, max) : scanBytes(text, max);
}

/** Jackson's words for it (StreamConstraintsException). */
export function nestingDepthMessage(depth: number, max = MAX_JSON_NESTING_DEPTH): string {
  return `Document nesting depth (${depth}) exceeds the maximum allowed (${max}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`;
}

/**
 * Outside strings every byte is looked at; a string is skipped to its closing quote with indexOf
 * (native, and most of a produce body is string: base64 or text), checking that the quote found
 * is not escaped by an odd run of backslashes.
 */
function scanBytes(bytes: Uint8Array, max: number): number {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let depth = 0;
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer[i]!;
    if (c === QUOTE) {
      i = closingQuote(buffer, i);
      if (i < 0) return 0; // unterminated: JSON.parse says so
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return depth;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return 0;
}

function scanString(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      if (i < 0) return 0;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return depth;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return 0;
}

/** The index of the quote that closes the string opened at `open`, or -1. */
function closingQuote(text: Buffer | string, open: number): number {
  let at = open;
  for (;;) {
    at = typeof text === 'string' ? text.indexOf('"', at + 1) : text.indexOf(QUOTE, at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    while (code(text, at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

const code = (text: Buffer | string, i: number): number => (typeof text === 'string' ? text.charCodeAt(i) : text[i]!);
