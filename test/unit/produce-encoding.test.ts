/** The one-pass Produce encoder, byte for byte against kafkajs's own (the oracle), and CRC-32C. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { crc32c } from '../../src/kafka/crc32c.ts';
import { encodeProduceRequest, NULL_HEADER_VALUE, RECORD_HEADERS, type ProduceMessage, type ProduceRequest } from '../../src/kafka/produce-request.ts';
import type { BuiltRequest, LookupBroker, RequestLookup } from '../../src/kafka/broker-lookup.ts';
import { encodeProduceInOnePass } from '../../src/kafka/produce-encoding.ts';
import '../../src/kafka/record-headers.ts'; // teaches kafkajs's encoder NULL_HEADER_VALUE

const require = createRequire(import.meta.url);
type Encoded = { buffer: Buffer };
const produceV7 = require('kafkajs/src/protocol/requests/produce/v7/request.js') as (request: object) => { encode(): Promise<Encoded> };
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (buffer: Buffer) => number;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(value: string | number): object };
const { lookupCodec } = require('kafkajs/src/protocol/message/compression/index.js') as { lookupCodec(type: number): { compress(encoder: { buffer: Buffer }): Promise<Buffer> } | null };

const NOW = 1_764_633_600_123;

/** What kafkajs writes for the request, with Date.now() pinned to NOW. */
async function kafkajsBytes(request: ProduceRequest): Promise<Buffer> {
  const now = Date.now;
  Date.now = () => NOW;
  try {
    return (await produceV7(request).encode()).buffer;
  } finally {
    Date.now = now;
  }
}

/** kafkajs's gzip codec, as kafkajs compresses a batch's records. */
const gzip = (records: Buffer) => lookupCodec(1)!.compress({ buffer: records });

async function assertSameBytes(request: ProduceRequest): Promise<void> {
  assert.deepEqual(await encodeProduceRequest(request, { now: NOW, compress: gzip }), await kafkajsBytes(request));
}

