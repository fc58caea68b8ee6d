import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { binaryCodec } from '../../src/codecs/binary.ts';
import { codecFor } from '../../src/codecs/index.ts';
import { jsonCodec } from '../../src/codecs/json.ts';
import { ErrorCode, RestError } from '../../src/errors.ts';

/** Asserts fn throws a RestError with exactly this code, status and message. */
function assertRestError(fn: () => unknown, errorCode: number, status: number, message: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RestError, `expected a RestError, got ${String(error)}`);
    assert.equal(error.errorCode, errorCode);
    assert.equal(error.status, status);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

describe('binary codec: encode', () => {
  test('decodes standard base64 into the bytes', () => {
    assert.deepEqual(binaryCodec.encode('a2V5'), Buffer.from('key'));
    assert.deepEqual(binaryCodec.encode('Y29uZmx1ZW50'), Buffer.from('confluent'));
    assert.deepEqual(binaryCodec.encode('a2Fma2E='), Buffer.from('kafka'));
    assert.deepEqual(binaryCodec.encode('YQ=='), Buffer.from('a'));
    assert.deepEqual(binaryCodec.encode('YWI='), Buffer.from('ab'));
  });

  test('the empty string is zero bytes, not null', () => {
    const bytes = binaryCodec.encode('');
    assert.ok(Buffer.isBuffer(bytes));
    assert.equal(bytes.length, 0);
  });

  test('null and undefined stay null', () => {
    assert.equal(binaryCodec.encode(null), null);
    assert.equal(binaryCodec.encode(undefined), null);
  });

  test('every byte value 0..255 round-trips, including + and / in the alphabet', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const text = all.toString('base64');
    assert.match(text, /[+/]/);
    const encoded = binaryCodec.encode(text);
    assert.deepEqual(encoded, all);
    assert.equal(binaryCodec.decode(encoded), text);
  });

  test('every length 0..8 round-trips (both padding forms and none)', () => {
    for (let n = 0; n <= 8; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 200) & 0xff));
      const text = bytes.toString('base64');
      assert.deepEqual(binaryCodec.encode(text), bytes, `length ${n}: ${text}`);
    }
  });

  for (const data of [1, 0, 12.5, true, false, { a: 1 }, ['YQ=='], {}]) {
    test(`rejects the non-string ${JSON.stringify(data)} with 400 "not a base64 string"`, () => {
      assertRestError(
        () => binaryCodec.encode(data),
        ErrorCode.BadRequest,
        400,
        `Bad Request: data=${JSON.stringify(data)} is not a base64 string.`,
      );
    });
  }

  // Guava's decoder (Confluent's) drops trailing padding before decoding, so padding is optional.
  const LENIENT_PADDING: Array<[string, string]> = [
    ['YQ=', 'a'],
    ['YQ', 'a'],
    ['YWI', 'ab'],
    ['YQ===', 'a'],
    ['a2V5=', 'key'],
    ['=', ''],
    ['====', ''],
  ];
  for (const [data, decoded] of LENIENT_PADDING) {
    test(`accepts ${JSON.stringify(data)} as Guava does: ${JSON.stringify(decoded)}`, () => {
      assert.deepEqual(binaryCodec.encode(data), Buffer.from(decoded));
    });
  }

  const BAD_BASE64: Array<[string, string]> = [
    ['!!!', 'characters outside the alphabet'],
    ['!!!!', 'four bad characters'],
    ['a2V5!', 'a bad trailing character'],
    ['Y', 'a single character'],
    ['a2V5Y', 'a length no base64 can have (4n+1)'],
    ['Y===', 'a single character, padded'],
    ['YQ==YQ==', 'padding in the middle'],
    ['Y=Q=', 'interleaved padding'],
    ['-_8=', 'url-safe alphabet'],
    ['a2V5-_==', 'url-safe characters in a longer value'],
    ['a2V5 ', 'trailing space'],
    [' a2V5', 'leading space'],
    ['a2 V5', 'inner space'],
    ['a2V5\n', 'trailing newline'],
    ['a2V5\r\nYQ==', 'line break (MIME style)'],
    ['a2V5\t', 'tab'],
    ['a2V5\u00e9', 'non-ASCII'],
  ];
  for (const [data, why] of BAD_BASE64) {
    test(`rejects ${JSON.stringify(data)} (${why}) with 400 "not a valid base64 string"`, () => {
      assertRestError(
        () => binaryCodec.encode(data),
        ErrorCode.BadRequest,
        400,
        `Bad Request: data=${JSON.stringify(data)} is not a valid base64 string.`,
      );
    });
  }

  test('the error serializes to the v2 envelope', () => {
    try {
      binaryCodec.encode(1);
      assert.fail('expected a throw');
    } catch (error) {
      assert.ok(error instanceof RestError);
      assert.deepEqual(JSON.parse(JSON.stringify(error)), {
        error_code: 400,
        message: 'Bad Request: data=1 is not a base64 string.',
      });
    }
  });
});

describe('binary codec: decode', () => {
  test('bytes → standard padded base64; null stays null', () => {
    assert.equal(binaryCodec.decode(Buffer.from('kafka')), 'a2Fma2E=');
    assert.equal(binaryCodec.decode(Buffer.from([0xfb, 0xff])), '+/8=');
    assert.equal(binaryCodec.decode(Buffer.alloc(0)), '');
    assert.equal(binaryCodec.decode(null), null);
  });
});

