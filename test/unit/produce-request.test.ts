import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { binaryCodec } from '../../src/codecs/binary.ts';
import type { EmbeddedCodec } from '../../src/codecs/embedded-format.ts';
import { jsonCodec } from '../../src/codecs/json.ts';
import { RestError } from '../../src/errors.ts';
import { NO_BODY } from '../../src/http/body.ts';
import { parseProduceRequest, readProduceRequest } from '../../src/http/v2/produce-request.ts';

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

describe('parseProduceRequest: what Jackson cannot bind → 400 with its message', () => {
  const REQUEST = 'io.confluent.kafkarest.entities.v2.ProduceRequest';
  const RECORD = `${REQUEST}$ProduceRecord`;
  const shapes: Array<[unknown, string]> = [
    [[], `Cannot deserialize value of type \`${REQUEST}\` from Array value (token \`JsonToken.START_ARRAY\`)`],
    [[{ value: 'YQ==' }], `Cannot deserialize value of type \`${REQUEST}\` from Array value (token \`JsonToken.START_ARRAY\`)`],
    [
      'records',
      `Cannot construct instance of \`${REQUEST}\` (although at least one Creator exists): no String-argument constructor/factory method to deserialize from String value ('records')`,
    ],
    [42, `Cannot construct instance of \`${REQUEST}\` (although at least one Creator exists): no int/Int-argument constructor/factory method to deserialize from Number value (42)`],
    [true, `Cannot construct instance of \`${REQUEST}\` (although at least one Creator exists): no boolean/Boolean-argument constructor/factory method to deserialize from boolean value (true)`],
  ];
  for (const [body, message] of shapes) {
    test(`body ${JSON.stringify(body)}`, () => assertRestError(() => parseProduceRequest(body, binaryCodec), 400, 400, message));
  }

  for (const [records, shape] of [
    [{}, 'Object value (token `JsonToken.START_OBJECT`)'],
    [{ 0: { value: 'YQ==' } }, 'Object value (token `JsonToken.START_OBJECT`)'],
    ['YQ==', 'String value (token `JsonToken.VALUE_STRING`)'],
    [1, 'Integer value (token `JsonToken.VALUE_NUMBER_INT`)'],
    [true, 'Boolean value (token `JsonToken.VALUE_TRUE`)'],
  ] as const) {
    test(`records ${JSON.stringify(records)} is not an array`, () => {
      assertRestError(
        () => parseProduceRequest({ records }, binaryCodec),
        400,
        400,
        `Cannot deserialize value of type \`java.util.ArrayList<${RECORD}>\` from ${shape} (through reference chain: ${REQUEST}["records"])`,
      );
    });
  }

  for (const record of [null, 'YQ==', 1, [], ['YQ==']]) {
    test(`a record that is ${JSON.stringify(record)}`, () => {
      assertRestError(
        () => parseProduceRequest({ records: [{ value: 'YQ==' }, record] }, binaryCodec),
        400,
        400,
        new RegExp(`^Cannot (deserialize value of type|construct instance of) \`${RECORD.replace('$', '\\$')}\`.* \\(through reference chain: ${REQUEST}\\["records"\\]->java\\.util\\.ArrayList\\[1\\]\\)$`),
      );
    });
  }

  test('an unknown field in a record is refused, naming it, its class and where it is', () => {
    assertRestError(
      () => parseProduceRequest({ records: [{ value: 'YQ==' }, { valur: 'eA==' }] }, binaryCodec),
      400,
      400,
      `Unrecognized field "valur" (class ${RECORD}), not marked as ignorable (3 known properties: "partition", "key", "value"]) ` +
        `(through reference chain: ${REQUEST}["records"]->java.util.ArrayList[1]->${RECORD}["valur"])`,
    );
    assertRestError(() => parseProduceRequest({ records: [{ value: 'YQ==', offset: 5 }] }, binaryCodec), 400, 400, /^Unrecognized field "offset"/);
  });

  test('an unknown top-level field is 400 even without records (Jackson reads it before validation)', () => {
    const known = '(5 known properties: "records", "key_schema_id", "key_schema", "value_schema_id", "value_schema"])';
    for (const body of [{ foo: 'bar' }, { records: [{ value: 'YQ==' }], extra: true }, { record: [{ value: 'YQ==' }] }]) {
      const field = Object.keys(body).find((k) => k !== 'records')!;
      assertRestError(
        () => parseProduceRequest(body, binaryCodec),
        400,
        400,
        `Unrecognized field "${field}" (class ${REQUEST}), not marked as ignorable ${known} (through reference chain: ${REQUEST}["${field}"])`,
      );
    }
  });

  for (const [partition, message] of [
    [1.5, 'Cannot coerce Floating-point value (1.5) to `java.lang.Integer` value'],
    [Number.NaN, 'Cannot coerce Floating-point value (NaN) to `java.lang.Integer` value'],
    ['one', 'Cannot deserialize value of type `java.lang.Integer` from String "one": not a valid `java.lang.Integer` value'],
    ['1.0', 'Cannot deserialize value of type `java.lang.Integer` from String "1.0": not a valid `java.lang.Integer` value'],
    [true, 'Cannot deserialize value of type `java.lang.Integer` from Boolean value (token `JsonToken.VALUE_TRUE`)'],
    [{}, 'Cannot deserialize value of type `java.lang.Integer` from Object value (token `JsonToken.START_OBJECT`)'],
    [[0], 'Cannot deserialize value of type `java.lang.Integer` from Array value (token `JsonToken.START_ARRAY`)'],
    [2_147_483_648, 'Numeric value (2147483648) out of range of int (-2147483648 - 2147483647)'],
  ] as const) {
    test(`partition ${JSON.stringify(partition)} (${typeof partition})`, () => {
      assertRestError(
        () => parseProduceRequest({ records: [{ value: 'YQ==', partition }] }, binaryCodec),
        400,
        400,
        `${message} (through reference chain: ${REQUEST}["records"]->java.util.ArrayList[0]->${RECORD}["partition"])`,
      );
    });
  }

  test('a negative partition binds but is refused: 400 naming the record', () => {
    assertRestError(
      () => parseProduceRequest({ records: [{ value: 'YQ==', partition: -1 }] }, binaryCodec),
      400,
      400,
      'Bad Request: records[0].partition must be a non-negative integer, got -1.',
    );
  });

  test('schemas must be strings, schema ids integers', () => {
    assertRestError(
      () => readProduceRequest({ value_schema: { type: 'string' }, records: [{ value: 'a' }] }),
      400,
      400,
      `Cannot deserialize value of type \`java.lang.String\` from Object value (token \`JsonToken.START_OBJECT\`) (through reference chain: ${REQUEST}["value_schema"])`,
    );
    for (const id of ['one', '1.5', 1.5, true, [1]]) {
      assertRestError(() => readProduceRequest({ value_schema_id: id, records: [{ value: 'a' }] }), 400, 400, /\["value_schema_id"\]\)$/);
    }
    assertRestError(() => readProduceRequest({ key_schema_id: -1, records: [{ key: 'a' }] }), 400, 400, /"key_schema_id" must be a schema id/);
  });
});

describe('parseProduceRequest: Jackson\'s coercions are kept', () => {
  test('a schema id or partition given as a string of digits is that integer', () => {
    const request = readProduceRequest({ value_schema_id: '1', key_schema_id: ' 7 ', records: [{ value: 'a', partition: '2' }, { value: 'b', partition: '0' }] });
    assert.equal(request.value_schema_id, 1);
    assert.equal(request.key_schema_id, 7);
    assert.deepEqual(request.records.map((r) => r.partition), [2, 0]);
  });

  test('an empty string is no value, as Jackson reads it for an Integer', () => {
    const request = readProduceRequest({ value_schema_id: '', records: [{ value: 'a', partition: '' }] });
    assert.equal(request.value_schema_id, undefined);
    assert.equal(request.records[0]!.partition, undefined);
  });

  test('a number or boolean where a schema string is expected is its text', () => {
    assert.equal(readProduceRequest({ value_schema: 5, records: [{ value: 1 }] }).value_schema, '5');
  });
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

  test('schema fields are read (and left to the schema formats)', () => {
    const records = parseProduceRequest({ value_schema_id: 2, records: [{ value: 'YQ==' }] }, binaryCodec);
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