describe('crc32c', () => {
  test('the check value of the Castagnoli polynomial', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  test('equals the byte-at-a-time CRC for every length and any range', () => {
    const bytes = randomBytes(300);
    for (let length = 0; length <= 40; length++) assert.equal(crc32c(bytes, 0, length), kafkajsCrc32c(bytes.subarray(0, length)), `length ${length}`);
    assert.equal(crc32c(bytes, 17, 299), kafkajsCrc32c(bytes.subarray(17, 299)));
    assert.equal(crc32c(bytes), kafkajsCrc32c(bytes));
  });
});

describe('encodeProduceRequest', () => {
  test('1 KiB records without keys, as a REST produce sends them', async () => {
    const messages = Array.from({ length: 100 }, () => ({ key: null, value: randomBytes(1024) }));
    await assertSameBytes({ acks: -1, timeout: 30_000, topicData: [{ topic: 'bench', partitions: [{ partition: 3, messages }] }] });
  });

  test('several topics and partitions, keys, string values, an idempotent producer', async () => {
    await assertSameBytes({
      acks: 1,
      timeout: 1_500,
      producerId: Long.fromValue('4000000000123'),
      producerEpoch: 7,
      topicData: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, firstSequence: 41, messages: [{ key: Buffer.from('k'), value: Buffer.from('v') }, { key: 'ключ', value: 'значение ✓' }] },
            { partition: 5, firstSequence: 2_000_000_000, messages: [{ key: Buffer.alloc(0), value: null }] },
          ],
        },
        { topic: 'zäh', partitions: [{ partition: 1, firstSequence: 0, messages: [{ value: Buffer.alloc(300, 7) }] }] },
      ],
    });
  });

  test('timestamps: given, absent (now), a mixture, and deltas that need long varints', async () => {
    const t = NOW - 10_000;
    await assertSameBytes({
      acks: -1,
      timeout: 30_000,
      topicData: [
        {
          topic: 't',
          partitions: [
            { partition: 0, messages: [{ value: Buffer.from('a'), timestamp: String(t + 5) }, { value: Buffer.from('b'), timestamp: String(t) }] },
            { partition: 1, messages: [{ value: Buffer.from('c') }, { value: Buffer.from('d') }] },
            { partition: 2, messages: [{ value: Buffer.from('e'), timestamp: String(t) }, { value: Buffer.from('f') }] },
            { partition: 3, messages: [{ value: Buffer.from('g'), timestamp: '1000000000000' }, { value: Buffer.from('h'), timestamp: String(NOW * 3) }] },
          ],
        },
      ],
    });
  });

  test('headers: a repeated name, string and empty values, and a null value', async () => {
    await assertSameBytes({
      acks: -1,
      timeout: 30_000,
      topicData: [
        {
          topic: 't',
          partitions: [
            {
              partition: 0,
              messages: [
                { value: Buffer.from('x'), headers: { trace: [Buffer.from('1'), Buffer.from('2')], note: 'héllo', empty: Buffer.alloc(0) } },
                { value: Buffer.from('y'), headers: {} },
              ],
            },
          ],
        },
      ],
    });
    const withNull = await encodeProduceRequest(
      { acks: -1, timeout: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ value: null, headers: { gone: NULL_HEADER_VALUE } }] }] }] },
      { now: NOW },
    );
    // The record ends with one header: name "gone", value length -1 (zigzag 1).
    assert.deepEqual([...withNull.subarray(-7)], [2, 8, ...Buffer.from('gone'), 1]);
    assert.deepEqual(withNull, await kafkajsBytes({ acks: -1, timeout: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ value: null, headers: { gone: NULL_HEADER_VALUE } }] }] }] }));
  });

  test('a transactional producer sets the batch attribute and writes its id', async () => {
    await assertSameBytes({
      acks: -1,
      timeout: 30_000,
      transactionalId: 'tx-1',
      producerId: 12,
      producerEpoch: 1,
      topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 3, messages: [{ value: Buffer.from('z') }] }] }],
    });
  });

  test('gzip-compressed batches: the records compressed with kafkajs\'s codec, the rest as uncompressed', async () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: Buffer.alloc(200, i), headers: { h: Buffer.from([i]) } }));
    await assertSameBytes({ acks: -1, timeout: 30_000, compression: 1, producerId: 9, topicData: [{ topic: 'z', partitions: [{ partition: 0, firstSequence: 5, messages }, { partition: 1, messages: messages.slice(0, 3) }] }] });
  });

  test('headers given as a list are written in that order, where kafkajs would group them by name', async () => {
    const headers = [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: null }, { key: 'a', value: Buffer.from('3') }];
    const message: ProduceMessage = { value: Buffer.from('x'), headers: { a: [Buffer.from('1'), Buffer.from('3')], b: NULL_HEADER_VALUE }, [RECORD_HEADERS]: headers };
    const body = await encodeProduceRequest({ acks: -1, timeout: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [message] }] }] }, { now: NOW });
    // The record ends with its headers: count 3 (zigzag 6), then a=1, b=null (length -1, zigzag 1), a=3.
    assert.deepEqual([...body.subarray(-12)], [6, 2, 97, 2, 49, 2, 98, 1, 2, 97, 2, 51]);
  });

  test('a compressed request without its codec is refused, not sent uncompressed', async () => {
    await assert.rejects(encodeProduceRequest({ acks: -1, timeout: 1, compression: 1, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ value: Buffer.from('v') }] }] }] }), /needs its codec/);
  });
});

describe('encodeProduceInOnePass', () => {
  /** A broker that negotiated Produce `version`; kafkajs's own encode answers 'kafkajs'. */
  function broker(version: number) {
    const lookup: RequestLookup = (apiKey) => () => ({ request: { apiKey, apiVersion: version, encode: async () => 'kafkajs' }, response: {} });
    const cluster = encodeProduceInOnePass(
      { brokerPool: { createBroker: (_options: object) => ({ lookupRequest: lookup }) } },
      { apiKey: 0, encoder: (body) => ({ body }), compress: async (codec, records) => Buffer.concat([Buffer.from(`codec ${codec}:`), records]) },
    );
    return cluster.brokerPool.createBroker({});
  }
  /** What the broker would send for these arguments of kafkajs's broker.produce. */
  const encoded = async (b: LookupBroker, request: ProduceRequest, apiKey = 0) => (b.lookupRequest(apiKey, {})(request as unknown as Record<string, unknown>) as BuiltRequest).request.encode();
  const request: ProduceRequest = { acks: -1, timeout: 5, compression: 0, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ value: Buffer.from('v'), timestamp: '1000' }] }] }] };

  test('record-batch versions are encoded in one pass, from the arguments kafkajs built the request from', async () => {
    const { body } = (await encoded(broker(7), request)) as { body: Buffer };
    assert.deepEqual(body, await encodeProduceRequest(request));
  });

  test('compressed batches are encoded in one pass with the request\'s codec', async () => {
    const { body } = (await encoded(broker(7), { ...request, compression: 2 })) as { body: Buffer };
    assert.match(body.toString('latin1'), /codec 2:/);
  });

  test('message-set versions and other requests keep kafkajs encoding', async () => {
    assert.equal(await encoded(broker(2), request), 'kafkajs');
    assert.equal(await encoded(broker(7), request, 3), 'kafkajs');
  });
});
