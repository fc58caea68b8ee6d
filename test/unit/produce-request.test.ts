import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { binaryCodec } from '../../src/codecs/binary.ts';
import type { EmbeddedCodec } from '../../src/codecs/embedded-format.ts';
import { jsonCodec } from '../../src/codecs/json.ts';
import { RestError } from '../../src/errors.ts';
import { NO_BODY } from '../../src/http/body.ts';
import { parseProduceRequest } from '../../src/http/v2/produce-request.ts';

function assertRestError(fn: () => unknown, errorCode: number, status: number, message?: string | RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof RestError, `expected a RestError, got ${String(error)}`);
    assert.equal(error.errorCode, errorCode);
    assert.equal(error.status, status);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  });
}

/** A codec that records what it was asked to encode, to show every key/value goes through it. */
function recordingCodec(): EmbeddedCodec & { seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    format: 'json',
    seen,
    encode(data) {
      seen.push(data);
      return data === null || data === undefined ? null : Buffer.from(`enc:${JSON.stringify(data)}`);
    },
    decode() {
      throw new Error('not used');
    },
  };
}

describe('parseProduceRequest: missing or empty data → 422', () => {
  test('no body', () => {
    assertRestError(() => parseProduceRequest(NO_BODY, binaryCodec), 422, 422, /empty/i);
  });

  test('a JSON null body', () => {
    assertRestError(() => parseProduceRequest(null, binaryCodec), 422, 422);
  });

  test('{} (records missing)', () => {
    assertRestError(() => parseProduceRequest({}, binaryCodec), 422, 422, 'records may not be empty');
  });

  test('records: null', () => {
    assertRestError(() => parseProduceRequest({ records: null }, binaryCodec), 422, 422);
  });

  test('records: []', () => {
    assertRestError(() => parseProduceRequest({ records: [] }, binaryCodec), 422, 422, 'records may not be empty');
  });

  test('422 serializes as the {error_code, message} envelope', () => {
    try {
      parseProduceRequest({ records: [] }, binaryCodec);
      assert.fail('expected a throw');
    } catch (error) {
      assert.deepEqual(JSON.parse(JSON.stringify(error)), { error_code: 422, message: 'records may not be empty' });
    }
  });
});

describe('parseProduceRequest: wrong shapes → 400', () => {
  for (const body of [[], [{ value: 'YQ==' }], 'records', 42, true, false]) {
    test(`body ${JSON.stringify(body)}`, () => {
      assertRestError(() => parseProduceRequest(body, binaryCodec), 400, 400, /^Bad Request: /);
    });
  }

  for (const records of [{}, { 0: { value: 'YQ==' } }, 'YQ==', 1, true]) {
    test(`records ${JSON.stringify(records)} is not an array`, () => {
      assertRestError(() => parseProduceRequest({ records }, binaryCodec), 400, 400, 'Bad Request: "records" must be an array.');
    });
  }

  for (const record of [null, 'YQ==', 1, [], ['YQ==']]) {
    test(`a record that is ${JSON.stringify(record)}`, () => {
      assertRestError(
        () => parseProduceRequest({ records: [{ value: 'YQ==' }, record] }, binaryCodec),
        400,
        400,
        'Bad Request: records[1] must be a JSON object.',
      );
    });
  }

  for (const partition of [1.5, -1, '1', '0', true, {}, [0], 2_147_483_648, Number.NaN]) {
    test(`partition ${JSON.stringify(partition)} (${typeof partition})`, () => {
      assertRestError(
        () => parseProduceRequest({ records: [{ value: 'YQ==', partition }] }, binaryCodec),
        400,
        400,
        /^Bad Request: records\[0\]\.partition must be a non-negative integer/,
      );
    });
  }
});

describe('parseProduceRequest: valid requests', () => {
  test('the docs binary example', () => {
    const records = parseProduceRequest(
      { records: [{ key: 'a2V5', value: 'Y29uZmx1ZW50' }, { value: 'a2Fma2E=', partition: 1 }] },
      binaryCodec,
    );
    assert.deepEqual(records, [
      { key: Buffer.from('key'), value: Buffer.from('confluent'), partition: undefined },
      { key: null, value: Buffer.from('kafka'), partition: 1 },
    ]);
  });

  test('the docs json example: values stored as JSON text', () => {
    const records = parseProduceRequest(
      { records: [{ key: 'somekey', value: { foo: 'bar' } }, { value: ['foo', 'bar'], partition: 1 }, { value: 53.5 }] },
      jsonCodec,
    );
    assert.equal(records.length, 3);
    assert.equal(records[0]?.key?.toString(), '"somekey"');
    assert.equal(records[0]?.value?.toString(), '{"foo":"bar"}');
    assert.equal(records[1]?.key, null);
    assert.equal(records[1]?.value?.toString(), '["foo","bar"]');
    assert.equal(records[1]?.partition, 1);
    assert.equal(records[2]?.value?.toString(), '53.5');
  });

  test('partition: null and absent → undefined; 0 and the max int32 are kept', () => {
    const records = parseProduceRequest(
      {
        records: [
          { value: 'YQ==', partition: null },
          { value: 'YQ==' },
          { value: 'YQ==', partition: 0 },
          { value: 'YQ==', partition: 2_147_483_647 },
        ],
      },
      binaryCodec,
    );
    assert.deepEqual(
      records.map((r) => r.partition),
      [undefined, undefined, 0, 2_147_483_647],
    );
  });

  test('an empty record object is a null key and a null value (tombstone)', () => {
    assert.deepEqual(parseProduceRequest({ records: [{}] }, binaryCodec), [{ key: null, value: null, partition: undefined }]);
  });

  test('keys and values go through the codec, in record order, key before value', () => {
    const codec = recordingCodec();
    const records = parseProduceRequest(
      { records: [{ key: 'k1', value: { v: 1 } }, { value: [2] }, { key: 3, value: null }] },
      codec,
    );
    assert.deepEqual(codec.seen, ['k1', { v: 1 }, undefined, [2], 3, null]);
    assert.deepEqual(
      records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null]),
      [
        ['enc:"k1"', 'enc:{"v":1}'],
        [null, 'enc:[2]'],
        ['enc:3', null],
      ],
    );
  });

  test('unknown extra fields (schemas, other keys) are ignored', () => {
    const records = parseProduceRequest(
      { value_schema_id: 2, records: [{ value: 'YQ==', timestamp: 5 }], extra: true },
      binaryCodec,
    );
    assert.deepEqual(records, [{ key: null, value: Buffer.from('a'), partition: undefined }]);
  });
});

describe('parseProduceRequest: one bad record fails the whole call', () => {
  test('a non-string binary value among good records → 400 "not a base64 string"', () => {
    assertRestError(
      () => parseProduceRequest({ records: [{ value: 'YQ==' }, { value: 'Yg==' }, { value: 1 }] }, binaryCodec),
      400,
      400,
      'Bad Request: data=1 is not a base64 string.',
    );
  });

  test('a bad base64 key in the first record → 400 "not a valid base64 string"', () => {
    assertRestError(
      () => parseProduceRequest({ records: [{ key: '!!!', value: 'YQ==' }, { value: 'Yg==' }] }, binaryCodec),
      400,
      400,
      'Bad Request: data="!!!" is not a valid base64 string.',
    );
  });

  test('a bad partition after good records → 400 naming that record', () => {
    assertRestError(
      () => parseProduceRequest({ records: [{ value: 'YQ==' }, { value: 'Yg==', partition: -2 }] }, binaryCodec),
      400,
      400,
      /records\[1\]\.partition/,
    );
  });
});
