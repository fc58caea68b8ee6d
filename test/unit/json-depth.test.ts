import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { excessNestingDepth, MAX_JSON_NESTING_DEPTH, nestingDepthMessage } from '../../src/codecs/json-depth.ts';

const arrays = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('excessNestingDepth', () => {
  test("Jackson's limit: 1,000 levels pass, the 1,001st is reported", () => {
    assert.equal(MAX_JSON_NESTING_DEPTH, 1000);
    for (const make of [arrays, objects]) {
      assert.equal(excessNestingDepth(make(1000)), 0);
      assert.equal(excessNestingDepth(make(1001)), 1001);
      assert.equal(excessNestingDepth(Buffer.from(make(1000))), 0);
      assert.equal(excessNestingDepth(Buffer.from(make(200_000))), 1001, 'stops at the first level too many');
    }
  });

  test('depth, not the number of brackets: siblings do not add up', () => {
    const wide = `[${Array.from({ length: 5000 }, () => '[[1]]').join(',')}]`;
    assert.equal(excessNestingDepth(wide), 0);
    assert.equal(excessNestingDepth(Buffer.from(wide)), 0);
  });

  test('brackets inside strings do not count, escaped quotes do not end them', () => {
    const inString = JSON.stringify({ value: '['.repeat(5000) });
    assert.equal(excessNestingDepth(inString), 0);
    assert.equal(excessNestingDepth(Buffer.from(inString)), 0);
    const escaped = JSON.stringify({ value: `\\"${'{'.repeat(3000)}` }); // a backslash, then a quote, inside the string
    assert.equal(excessNestingDepth(Buffer.from(escaped)), 0);
    const afterEscapedBackslash = `["a\\\\",${arrays(1001)}]`; // the string ends after an escaped backslash
    assert.equal(excessNestingDepth(afterEscapedBackslash), 1001);
    assert.equal(excessNestingDepth(Buffer.from(afterEscapedBackslash)), 1001);
  });

  test('multi-byte UTF-8 text is scanned as bytes without mistaking a byte for a bracket', () => {
    const text = JSON.stringify({ value: '€😀'.repeat(2000), nested: JSON.parse(arrays(999)) as unknown });
    assert.equal(excessNestingDepth(Buffer.from(text)), 0);
    assert.equal(excessNestingDepth(Buffer.from(`[${text}]`)), 1001);
  });

  test('short documents are not scanned: they cannot be deep and well-formed', () => {
    assert.equal(excessNestingDepth('['.repeat(2001)), 0);
    assert.equal(excessNestingDepth('['.repeat(2002)), 1001);
  });

  test('an unterminated string ends the scan (JSON.parse reports it)', () => {
    assert.equal(excessNestingDepth(`"${'['.repeat(3000)}`), 0);
  });

  test("Jackson's message", () => {
    assert.equal(
      nestingDepthMessage(1001),
      'Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)',
    );
  });
});
