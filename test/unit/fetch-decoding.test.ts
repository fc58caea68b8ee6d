/** The one-pass Fetch v11 decoder, object for object against kafkajs's own (the oracle). */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { decodeFetchResponseV11, ORDERED_HEADERS, type OrderedHeader } from '../../src/kafka/fetch-response.ts';
import { encodeProduceRequest, NULL_HEADER_VALUE, RECORD_HEADERS, type ProduceMessage } from '../../src/kafka/produce-request.ts';
import { fetchedHeaders } from '../../src/kafka/record-headers.ts';
import { interceptLookups, type RequestLookup } from '../../src/kafka/broker-lookup.ts';
import { decodeFetchInOnePass } from '../../src/kafka/fetch-decoding.ts';

const require = createRequire(import.meta.url);
const kafkajsV11 = require('kafkajs/src/protocol/requests/fetch/v11/response.js') as { decode(raw: Buffer): Promise<unknown> };
const { lookupCodecByAttributes } = require('kafkajs/src/protocol/message/compression/index.js') as { lookupCodecByAttributes(a: number): never };
const produceV7 = require('kafkajs/src/protocol/requests/produce/v7/request.js') as (request: object) => { encode(): Promise<{ buffer: Buffer }> };

const PRODUCE_HEADER = 2 + 2 + 4 + 4; // transactional id (null), acks, timeout, topic count

/** One record batch as a producer writes it, with its base offset and attribute bits set. */
async function batch(messages: ProduceMessage[], options: { baseOffset?: number; attributes?: number; gzip?: boolean; producerId?: number } = {}): Promise<Buffer> {
  const request = { acks: -1, timeout: 1, producerId: options.producerId ?? -1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }] };
  const body = options.gzip ? (await produceV7({ ...request, compression: 1 }).encode()).buffer : await encodeProduceRequest(request, { now: 1_764_633_600_000 });
  // After the request header: topic name (2 + 1), partition count, partition, record set size.
  const bytes = Buffer.from(body.subarray(PRODUCE_HEADER + 3 + 4 + 4 + 4));
  bytes.writeBigInt64BE(BigInt(options.baseOffset ?? 0), 0);
  if (options.attributes) bytes.writeInt16BE(bytes.readInt16BE(21) | options.attributes, 21);
  return bytes;
}

interface Partition {
  partition: number;
  errorCode?: number;
  records: Buffer | null;
  aborted?: Array<[number, number]>;
}

/** A Fetch v11 response body (after the correlation id). */
function response(topics: Array<{ name: string; partitions: Partition[] }>, throttle = 0): Buffer {
  const parts: Buffer[] = [];
  const int = (bytes: number, value: number | bigint) => {
    const b = Buffer.alloc(bytes);
    if (bytes === 2) b.writeInt16BE(Number(value));
    else if (bytes === 4) b.writeInt32BE(Number(value));
    else b.writeBigInt64BE(BigInt(value));
    parts.push(b);
  };
  int(4, throttle);
  int(2, 0);
  int(4, 77);
  int(4, topics.length);
  for (const topic of topics) {
    int(2, Buffer.byteLength(topic.name));
    parts.push(Buffer.from(topic.name));
    int(4, topic.partitions.length);
    for (const p of topic.partitions) {
      int(4, p.partition);
      int(2, p.errorCode ?? 0);
      int(8, 1234);
      int(8, 1200);
      int(8, 3);
      if (p.aborted === undefined) int(4, -1);
      else {
        int(4, p.aborted.length);
        for (const [producer, first] of p.aborted) {
          int(8, producer);
          int(8, first);
        }
      }
      int(4, -1);
      if (p.records === null) int(4, -1);
      else {
        int(4, p.records.length);
        parts.push(p.records);
      }
    }
  }
  return Buffer.concat(parts);
}