describe('json codec', () => {
  test('a string is stored as JSON text, with its quotes', () => {
    assert.equal(jsonCodec.encode('k')?.toString('utf8'), '"k"');
    assert.equal(jsonCodec.encode('')?.toString('utf8'), '""');
    assert.equal(jsonCodec.encode('a"b')?.toString('utf8'), '"a\\"b"');
  });

  test('encodes UTF-8', () => {
    assert.deepEqual(jsonCodec.encode('é'), Buffer.from([0x22, 0xc3, 0xa9, 0x22]));
  });

  test('null and undefined stay null; false and 0 do not', () => {
    assert.equal(jsonCodec.encode(null), null);
    assert.equal(jsonCodec.encode(undefined), null);
    assert.equal(jsonCodec.encode(false)?.toString('utf8'), 'false');
    assert.equal(jsonCodec.encode(0)?.toString('utf8'), '0');
  });

  for (const value of [{ foo: 'bar' }, ['foo', 'bar'], 53.5, -1, 0, true, 'somekey', { nested: { a: [1, null, { b: 'c' }] } }, []]) {
    test(`${JSON.stringify(value)} round-trips through encode and decode`, () => {
      const bytes = jsonCodec.encode(value);
      assert.ok(Buffer.isBuffer(bytes));
      assert.equal(bytes.toString('utf8'), JSON.stringify(value));
      assert.deepEqual(jsonCodec.decode(bytes), value);
    });
  }

  test('decode(null) is null', () => {
    assert.equal(jsonCodec.decode(null), null);
  });

  for (const [text, why] of [
    ['not json', 'plain text'],
    ['{"a":', 'truncated JSON'],
    ['', 'empty bytes'],
    ["{'a':1}", 'single quotes'],
  ] as const) {
    test(`decode of ${why} → RestError 40801 / 408`, () => {
      assertRestError(
        () => jsonCodec.decode(Buffer.from(text, 'utf8')),
        ErrorCode.Serialization,
        408,
        /^Error deserializing JSON message: /,
      );
    });
  }

  test('decode of binary garbage → RestError 40801 / 408', () => {
    assertRestError(() => jsonCodec.decode(Buffer.from([0xff, 0x00, 0x81])), 40801, 408, /deserializing JSON/);
  });
});

describe('codecFor', () => {
  test('binary and json have codecs; the schema formats do not yet', () => {
    assert.equal(codecFor('binary'), binaryCodec);
    assert.equal(codecFor('json'), jsonCodec);
    assert.equal(codecFor('avro'), undefined);
    assert.equal(codecFor('jsonschema'), undefined);
    assert.equal(codecFor('protobuf'), undefined);
  });
});

test('binary: one character outside the alphabet anywhere in any value is refused', () => {
  const codec = binaryCodec;
  const intruders = [' ', '\n', '-', '_', '.', '*', 'é', '=', '\u0000'];
  for (let length = 0; length < 40; length++) {
    const valid = randomBytes(length).toString('base64');
    for (const intruder of intruders) {
      for (let at = 0; at < valid.replace(/=+$/, '').length; at += 3) {
        const bad = valid.slice(0, at) + intruder + valid.slice(at);
        assert.throws(() => codec.encode(bad), (e: { errorCode?: number }) => e.errorCode === 400, JSON.stringify(bad));
      }
    }
  }
});

describe('nesting deeper than Jackson reads (1,000 levels)', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

  test('a consumed json value nested deeper is 40801 with Jackson\'s message, not a stack overflow later', () => {
    assertRestError(
      () => jsonCodec.decode(Buffer.from(nested(5000))),
      40801,
      408,
      'Error deserializing JSON message: Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)',
    );
    assert.equal(JSON.stringify(jsonCodec.decode(Buffer.from(nested(1000)))), nested(1000), '1,000 levels are read');
  });

  test('the schema formats refuse it too, so the response writer never meets it', async () => {
    const { avroFormat } = await import('../../src/codecs/avro.ts');
    const { jsonSchemaFormat } = await import('../../src/codecs/jsonschema.ts');
    const { protobufFormat } = await import('../../src/codecs/protobuf.ts');
    assert.throws(() => jsonSchemaFormat.fromBytes(jsonSchemaFormat.parse('{}', []), Buffer.from(nested(1001))), /Document nesting depth \(1001\)/);

    const avro = avroFormat.parse('{"type":"record","name":"R","fields":[{"name":"a","type":["null","R"]}]}', []);
    let value: unknown = null;
    for (let i = 0; i < 600; i++) value = { R: { a: value } }; // 1,200 JSON levels
    const bytes = avroFormat.toBytes(avro, (value as { R: unknown }).R);
    assert.throws(() => avroFormat.fromBytes(avro, bytes), /Document nesting depth \(1001\)/);

    // protobufjs stops at 100 message levels itself (protoc's recursion limit), both ways.
    const proto = protobufFormat.parse('syntax = "proto3"; message M { M a = 1; }', []);
    let message: unknown = {};
    for (let i = 0; i < 101; i++) message = { a: message };
    assert.throws(() => protobufFormat.toBytes(proto, message), /maximum nesting depth exceeded/);
  });

  test('a runtime error inside a converter is not passed on as the client\'s message', async () => {
    const { avroFormat } = await import('../../src/codecs/avro.ts');
    const avro = avroFormat.parse('"string"', []);
    let value: unknown = 1;
    for (let i = 0; i < 20_000; i++) value = [value]; // only reachable without the body limit
    assertRestError(() => avroFormat.toBytes(avro, value), 400, 400, 'Bad Request: Failed to convert JSON to Avro: the value does not fit the schema');
  });
});
