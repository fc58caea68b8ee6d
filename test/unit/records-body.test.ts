import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { RestRecord } from '../../src/actors/consumer/protocol.ts';
import { binaryCodec } from '../../src/codecs/binary.ts';
import { jsonCodec } from '../../src/codecs/json.ts';
import type { EmbeddedFormat } from '../../src/codecs/embedded-format.ts';
import { recordEvent, recordEvents, recordJson, recordsBody } from '../../src/http/v2/records-body.ts';

/** Topics no Kafka cluster would allow, to prove the escaping is JSON.stringify's. */
const TRICKY_TOPICS = ['bench-consume', 'a.b_c-1', 'quote"d', 'back\\slash', 'new\nline', 'tab\tand\u0001ctl', 'é-ü-ß', '日本語', 'emoji-😀', 'sep\u2028\u2029', 'lone-\ud800-surrogate', ''];

const rec = (topic: string, key: unknown, value: unknown, partition = 0, offset = 0): RestRecord => ({ topic, key, value, partition, offset });
const b64 = (bytes: number) => binaryCodec.decode(randomBytes(bytes)) as string;

function assertSameAsStringify(records: RestRecord[], format: EmbeddedFormat): void {
  const body = recordsBody(records, format);
  const expected = Buffer.from(JSON.stringify(records), 'utf8');
  assert.equal(body.toString('utf8'), expected.toString('utf8'));
  assert.ok(body.equals(expected), 'the bytes are those of JSON.stringify');
  assert.deepEqual(JSON.parse(body.toString('utf8')), JSON.parse(JSON.stringify(records)));
  for (const r of records) assert.equal(recordJson(r, format), JSON.stringify(r));
  assertEventsSameAsStringify(records, format);
}

/** The event stream's bytes: per record its `id`, then JSON.stringify's text as `data`. */
function assertEventsSameAsStringify(records: RestRecord[], format: EmbeddedFormat): void {
  const texts = records.map((r) => `id: ${r.topic}/${r.partition}/${r.offset}\nevent: record\ndata: ${JSON.stringify(r)}\n\n`);
  const events = recordEvents(records, format);
  const expected = Buffer.from(texts.join(''), 'utf8'); // a lone surrogate in an id line is U+FFFD either way
  assert.equal(events.toString('utf8'), expected.toString('utf8'));
  assert.ok(events.equals(expected), 'the bytes are those of the event texts');
  records.forEach((r, i) => assert.equal(recordEvent(r, format), texts[i]));
}