/** The decoded value without the symbol-keyed extra (kafkajs's shape only). */
function kafkajsShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(kafkajsShape);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value === Object.prototype) return value;
  const copy: Record<string, unknown> = {};
  // defineProperty: a header named __proto__ is an own property, as kafkajs makes it.
  for (const key of Object.keys(value)) Object.defineProperty(copy, key, { value: kafkajsShape((value as Record<string, unknown>)[key]), enumerable: true, writable: true, configurable: true });
  return copy;
}

async function assertAsKafkajs(raw: Buffer): Promise<unknown> {
  const ours = await decodeFetchResponseV11(raw, lookupCodecByAttributes);
  assert.ok(ours, 'decoded');
  assert.deepStrictEqual(kafkajsShape(ours), await kafkajsV11.decode(raw));
  return ours;
}

const values = (n: number, size = 1024) => Array.from({ length: n }, () => ({ key: null, value: randomBytes(size) }));

describe('decodeFetchResponseV11', () => {
  test('batches of 1 KiB records in several partitions and topics, with base offsets', async () => {
    await assertAsKafkajs(
      response([
        { name: 'orders', partitions: [{ partition: 0, records: Buffer.concat([await batch(values(50), { baseOffset: 1000 }), await batch(values(7), { baseOffset: 1050 })]) }, { partition: 3, records: await batch(values(3), { baseOffset: 2 ** 40 }) }] },
        { name: 'zäh', partitions: [{ partition: 1, records: null }, { partition: 2, records: Buffer.alloc(0), errorCode: 1 }] },
      ], 25),
    );
  });

  test('keys, string values, timestamps, an idempotent producer and a transaction, control and log-append-time batches', async () => {
    const messages: ProduceMessage[] = [
      { key: Buffer.from('k'), value: Buffer.from('v'), timestamp: '1764633500000' },
      { key: 'ключ', value: 'значение', timestamp: '1764633600000' },
      { key: Buffer.alloc(0), value: null },
    ];
    await assertAsKafkajs(
      response([
        {
          name: 't',
          partitions: [
            { partition: 0, records: await batch(messages, { baseOffset: 10, producerId: 4_000_000_000_123 }), aborted: [[4_000_000_000_123, 10], [7, 12]] },
            { partition: 1, records: await batch(messages, { attributes: 0x10 | 0x20 }) },
            { partition: 2, records: await batch(messages, { attributes: 0x08 }) },
          ],
        },
      ]),
    );
  });

  test('headers in order, repeated names, null values and a name kafkajs cannot fold (__proto__)', async () => {
    // Written in this order by a producer (the encoder takes kafkajs's folded object: one name, then the next).
    const raw = response([{ name: 't', partitions: [{ partition: 0, records: await batch([{ value: Buffer.from('x'), headers: { b: [Buffer.from('1'), Buffer.from('3')], a: 'é', ['__proto__']: Buffer.from('p'), gone: NULL_HEADER_VALUE } }]) }] }]);
    const ours = (await assertAsKafkajs(raw)) as { responses: Array<{ partitions: Array<{ messages: Array<Record<symbol, OrderedHeader[]>> }> }> };
    const ordered = ours.responses[0]!.partitions[0]!.messages[0]![ORDERED_HEADERS]!;
    assert.deepEqual(
      ordered.map((h) => [h.key, h.value?.toString()]),
      [['b', '1'], ['b', '3'], ['a', 'é'], ['__proto__', 'p'], ['gone', undefined]],
    );
  });

  test('headers produced in the order given come back in that order, through fetchedHeaders too', async () => {
    const given = [
      { key: 'a', value: Buffer.from('1') },
      { key: 'b', value: Buffer.from('2') },
      { key: 'a', value: Buffer.from('3') },
      { key: '7', value: null },
    ];
    const message: ProduceMessage = { value: Buffer.from('x'), headers: { a: [Buffer.from('1'), Buffer.from('3')], b: Buffer.from('2'), 7: NULL_HEADER_VALUE }, [RECORD_HEADERS]: given };
    const raw = response([{ name: 't', partitions: [{ partition: 0, records: await batch([message]) }] }]);
    const ours = (await decodeFetchResponseV11(raw, lookupCodecByAttributes)) as { responses: Array<{ partitions: Array<{ messages: Array<{ headers: unknown; [ORDERED_HEADERS]?: OrderedHeader[] }> }> }> };
    const fetched = ours.responses[0]!.partitions[0]!.messages[0]!;
    assert.deepEqual(fetchedHeaders(fetched), given);
    // kafkajs, reading the same record, groups them by name (and puts the index-like name first).
    const grouped = ((await kafkajsV11.decode(raw)) as typeof ours).responses[0]!.partitions[0]!.messages[0]!;
    assert.deepEqual(fetchedHeaders({ headers: grouped.headers })!.map((h) => h.key), ['7', 'a', 'a', 'b']);
  });

  test('a gzip-compressed batch', async () => {
    await assertAsKafkajs(response([{ name: 't', partitions: [{ partition: 0, records: await batch(values(40, 300), { gzip: true, baseOffset: 500 }) }] }]));
  });

  test('a batch cut short at the end of the record set is left out, as kafkajs does', async () => {
    const whole = await batch(values(5), { baseOffset: 0 });
    const cut = (await batch(values(5), { baseOffset: 5 })).subarray(0, 200);
    const ours = (await assertAsKafkajs(response([{ name: 't', partitions: [{ partition: 0, records: Buffer.concat([whole, cut]) }] }]))) as { responses: Array<{ partitions: Array<{ messages: unknown[] }> }> };
    assert.equal(ours.responses[0]!.partitions[0]!.messages.length, 5);
  });

  test('a record set in the legacy message format is left to kafkajs', async () => {
    const legacy = Buffer.alloc(40);
    legacy.writeInt8(1, 16);
    assert.equal(await decodeFetchResponseV11(response([{ name: 't', partitions: [{ partition: 0, records: legacy }] }]), lookupCodecByAttributes), null);
  });
});

