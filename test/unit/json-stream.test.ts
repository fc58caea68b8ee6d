import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonStreamParser, type JsonStreamItem, type JsonStreamOptions } from '../../src/codecs/json-stream.ts';

/** Feeds the chunks as the parser asks for them; every item, in order. */
function parse(chunks: Array<string | Buffer>, options: Partial<JsonStreamOptions> = {}): JsonStreamItem[] {
  const parser = new JsonStreamParser({ maxValueBytes: 1_000_000, ...options });
  const items: JsonStreamItem[] = [];
  let next = 0;
  for (;;) {
    const item = parser.next();
    if (item) {
      items.push(item);
      continue;
    }
    if (parser.done) return items;
    if (next < chunks.length) {
      const chunk = chunks[next++]!;
      parser.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    } else parser.end();
  }
}

const values = (items: JsonStreamItem[]) => items.map((item) => (item.kind === 'value' ? item.value : item));
const errorOf = (items: JsonStreamItem[]) => items.find((item) => item.kind === 'error');

const BODY = '{"a":1}{"b":[1,2,{"c":"}{]["}]}\n\t {"d":"q\\"uote \\\\"}\r\n"text" 12 true null -0.5e3 []';
const EXPECTED = [{ a: 1 }, { b: [1, 2, { c: '}{][' }] }, { d: 'q"uote \\' }, 'text', 12, true, null, -500, []];

describe('concatenated JSON', () => {
  it('reads values one after the other, with or without whitespace between them', () => {
    assert.deepEqual(values(parse([BODY])), EXPECTED);
  });

  it('reads the same values however the bytes are split', () => {
    const bytes = Buffer.from(BODY);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(values(parse([bytes.subarray(0, cut), bytes.subarray(cut)])), EXPECTED, `cut at ${cut}`);
    }
    assert.deepEqual(values(parse([...bytes].map((b) => Buffer.from([b])))), EXPECTED, 'one byte at a time');
  });

  it('keeps a run of backslashes split across chunks: an escaped quote does not end the string', () => {
    assert.deepEqual(values(parse(['{"k":"a\\', '"b"}'])), [{ k: 'a"b' }]);
    assert.deepEqual(values(parse(['{"k":"a\\\\', '"}'])), [{ k: 'a\\' }]);
    assert.deepEqual(values(parse(['{"k":"a\\', '\\', '\\', '"b"}'])), [{ k: 'a\\"b' }]);
  });

  it('counts the bytes of each value', () => {
    const items = parse(['{"a":1}  {"bb":"é"}']);
    assert.deepEqual(
      items.map((item) => item.kind === 'value' && item.bytes),
      [7, 11],
    );
  });

  it('hands out one value at a time and reads nothing it was not asked for', () => {
    const parser = new JsonStreamParser({ maxValueBytes: 100 });
    assert.equal(parser.next(), null, 'nothing yet');
    parser.write(Buffer.from('{"n":1}{"n":2}{"n":'));
    assert.deepEqual(parser.next(), { kind: 'value', value: { n: 1 }, bytes: 7 });
    assert.deepEqual(parser.next(), { kind: 'value', value: { n: 2 }, bytes: 7 });
    assert.equal(parser.next(), null, 'the third needs more bytes');
    parser.write(Buffer.from('3}'));
    assert.throws(() => parser.write(Buffer.from('{}')), /before the previous bytes were read/);
    assert.deepEqual(parser.next(), { kind: 'value', value: { n: 3 }, bytes: 7 });
  });

  it('waits for what follows a top-level number before taking it', () => {
    assert.deepEqual(values(parse(['12', '34 5'])), [1234, 5]);
  });

  it('is done, with no value, for an empty or all-blank body', () => {
    assert.deepEqual(parse([]), []);
    assert.deepEqual(parse([' \r\n', '\t ']), []);
  });
});