describe('recordsBody', () => {
  test('no records is an empty array', () => {
    assert.equal(recordsBody([], 'binary').toString(), '[]');
    assert.equal(recordsBody([], 'json').toString(), '[]');
    assert.equal(recordEvents([], 'binary').length, 0, 'and no events at all');
    assert.equal(recordEvents([], 'json').length, 0);
  });

  test('events: each binary record is one event, its id where the record is, nothing between them', () => {
    const events = recordEvents([rec('t', null, 'YQ==', 0, 9), rec('u', 'Yg==', null, 12, 1_000_000)], 'binary').toString();
    assert.equal(
      events,
      'id: t/0/9\nevent: record\ndata: {"topic":"t","key":null,"value":"YQ==","partition":0,"offset":9}\n\n' +
        'id: u/12/1000000\nevent: record\ndata: {"topic":"u","key":"Yg==","value":null,"partition":12,"offset":1000000}\n\n',
    );
  });

  test('events: a read of 1,000 binary records of 1 KiB', () => {
    const records = Array.from({ length: 1000 }, (_, i) => rec('bench-consume', null, b64(1024), i % 6, 33_000 + i));
    assertSameAsStringify(records, 'binary');
  });

  test('binary: base64 keys and values, null keys and values, as JSON.stringify writes them', () => {
    assertSameAsStringify(
      [
        rec('t', null, b64(1024), 0, 0),
        rec('t', b64(3), b64(1), 5, 17),
        rec('t', null, null, 1, 2),
        rec('t', b64(0), b64(0), 2, 3), // empty bytes are the empty string, not null
        rec('t', b64(2), null, 2_147_483_647, Number.MAX_SAFE_INTEGER),
      ],
      'binary',
    );
  });

  test('binary: tricky topics are escaped exactly as JSON.stringify escapes them', () => {
    const records = TRICKY_TOPICS.flatMap((topic, i) => [rec(topic, null, b64(10), i, i * 1000), rec(topic, b64(4), b64(7), i, 10 ** i)]);
    assertSameAsStringify(records, 'binary');
  });

  test('binary: records of several topics interleaved', () => {
    const records: RestRecord[] = [];
    for (let i = 0; i < 300; i++) records.push(rec(TRICKY_TOPICS[i % TRICKY_TOPICS.length]!, i % 3 === 0 ? null : b64(i % 17), b64(i), i % 6, 1_000_000 + i));
    assertSameAsStringify(records, 'binary');
  });

  test('binary: offsets and partitions at every digit count', () => {
    const records: RestRecord[] = [];
    for (let digits = 1; digits <= 16; digits++) records.push(rec('t', null, b64(1), digits - 1, 10 ** (digits - 1)), rec('t', null, b64(1), 9, 10 ** digits - 1));
    records.push(rec('t', null, b64(1), 0, Number.MAX_SAFE_INTEGER));
    assertSameAsStringify(records, 'binary');
  });

  test('binary: a key or value that is not a string falls back to JSON.stringify', () => {
    assertSameAsStringify([rec('t', 42, { a: 'b"c' }, 0, 1), rec('t', null, b64(5), 0, 2), rec('t', undefined, 'x', 1, 3)], 'binary');
  });

  test('json: values of every JSON kind, with quotes, escapes and unicode', () => {
    const values: unknown[] = [
      'plain',
      'quote " backslash \\ slash /',
      'line\nbreak\r\ttab \u0000 \u001f',
      'é ü 日本語 😀 \u2028 \u2029',
      'lone \udc00 surrogate',
      0,
      -1.5e300,
      123456789012345,
      true,
      false,
      null,
      [],
      {},
      [1, 'two', { three: [null, true] }],
      { 'k"ey': 'v\\al', nested: { deep: ['😀', { x: null }] } },
    ];
    const records = values.flatMap((v, i) => [rec(TRICKY_TOPICS[i % TRICKY_TOPICS.length]!, v, v, i, i), rec('t', null, v, 0, 100 + i)]);
    assertSameAsStringify(records, 'json');
  });

  test('json: what json decoding of real bytes gives, keys null and not', () => {
    const payloads = ['{"a":1}', '"k"', '[1,2,"é"]', '3.25', 'null', '"\\u2028\\"quoted\\""'];
    const records = payloads.map((p, i) => rec('topic-json', i % 2 ? jsonCodec.decode(Buffer.from('"key-é"')) : null, jsonCodec.decode(Buffer.from(p)), 0, i));
    assertSameAsStringify(records, 'json');
  });

  test('a key or value JSON.stringify leaves out (undefined) is left out here too', () => {
    assertSameAsStringify([rec('t', undefined, { a: 1 }, 0, 1), rec('t', 'k', undefined, 0, 2), rec('t', undefined, undefined, 0, 3)], 'json');
  });

  test('non-finite numbers are null, as in JSON', () => {
    assertSameAsStringify([rec('t', Number.NaN, Number.POSITIVE_INFINITY, 0, 1)], 'json');
    assertSameAsStringify([rec('t', null, 'x', Number.NaN, Number.NEGATIVE_INFINITY)], 'json');
    assertSameAsStringify([rec('t', null, b64(2), Number.NaN, -1)], 'binary');
  });

  test('avro-, protobuf- and jsonschema-decoded values (plain JSON data) serialise like JSON.stringify', () => {
    const value = { id: 12, name: 'n"é', tags: ['a', 'b'], nested: { bytes: '\u00ff\u0000', when: 1.5 } };
    for (const format of ['avro', 'protobuf', 'jsonschema'] as const) assertSameAsStringify([rec('t', { id: 1 }, value, 0, 1), rec('t', null, null, 0, 2)], format);
  });
});

describe('the binary decoder', () => {
  test('makes only base64 text, which the records body copies without escaping', () => {
    for (let size = 0; size < 200; size++) assert.match(binaryCodec.decode(randomBytes(size)) as string, /^[A-Za-z0-9+/]*={0,2}$/);
    assert.equal(binaryCodec.decode(null), null);
  });
});