describe('decodeFetchInOnePass', () => {
  /** A broker pool whose broker negotiated Fetch `version`; kafkajs's decode answers 'kafkajs'. */
  function broker(version: number) {
    const lookup: RequestLookup = (apiKey) => () => ({ request: { apiKey, apiVersion: version }, response: { decode: async () => 'kafkajs', parse: async (d: unknown) => d } });
    const cluster = decodeFetchInOnePass({ brokerPool: { createBroker: (_options: object) => ({ lookupRequest: lookup }) } }, { apiKey: 1, codecFor: lookupCodecByAttributes });
    return cluster.brokerPool.createBroker({});
  }
  const raw = async () => response([{ name: 't', partitions: [{ partition: 0, records: await batch(values(1, 8)) }] }]);
  type Built = { response: { decode(raw: Buffer): Promise<unknown> } };

  test('Fetch v11 is decoded in one pass, also after kafkajs replaced the lookup on a reconnect', async () => {
    const b = broker(11);
    assert.notEqual(await (b.lookupRequest(1, {})({}) as Built).response.decode(await raw()), 'kafkajs');
    b.lookupRequest = (apiKey) => () => ({ request: { apiKey, apiVersion: 11 }, response: { decode: async () => 'kafkajs after reconnect' } });
    const decoded = await (b.lookupRequest(1, {})({}) as Built).response.decode(await raw());
    assert.equal((decoded as { sessionId: number }).sessionId, 77);
  });

  test('other versions and other requests keep kafkajs decoding; a second interceptor composes', async () => {
    const b = broker(10);
    assert.equal(await (b.lookupRequest(1, {})({}) as Built).response.decode(await raw()), 'kafkajs');
    const seen: number[] = [];
    interceptLookups(b, (lookup) => (apiKey, definitions) => (seen.push(apiKey), lookup(apiKey, definitions)));
    assert.equal(await (b.lookupRequest(3, {})({}) as Built).response.decode(await raw()), 'kafkajs');
    assert.deepEqual(seen, [3]);
  });
});
