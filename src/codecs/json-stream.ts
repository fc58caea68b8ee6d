/**
 * A stream of concatenated JSON values (`{...}{...}` or one per line, whitespace between them
 * allowed), taken apart as its bytes arrive, as Jackson's `readValues` reads a v3 produce body.
 * Bytes are pushed in with write(); next() hands out one complete value at a time, or null when it
 * needs more bytes, so a reader that stops asking stops reading: nothing is parsed ahead.
 *
 * Every value is bounded: one longer than `maxValueBytes` is refused as soon as that many bytes of
 * it have been seen (they are never all held), and so is one nested deeper than `maxDepth`
 * (Jackson's 1,000). Either, and any syntax error, ends the stream: after such an error next()
 * returns null for good, as Jackson cannot find the next value after a broken one either.
 *
 * The scan finds where each value ends (brackets, strings and their escapes, top-level literals);
 * JSON.parse then checks and builds the value from its bytes. Strings, most of a produce body, are
 * skipped with indexOf, not byte by byte.
 */
import { isAscii } from 'node:buffer';
import { MAX_JSON_NESTING_DEPTH, nestingDepthMessage } from './json-depth.ts';

export type JsonStreamItem =
  | { readonly kind: 'value'; readonly value: unknown; readonly bytes: number }
  | { readonly kind: 'error'; readonly reason: JsonStreamError; readonly message: string };

/**
 * `syntax`: not JSON, or not where a value may start (`atTopLevel`: between values, where Jackson
 * finds it before it starts reading a value). `tooLarge`: a value longer than maxValueBytes.
 * `depth`: nested deeper than maxDepth.
 */
export type JsonStreamError = 'syntax' | 'syntaxAtTopLevel' | 'tooLarge' | 'depth';

export interface JsonStreamOptions {
  maxValueBytes: number;
  maxDepth?: number;
  /** How the bytes are text: UTF-8 (the default; malformed UTF-8 is a syntax error) or ISO-8859-1. */
  encoding?: 'utf8' | 'latin1';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
/** Where a top-level literal (number, true, false, null) ends. */
const endsLiteral = (c: number) => isWhitespace(c) || c === OPEN_OBJECT || c === OPEN_ARRAY || c === QUOTE || c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === COMMA || c === COLON;

type Scan = 'between' | 'structure' | 'string' | 'literal';

export class JsonStreamParser {
  private readonly maxValueBytes: number;
  private readonly maxDepth: number;
  private readonly decoder: TextDecoder | null;

  /** The chunk being scanned and how far. */
  private input: Buffer = Buffer.alloc(0);
  private at = 0;
  /** Earlier chunks' bytes of the value being scanned, and their total. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Where the value being scanned starts in `input` (0 when it started in an earlier chunk). */
  private start = 0;

  private scan: Scan = 'between';
  /** While scanning a string: whether it is the whole value (a top-level string). */
  private topLevelString = false;
  /** Closing brackets expected, innermost last. */
  private readonly closers: number[] = [];
  /** Backslashes just before `at`, inside a string, carried over from the previous chunk. */
  private backslashes = 0;
  private ended = false;
  private failed = false;
  private lastError: JsonStreamItem | null = null;

  constructor(options: JsonStreamOptions) {
    this.maxValueBytes = options.maxValueBytes;
    this.maxDepth = options.maxDepth ?? MAX_JSON_NESTING_DEPTH;
    this.decoder = options.encoding === 'latin1' ? null : new TextDecoder('utf-8', { fatal: true });
  }

  /** True once nothing more can come out: the input ended and was used up, or an error ended it. */
  get done(): boolean {
    return this.failed || (this.ended && this.scan === 'between' && this.at >= this.input.length);
  }

  /** More bytes; only when next() asked for them (returned null). */
  write(chunk: Buffer): void {
    if (this.ended) throw new Error('write after end');
    if (this.at < this.input.length) throw new Error('write before the previous bytes were read');
    if (this.scan !== 'between') this.hold(this.input.subarray(this.start));
    this.input = chunk;
    this.at = 0;
    this.start = 0;
  }

  /** The input is complete. */
  end(): void {
    this.ended = true;
  }

