/**
 * Record headers and timestamps on API v2 (an extension, opt-in per consumer instance with
 * `record.metadata`): the create field, headers as kafkajs decodes them, their place in a records
 * body, the buffer's accounting, and the produce side's validation.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import type { RestRecord } from '../../src/actors/consumer/protocol.ts';
import { restHeaders } from '../../src/actors/consumer/read.ts';
import { heldSize, RecordBuffer, recordSize } from '../../src/actors/consumer/record-buffer.ts';
import { binaryCodec } from '../../src/codecs/binary.ts';
import { jsonCodec } from '../../src/codecs/json.ts';
import { RestError } from '../../src/errors.ts';
import { NO_BODY } from '../../src/http/body.ts';
import { parseCreateConsumer, type ConsumerDefaults } from '../../src/http/v2/consumer-requests.ts';
import { MAX_HEADER_KEY_LENGTH, MAX_RECORD_HEADERS, parseProduceRequest, readProduceRequest } from '../../src/http/v2/produce-request.ts';
import { recordJson, recordsBody } from '../../src/http/v2/records-body.ts';
import { recordEvent } from '../../src/http/v2/record-stream.ts';
import { fetchedHeaders } from '../../src/kafka/record-headers.ts';
import { recordSize as outgoingSize } from '../../src/kafka/record-producer.ts';
import type { FetchedRecord } from '../../src/kafka/topic-partition.ts';

const defaults: ConsumerDefaults = { autoOffsetReset: 'latest', autoCommit: true };

function restError(fn: () => unknown): RestError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RestError, `expected a RestError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a RestError');
}

describe('record.metadata on create', () => {
  test('off unless asked for: the config has no such key, as in journals written before it', () => {
    for (const body of [NO_BODY, {}, { 'record.metadata': false }, { 'record.metadata': 'false' }, { 'record.metadata': null }]) {
      assert.deepEqual(parseCreateConsumer(body, defaults).config, {
        format: 'binary',
        autoOffsetReset: 'latest',
        autoCommit: true,
        fetchMinBytes: null,
        requestTimeoutMs: null,
      });
    }
  });

  test('a JSON boolean or Kafka boolean text turns it on', () => {
    for (const value of [true, 'true', ' TRUE ', 'True']) {
      assert.equal(parseCreateConsumer({ 'record.metadata': value, format: 'json' }, defaults).config.recordMetadata, true, String(value));
    }
  });

  test('another value is 42204 naming the field; other unknown fields are still refused', () => {
    for (const value of ['yes', 1, '']) {
      const e = restError(() => parseCreateConsumer({ 'record.metadata': value }, defaults));
      assert.equal(e.errorCode, 42204);
      assert.equal(e.message, `Invalid consumer configuration: Invalid value ${String(value)} for configuration record.metadata: Expected value to be either true or false`);
    }
    for (const field of ['record.headers', 'headers', 'timestamp', 'recordMetadata']) {
      const e = restError(() => parseCreateConsumer({ [field]: true }, defaults));
      assert.equal(e.errorCode, 42204);
      assert.equal(e.message, `Invalid consumer configuration: ${field} cannot be set per consumer instance`);
    }
    assert.equal(restError(() => parseCreateConsumer({ 'record.metadata': [true] }, defaults)).status, 400, 'not a scalar: Jackson refuses it');
  });
});

// kafkajs's own record decoder, fed a record written header by header.
const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder.js');
const Decoder = require('kafkajs/src/protocol/decoder.js');
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');

function kafkajsHeaders(headers: Array<[string, Buffer | null]>): unknown {
  const encoder = new Encoder().writeInt8(0).writeVarLong(0).writeVarInt(0).writeVarIntBytes(null).writeVarIntBytes(Buffer.from('v'));
  encoder.writeVarInt(headers.length);
  for (const [key, value] of headers) encoder.writeVarIntString(key).writeVarIntBytes(value);
  return decodeRecord(new Decoder(encoder.buffer), { firstOffset: '0', firstTimestamp: '0' }).headers;
}

describe('fetchedHeaders', () => {
  test('no headers: undefined, so records without any stay as they were', () => {
    assert.equal(fetchedHeaders({ headers: kafkajsHeaders([]) }), undefined);
    assert.equal(fetchedHeaders({}), undefined);
  });

  test('every header with its exact bytes; repeated names keep all their values, in order; null stays null', () => {
    const bytes = Buffer.from([0, 255, 10, 13]);
    const list = fetchedHeaders({ headers: kafkajsHeaders([['trace', bytes], ['dup', Buffer.from('1')], ['dup', null], ['dup', Buffer.from('3')], ['empty', Buffer.alloc(0)]]) });
    assert.deepEqual(list, [
      { key: 'trace', value: bytes },
      { key: 'dup', value: Buffer.from('1') },
      { key: 'dup', value: null },
      { key: 'dup', value: Buffer.from('3') },
      { key: 'empty', value: Buffer.alloc(0) },
    ]);
  });

  test('kafkajs groups them by name: a, b, a comes out a, a, b; index-like names come first', () => {
    const list = fetchedHeaders({ headers: kafkajsHeaders([['a', Buffer.from('1')], ['b', Buffer.from('2')], ['a', Buffer.from('3')], ['7', null], ['__proto__', Buffer.from('p')]]) });
    assert.deepEqual(
      list?.map((h) => `${h.key}=${h.value?.toString() ?? 'null'}`),
      ['7=null', 'a=1', 'a=3', 'b=2', '__proto__=p'],
    );
  });
});

describe('restHeaders', () => {
  test('base64 values, null kept, in order; none is an empty list', () => {
    assert.deepEqual(restHeaders({ headers: [{ key: 'k', value: Buffer.from([1, 2, 3]) }, { key: 'k', value: null }, { key: 'é', value: Buffer.alloc(0) }] }), [
      { key: 'k', value: 'AQID' },
      { key: 'k', value: null },
      { key: 'é', value: '' },
    ]);
    assert.deepEqual(restHeaders({}), []);
  });
});

describe('records body with timestamp and headers', () => {
  const meta = (topic: string, key: unknown, value: unknown, offset: number, headers: RestRecord['headers'], timestamp = 1_700_000_000_123): RestRecord => ({
    topic,
    key,
    value,
    partition: 0,
    offset,
    timestamp,
    headers,
  });
  const names = ['plain', 'quote"d', 'new\nline', 'é-ü', '日本語', 'emoji-😀', 'lone-\ud800', ''];

  function sameAsStringify(records: RestRecord[], format: 'binary' | 'json'): void {
    const body = recordsBody(records, format);
    assert.ok(body.equals(Buffer.from(JSON.stringify(records), 'utf8')), body.toString());
    for (const r of records) assert.equal(recordJson(r, format), JSON.stringify(r));
  }

  test('binary: after the offset, timestamp then headers, exactly as JSON.stringify writes them', () => {
    const records = names.map((name, i) =>
      meta('t', i % 2 ? null : binaryCodec.decode(Buffer.from(`k${i}`)), binaryCodec.decode(Buffer.alloc(i * 50, i)), i, [
        { key: name, value: binaryCodec.decode(Buffer.from([i, 255])) as string },
        { key: name, value: null },
      ]),
    );
    records.push(meta('t', null, null, 99, [], 0));
    sameAsStringify(records, 'binary');
    assert.match(recordJson(records[0]!, 'binary'), /,"offset":0,"timestamp":1700000000123,"headers":\[\{"key":"plain","value":"AP8="\},\{"key":"plain","value":null\}\]\}$/);
  });

  test('json: the same fields after decoded keys and values', () => {
    const records = names.map((name, i) => meta(name, { id: i, text: name }, [name, i], 1000 + i, [{ key: name, value: 'AQ==' }]));
    sameAsStringify(records, 'json');
    assert.deepEqual(Object.keys(JSON.parse(recordJson(records[0]!, 'json'))), ['topic', 'key', 'value', 'partition', 'offset', 'timestamp', 'headers']);
  });

  test('records without them are written as before, byte for byte', () => {
    const plain: RestRecord[] = [
      { topic: 't', key: null, value: 'YQ==', partition: 0, offset: 1 },
      { topic: 't', key: 'Yg==', value: null, partition: 1, offset: 2 },
    ];
    assert.equal(recordsBody(plain, 'binary').toString(), '[{"topic":"t","key":null,"value":"YQ==","partition":0,"offset":1},{"topic":"t","key":"Yg==","value":null,"partition":1,"offset":2}]');
    assert.equal(recordJson(plain[0]!, 'binary'), '{"topic":"t","key":null,"value":"YQ==","partition":0,"offset":1}');
  });

  test('an event of the record stream carries them too', () => {
    const record = meta('t', null, jsonCodec.decode(Buffer.from('{"a":1}')), 4, [{ key: 'h', value: 'aGk=' }]);
    assert.equal(
      recordEvent(record, 'json'),
      'id: t/0/4\nevent: record\ndata: {"topic":"t","key":null,"value":{"a":1},"partition":0,"offset":4,"timestamp":1700000000123,"headers":[{"key":"h","value":"aGk="}]}\n\n',
    );
  });
});

describe('the record buffer counts headers', () => {
  const rec = (offset: number, headerBytes: number): FetchedRecord => ({
    topic: 't',
    partition: 0,
    offset,
    key: null,
    value: Buffer.from('v'),
    timestamp: 0,
    headers: headerBytes === 0 ? undefined : [{ key: 'h', value: Buffer.alloc(headerBytes) }],
  });

  test('reads count key and value only (max_bytes as Confluent counts it); the buffer holds headers too', () => {
    assert.equal(recordSize(rec(0, 100)), 1);
    assert.equal(heldSize(rec(0, 100)), 1 + 1 + 100);
    assert.equal(heldSize(rec(0, 0)), 1);
  });

  test('records with big headers and tiny values fill the buffer, and taking them makes room', () => {
    const buffer = new RecordBuffer(1000);
    buffer.push([rec(0, 600), rec(1, 600)]);
    assert.equal(buffer.full, true);
    assert.equal(buffer.bytes, 2 * 602);
    buffer.shift(1);
    assert.equal(buffer.bytes, 602);
    assert.equal(buffer.full, false);
    buffer.drop({ topic: 't', partition: 0 });
    assert.equal(buffer.bytes, 0);
  });
});

describe('v2 produce: headers and timestamp', () => {
  const produce = (record: Record<string, unknown>) => parseProduceRequest({ records: [{ value: 'YQ==' }, record] }, binaryCodec);
  const refused = (record: Record<string, unknown>) => {
    const e = restError(() => produce(record));
    assert.equal(e.status, 400, e.message);
    assert.equal(e.errorCode, 400);
    assert.deepEqual(e.toJSON(), { error_code: 400, message: e.message });
    return e.message;
  };

  test('taken as given: headers in order, repeated names and null values kept, the timestamp as is', () => {
    const [plain, record] = produce({
      value: 'Yg==',
      partition: 2,
      timestamp: 1_600_000_000_000,
      headers: [{ key: 'a', value: 'AP8=' }, { key: 'a', value: null }, { key: 'b' }, { key: '', value: '' }],
    });
    assert.deepEqual(plain, { key: null, value: Buffer.from('a'), partition: undefined });
    assert.deepEqual(record, {
      key: null,
      value: Buffer.from('b'),
      partition: 2,
      headers: [
        { key: 'a', value: Buffer.from([0, 255]) },
        { key: 'a', value: null },
        { key: 'b', value: null },
        { key: '', value: Buffer.alloc(0) },
      ],
      timestamp: 1_600_000_000_000,
    });
  });

  test('null or empty headers and a null timestamp are as if absent; 0 is a timestamp', () => {
    assert.deepEqual(produce({ value: 'Yg==', headers: [], timestamp: null })[1], { key: null, value: Buffer.from('b'), partition: undefined });
    assert.deepEqual(produce({ value: 'Yg==', headers: null, timestamp: 0 })[1], { key: null, value: Buffer.from('b'), partition: undefined, timestamp: 0 });
  });

  test('the json and schema formats take them too (read before any encoding)', () => {
    const request = readProduceRequest({ value_schema_id: 1, records: [{ value: { a: 1 }, headers: [{ key: 'k', value: 'aGk=' }], timestamp: 5 }] });
    assert.deepEqual(request.records[0], { key: undefined, value: { a: 1 }, partition: undefined, headers: [{ key: 'k', value: Buffer.from('hi') }], timestamp: 5 });
  });

  test('headers that are not a list of {key, value} are 400 naming the record and the header', () => {
    assert.equal(refused({ headers: { a: 'AA==' } }), 'Bad Request: records[1].headers must be a list of {"key": a string, "value": base64 or null}, got {"a":"AA=="}.');
    assert.equal(refused({ headers: 'AA==' }), 'Bad Request: records[1].headers must be a list of {"key": a string, "value": base64 or null}, got "AA==".');
    assert.match(refused({ headers: [{ key: 'a' }, 'x'] }), /^Bad Request: records\[1\]\.headers must be .*, got "x" at \[1\]\.$/);
    assert.match(refused({ headers: [null] }), /got null at \[0\]\.$/);
    assert.equal(refused({ headers: [{ key: 'a', value: 'AA==', name: 'x' }] }), 'Bad Request: records[1].headers[0] has an unknown field "name": a header is {"key", "value"}.');
    assert.equal(refused({ headers: [{ value: 'AA==' }] }), 'Bad Request: records[1].headers[0].key must be a string, got nothing.');
    assert.equal(refused({ headers: [{ key: 5, value: 'AA==' }] }), 'Bad Request: records[1].headers[0].key must be a string, got 5.');
    assert.equal(refused({ headers: [{ key: null }] }), 'Bad Request: records[1].headers[0].key must be a string, got null.');
  });

  test('a header value must be base64 or null: bad base64 is 400 in the binary format\'s words', () => {
    assert.equal(refused({ headers: [{ key: 'a', value: 'AA==' }, { key: 'b', value: '!!!' }] }), 'Bad Request: records[1].headers[1].value: data="!!!" is not a valid base64 string.');
    assert.equal(refused({ headers: [{ key: 'a', value: 'A' }] }), 'Bad Request: records[1].headers[0].value: data="A" is not a valid base64 string.');
    assert.equal(refused({ headers: [{ key: 'a', value: 'a-_b' }] }), 'Bad Request: records[1].headers[0].value: data="a-_b" is not a valid base64 string.');
    assert.equal(refused({ headers: [{ key: 'a', value: 12 }] }), 'Bad Request: records[1].headers[0].value must be a base64 string or null, got 12.');
    assert.equal(refused({ headers: [{ key: 'a', value: { b: 1 } }] }), 'Bad Request: records[1].headers[0].value must be a base64 string or null, got {"b":1}.');
    const long = refused({ headers: [{ key: 'a', value: '!'.repeat(10_000) }] });
    assert.ok(long.length < 200, 'a long value is cut short in the message');
  });

  test('at most MAX_RECORD_HEADERS headers, names of at most MAX_HEADER_KEY_LENGTH characters', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `h${i}`, value: null }));
    assert.equal(produce({ headers: many(MAX_RECORD_HEADERS) })[1]!.headers!.length, MAX_RECORD_HEADERS);
    assert.equal(refused({ headers: many(MAX_RECORD_HEADERS + 1) }), `Bad Request: records[1].headers may hold at most ${MAX_RECORD_HEADERS} headers, not ${MAX_RECORD_HEADERS + 1}.`);
    assert.equal(produce({ headers: [{ key: 'k'.repeat(MAX_HEADER_KEY_LENGTH) }] })[1]!.headers![0]!.key.length, MAX_HEADER_KEY_LENGTH);
    assert.equal(
      refused({ headers: [{ key: 'k'.repeat(MAX_HEADER_KEY_LENGTH + 1) }] }),
      `Bad Request: records[1].headers[0].key may be at most ${MAX_HEADER_KEY_LENGTH} characters, not ${MAX_HEADER_KEY_LENGTH + 1}.`,
    );
  });

  test('a timestamp must be a whole, non-negative number of milliseconds', () => {
    for (const [value, shown] of [[-1, '-1'], [1.5, '1.5'], ['1600000000000', '"1600000000000"'], [true, 'true'], [2 ** 53, String(2 ** 53)], [[1], '[1]']] as const) {
      assert.equal(refused({ timestamp: value }), `Bad Request: records[1].timestamp must be a non-negative integer of milliseconds since the epoch, got ${shown}.`);
    }
  });

  test('other unknown fields are still Jackson\'s 400, listing Confluent\'s three properties', () => {
    const e = restError(() => produce({ value: 'Yg==', offset: 3 }));
    assert.match(e.message, /^Unrecognized field "offset" \(class io\.confluent\.kafkarest\.entities\.v2\.ProduceRequest\$ProduceRecord\), not marked as ignorable \(3 known properties: "partition", "key", "value"\]\)/);
    assert.match(e.message, /ArrayList\[1\]->io\.confluent\.kafkarest\.entities\.v2\.ProduceRequest\$ProduceRecord\["offset"\]\)$/);
  });

  test('a record\'s headers count in its size, which producer.buffer.memory and max.request.size bound', () => {
    const [record] = parseProduceRequest({ records: [{ value: 'YQ==', headers: [{ key: 'k', value: Buffer.alloc(5000).toString('base64') }] }] }, binaryCodec);
    const outgoing = { topic: 't', partition: 0, key: record!.key, value: record!.value };
    assert.ok(outgoingSize({ ...outgoing, headers: record!.headers }) >= outgoingSize(outgoing) + 5001);
  });

  test('one bad record fails the whole request, before anything is encoded', () => {
    const e = restError(() => parseProduceRequest({ records: [{ value: '!!!' }, { value: 'YQ==', timestamp: -5 }] }, binaryCodec));
    assert.match(e.message, /records\[1\]\.timestamp/, 'the request is validated before any record is encoded');
  });
});
