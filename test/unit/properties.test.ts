import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProperties, PropertiesSyntaxError } from '../../src/config/properties.ts';

const parse = (text: string): Record<string, string> => Object.fromEntries(parseProperties(text));

describe('parseProperties', () => {
  it('reads the three separator styles', () => {
    assert.deepEqual(parse('a=1\nb: 2\nc 3\n'), { a: '1', b: '2', c: '3' });
  });

  it('skips blanks around one separator and keeps a second one in the value', () => {
    assert.deepEqual(parse('a = 1\nb\t:\t2\nc   3\nd==4\ne = = 5\nf :=6'), {
      a: '1',
      b: '2',
      c: '3',
      d: '=4',
      e: '= 5',
      f: '=6',
    });
  });

  it('gives a key without a value the empty string', () => {
    assert.deepEqual(parse('alone\nempty=\nblank =   \n'), { alone: '', empty: '', blank: '' });
  });

  it('drops # and ! comment lines, blank lines and leading blanks', () => {
    assert.deepEqual(parse('# comment\n! also\n\n   \n   # indented comment\n  \t\fkey=value\n'), { key: 'value' });
  });

  it('has no end-of-line comments and keeps trailing blanks', () => {
    assert.deepEqual(parse('a=1 # note\nb=2  \n'), { a: '1 # note', b: '2  ' });
  });

  it('lets the last assignment win', () => {
    assert.deepEqual(parse('a=1\nb=2\na=3\n'), { a: '3', b: '2' });
  });

  it('joins continuation lines and drops their leading blanks', () => {
    assert.deepEqual(parse('list=a,\\\n    b,\\\n\t c\nnext=1'), { list: 'a,b,c', next: '1' });
  });

  it('continues a key onto the next line too', () => {
    assert.deepEqual(parse('ke\\\n  y=v'), { key: 'v' });
  });

  it('treats an even number of trailing backslashes as escaped backslashes, not a continuation', () => {
    assert.deepEqual(parse('a=x\\\\\nb=y'), { a: 'x\\', b: 'y' });
    assert.deepEqual(parse('a=x\\\\\\\n  z'), { a: 'x\\z' });
  });

  it('does not continue a comment line', () => {
    assert.deepEqual(parse('# comment \\\na=1'), { a: '1' });
  });

  it('reads a continued line starting with # as content', () => {
    assert.deepEqual(parse('a=1\\\n# not a comment'), { a: '1# not a comment' });
  });

  it('ends a logical line at an empty continuation line', () => {
    assert.deepEqual(parse('a=1\\\n\nb=2'), { a: '1', b: '2' });
    assert.deepEqual(parse('a=1\\\n   \nb=2'), { a: '1', b: '2' });
  });

  it('drops a continuation backslash at end of input', () => {
    assert.deepEqual(parse('a=1\\'), { a: '1' });
    assert.deepEqual(parse('a=1\\\n'), { a: '1' });
  });

  it('accepts CRLF and CR line endings', () => {
    assert.deepEqual(parse('a=1\r\nb=2\rc=3\r\nd=x\\\r\n  y'), { a: '1', b: '2', c: '3', d: 'xy' });
  });

  it('resolves character escapes', () => {
    assert.deepEqual(parse('a=tab\\there\nb=line\\nbreak\nc=back\\\\slash\nd=\\r\\f\ne=\\=\\:\\#\\!\\ \nf=\\q'), {
      a: 'tab\there',
      b: 'line\nbreak',
      c: 'back\\slash',
      d: '\r\f',
      e: '=:#! ',
      f: 'q',
    });
  });

  it('resolves \\uXXXX escapes in keys and values', () => {
    assert.deepEqual(parse('caf\\u00e9=\\u0041\\u00DF\\u20ac'), { café: 'Aß€' });
  });

  it('keeps escaped separators and blanks in keys', () => {
    assert.deepEqual(parse('a\\=b=c\nx\\:y:z\nsp\\ ace v'), { 'a=b': 'c', 'x:y': 'z', 'sp ace': 'v' });
  });

  it('keeps a value starting with an escaped blank', () => {
    assert.deepEqual(parse('a=\\  padded'), { a: '  padded' });
  });

  it('reads UTF-8 text as is', () => {
    assert.deepEqual(parse('name=Zoë ✓'), { name: 'Zoë ✓' });
  });

  it('rejects a malformed \\u escape with its line number', () => {
    assert.throws(
      () => parseProperties('a=1\n# c\nb=\\u12G4'),
      (error: unknown) => {
        assert.ok(error instanceof PropertiesSyntaxError);
        assert.equal(error.line, 3);
        assert.match(error.message, /line 3: malformed \\uXXXX escape "\\u12G4"/);
        return true;
      },
    );
    assert.throws(() => parseProperties('a=\\u12'), PropertiesSyntaxError);
  });

  it('numbers a continued logical line by its first natural line', () => {
    assert.throws(
      () => parseProperties('\n\na=x\\\n  \\uZZZZ'),
      (error: unknown) => error instanceof PropertiesSyntaxError && error.line === 3,
    );
  });

  it('returns an empty map for empty or comment-only input', () => {
    assert.equal(parseProperties('').size, 0);
    assert.equal(parseProperties('# only\n\n').size, 0);
  });
});