  /** The next value or error, or null when more bytes are needed (or nothing more will come). */
  next(): JsonStreamItem | null {
    if (this.failed) return null;
    const input = this.input;
    while (this.at < input.length) {
      if (this.scan === 'between') {
        const c = input[this.at]!;
        if (isWhitespace(c)) {
          this.at++;
          continue;
        }
        this.start = this.at;
        if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
          this.scan = 'structure';
          this.closers.length = 0;
          continue; // the bracket is counted by the structure scan
        }
        if (c === QUOTE) {
          this.scan = 'string';
          this.topLevelString = true;
          this.backslashes = 0;
          this.at++;
          continue;
        }
        if (c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === COMMA || c === COLON) {
          return this.fail('syntaxAtTopLevel', `Unexpected character (${describe(c)}): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`);
        }
        this.scan = 'literal';
        continue;
      }
      const complete = this.scanValue();
      if (complete === 'error') return this.lastError!;
      if (complete) return this.finishValue();
      // Out of bytes mid-value, or the bound was reached.
      if (this.at < input.length || this.valueBytes() > this.maxValueBytes) return this.tooLarge();
    }
    if (!this.ended) return null;
    if (this.scan === 'literal') return this.finishValue();
    if (this.scan !== 'between') {
      const what = this.scan === 'string' ? 'in a String value' : `expected close marker for ${this.closers.at(-1) === CLOSE_ARRAY ? 'Array' : 'Object'}`;
      return this.fail('syntax', `Unexpected end-of-input: ${what}`);
    }
    return null;
  }

  /**
   * Scans the current value within the bytes it may still take; true when it ended (at points
   * past its last byte), false when the bytes ran out or its bound was reached first.
   */
  private scanValue(): boolean | 'error' {
    const input = this.input;
    const room = this.maxValueBytes - this.heldBytes - (this.at - this.start) + 1;
    const limit = Math.min(input.length, this.at + Math.max(room, 0));
    while (this.at < limit) {
      if (this.scan === 'string') {
        const closed = this.scanString(limit);
        if (!closed) return false;
        if (this.topLevelString) return true;
        this.scan = 'structure';
        continue;
      }
      if (this.scan === 'literal') {
        while (this.at < limit && !endsLiteral(input[this.at]!)) this.at++;
        return this.at < limit;
      }
      const c = input[this.at++]!;
      if (c === QUOTE) {
        this.scan = 'string';
        this.topLevelString = false;
        this.backslashes = 0;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        this.closers.push(c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY);
        if (this.closers.length > this.maxDepth) {
          this.fail('depth', nestingDepthMessage(this.closers.length, this.maxDepth));
          return 'error';
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        const expected = this.closers.pop();
        if (expected !== c) {
          this.fail('syntax', `Unexpected close marker '${String.fromCharCode(c)}': expected '${String.fromCharCode(expected ?? c)}'`);
          return 'error';
        }
        if (this.closers.length === 0) return true;
      }
    }
    return false;
  }

  /** Skips to the string's closing quote (true) or to `limit` (false), minding escaped quotes. */
  private scanString(limit: number): boolean {
    const input = this.input;
    for (;;) {
      const quote = input.indexOf(QUOTE, this.at);
      if (quote < 0 || quote >= limit) {
        this.backslashes = trailingBackslashes(input, this.at, limit, this.backslashes);
        this.at = limit;
        return false;
      }
      const before = trailingBackslashes(input, this.at, quote, this.backslashes);
      this.at = quote + 1;
      this.backslashes = 0;
      if (before % 2 === 0) return true;
    }
  }

  private valueBytes(): number {
    return this.heldBytes + (this.at - this.start);
  }

  private finishValue(): JsonStreamItem {
    const last = this.input.subarray(this.start, this.at);
    const bytes = this.held.length === 0 ? last : Buffer.concat([...this.held, last]);
    this.held = [];
    this.heldBytes = 0;
    this.scan = 'between';
    if (bytes.length > this.maxValueBytes) return this.tooLarge();
    let text: string;
    try {
      // ASCII (base64 and JSON punctuation: most of a produce body) is the same text in either
      // encoding, and Latin-1 is the cheapest decoding; only other bytes need the UTF-8 check.
      text = this.decoder && !isAscii(bytes) ? this.decoder.decode(bytes) : bytes.toString('latin1');
    } catch {
      return this.fail('syntax', 'Invalid UTF-8 in the request body');
    }
    try {
      return { kind: 'value', value: JSON.parse(text) as unknown, bytes: bytes.length };
    } catch (error) {
      return this.fail('syntax', (error as Error).message);
    }
  }

  private hold(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.held.push(bytes);
    this.heldBytes += bytes.length;
  }

  private tooLarge(): JsonStreamItem {
    return this.fail('tooLarge', `A JSON value in the request body is larger than ${this.maxValueBytes} bytes`);
  }

  private fail(reason: JsonStreamError, message: string): JsonStreamItem {
    this.failed = true;
    this.held = [];
    this.heldBytes = 0;
    this.lastError = { kind: 'error', reason, message };
    return this.lastError;
  }
}

/** Backslashes right before `end` (not before `from`), plus `carried` when the run reaches `from`. */
function trailingBackslashes(input: Buffer, from: number, end: number, carried: number): number {
  let count = 0;
  while (end - count - 1 >= from && input[end - count - 1] === BACKSLASH) count++;
  return end - count === from ? count + carried : count;
}

function describe(c: number): string {
  return `'${String.fromCharCode(c)}' (code ${c})`;
}