describe('concatenated JSON: what ends the stream', () => {
  it('a syntax error inside a value: one error, nothing after it', () => {
    const items = parse(['{"a":1}{"b" 2}{"c":3}']);
    assert.equal(items.length, 2);
    assert.deepEqual(items[0], { kind: 'value', value: { a: 1 }, bytes: 7 });
    assert.equal(items[1]!.kind, 'error');
    assert.equal((items[1] as { reason: string }).reason, 'syntax');
  });

  it('a character no value starts with, between values', () => {
    const items = parse(['{"a":1} } {"b":2}']);
    assert.equal(items.length, 2);
    assert.deepEqual(errorOf(items), {
      kind: 'error',
      reason: 'syntaxAtTopLevel',
      message: "Unexpected character ('}' (code 125)): expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
    });
  });

  it('a closing bracket that does not match', () => {
    assert.deepEqual(errorOf(parse(['{"a":[1}', ']}{"b":1}'])), { kind: 'error', reason: 'syntax', message: "Unexpected close marker '}': expected ']'" });
  });

  it('garbage that is not a literal', () => {
    assert.equal((errorOf(parse(['foobar'])) as { reason: string }).reason, 'syntax');
  });

  it('the end of the input in the middle of a value', () => {
    assert.deepEqual(errorOf(parse(['{"a":[1,'])), { kind: 'error', reason: 'syntax', message: 'Unexpected end-of-input: expected close marker for Array' });
    assert.deepEqual(errorOf(parse(['{"a":"abc'])), { kind: 'error', reason: 'syntax', message: 'Unexpected end-of-input: in a String value' });
  });

  it('malformed UTF-8, unless the body is ISO-8859-1', () => {
    const latin1 = Buffer.concat([Buffer.from('{"s":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    assert.equal((errorOf(parse([latin1])) as { reason: string }).reason, 'syntax');
    assert.deepEqual(values(parse([latin1], { encoding: 'latin1' })), [{ s: 'café' }]);
  });
});

describe('concatenated JSON: limits', () => {
  const value = (size: number) => `{"v":"${'x'.repeat(size - 8)}"}`;

  it('takes a value of exactly maxValueBytes and refuses one byte more', () => {
    assert.deepEqual(values(parse([value(64)], { maxValueBytes: 64 })), [{ v: 'x'.repeat(56) }]);
    assert.deepEqual(errorOf(parse([value(65)], { maxValueBytes: 64 })), {
      kind: 'error',
      reason: 'tooLarge',
      message: 'A JSON value in the request body is larger than 64 bytes',
    });
  });

  it('answers the values before a too large one, nothing after it', () => {
    const items = parse([value(20) + value(100) + value(20)], { maxValueBytes: 64 });
    assert.deepEqual(
      items.map((item) => item.kind),
      ['value', 'error'],
    );
  });

  it('refuses a too large value as soon as its first bytes over the bound arrived', () => {
    const parser = new JsonStreamParser({ maxValueBytes: 64 });
    parser.write(Buffer.from(`{"v":"${'x'.repeat(100)}`)); // not complete: no closing quote, no brace
    assert.equal(parser.next()?.kind, 'error');
    assert.equal(parser.done, true);
  });

  it('counts a value split over many chunks as one', () => {
    const bytes = Buffer.from(value(65));
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    assert.equal((errorOf(parse(chunks, { maxValueBytes: 64 })) as { reason: string }).reason, 'tooLarge');
    assert.deepEqual(values(parse(chunks, { maxValueBytes: 65 })).length, 1);
  });

  it('nesting: maxDepth levels are read, one more is refused with Jackson’s words', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    assert.equal(values(parse([nested(1000)])).length, 1);
    assert.deepEqual(errorOf(parse([nested(1001)])), {
      kind: 'error',
      reason: 'depth',
      message: 'Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)',
    });
    assert.equal((errorOf(parse([nested(4)], { maxDepth: 3 })) as { reason: string }).reason, 'depth');
  });
});
