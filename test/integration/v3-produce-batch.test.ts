/**
 * API v3 records:batch against the real broker: 207 with successes and failures in the entries'
 * order, entries written in that order, and the batch's own 422 / 42208 answers (empty body, bad
 * or repeated ids, no entries, too many, an unknown field). Confluent's
 * ProduceBatchActionIntegrationTest and ProduceBatchActionTest scenarios.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { call, startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { localClusterId, readBack } from '../helpers/v3-produce.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const entry = (id: unknown, extra: object = {}) => ({ id, value: { type: 'STRING', data: `value-${String(id)}` }, ...extra });

describe('v3 produce: records:batch', () => {
  let proxy: TestProxy;
  let clusterId: string;
  let topic: string;
  const batch = (body: unknown, target = topic) =>
    call(`${proxy.url}/v3/clusters/${clusterId}/topics/${target}/records:batch`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

  before(async () => {
    proxy = await startTestProxy({ 'producer.max.block.ms': '1000', 'api.v3.produce.batch.maximum.entries': '10' });
    clusterId = await localClusterId();
    topic = await createTopic(uniqueTopic('v3-batch'), 1);
  });
  after(() => proxy.close());

  test('207: successes and failures, each in the entries’ order, written in that order', async () => {
    const reply = await batch({
      entries: [
        { id: 'a', partition_id: 0, headers: [{ name: 'h', value: b64('1') }], key: { type: 'STRING', data: 'k' }, value: { type: 'JSON', data: { n: 1 } }, timestamp: '2021-02-05T19:14:42Z' },
        { id: 'b-2', value: { type: 'BINARY', data: 'fooba' } },
        entry('c_3'),
        { id: 'd', partition_id: -1, value: { type: 'STRING', data: 'x' } },
        entry('e'),
      ],
    });
    assert.equal(reply.status, 207);
    assert.match(reply.type ?? '', /^application\/json/);
    assert.deepEqual(reply.body.successes[0], {
      id: 'a',
      cluster_id: clusterId,
      topic_name: topic,
      partition_id: 0,
      offset: 0,
      timestamp: '2021-02-05T19:14:42.000Z',
      key: { type: 'STRING', size: 1 },
      value: { type: 'JSON', size: 7 },
    });
    assert.deepEqual(
      reply.body.successes.map((s: { id: string; offset: number }) => [s.id, s.offset]),
      [
        ['a', 0],
        ['c_3', 1],
        ['e', 2],
      ],
    );
    assert.deepEqual(reply.body.failures, [
      { id: 'b-2', error_code: 400, message: 'Bad Request: data="fooba" is not a valid base64 string.' },
      { id: 'd', error_code: 40402, message: 'Partition not found.' },
    ]);
    const records = await readBack(topic, 3);
    assert.deepEqual(
      records.map((r) => r.value?.toString()),
      ['{"n":1}', 'value-c_3', 'value-e'],
    );
    assert.deepEqual(records[0]!.headers, { h: Buffer.from('1') });
  });

  test('a missing topic: every entry fails with 40401, still 207', async () => {
    const missing = uniqueTopic('v3-batch-missing');
    const reply = await batch({ entries: [entry('1'), entry('2')] }, missing);
    assert.equal(reply.status, 207);
    assert.deepEqual(reply.body.successes, []);
    assert.deepEqual(
      reply.body.failures.map((f: { id: string; error_code: number }) => [f.id, f.error_code]),
      [
        ['1', 40401],
        ['2', 40401],
      ],
    );
  });

  test('the batch’s own 422s, with error_code 42208 and Confluent’s messages', async () => {
    const cases: Array<[unknown, string]> = [
      ['', 'Request body is empty. Data is required.'],
      [{}, 'Empty batch.'],
      [{ entries: [] }, 'Empty batch.'],
      [{ entries: [entry('1'), entry('1')] }, 'Batch entry IDs are not distinct.'],
      [{ entries: Array.from({ length: 11 }, (_, i) => entry(String(i))) }, 'Too many entries in batch.'],
      [{ entries: [entry(1)] }, 'Batch entry identifier is not a valid string.'],
      [{ entries: [entry(null)] }, 'Batch entry identifier is not a valid string.'],
      [{ entries: [{ value: { type: 'STRING', data: 'no id' } }] }, 'Batch entry identifier is not a valid string.'],
      [{ entries: [entry('')] }, 'Batch entry identifier is not a valid string.'],
      [{ entries: [entry('x'.repeat(81))] }, 'Batch entry identifier is not a valid string.'],
      [{ entries: [entry('not valid!')] }, 'Batch entry identifier is not a valid string.'],
    ];
    for (const [body, message] of cases) {
      const reply = await batch(body);
      assert.equal(reply.status, 422, JSON.stringify(body).slice(0, 80));
      assert.deepEqual(reply.body, { error_code: 42208, message }, JSON.stringify(body).slice(0, 80));
    }
    const unknown = await batch({ records: [entry('1')] });
    assert.equal(unknown.status, 422);
    assert.deepEqual(unknown.body, { error_code: 422, message: 'Unrecognized field: records' });
  });

  test('a body that does not bind is a 400; nothing of it is produced', async () => {
    const quiet = await createTopic(uniqueTopic('v3-batch-bad'), 1);
    const malformed = await batch('{"entries": [', quiet);
    assert.equal(malformed.status, 400);
    const wrongType = await batch({ entries: [{ ...entry('1'), value: { type: 'STRING', schema: '"string"', data: 'x' } }, entry('2')] }, quiet);
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.body.message, /'type=STRING' cannot be used with 'schema'/);
    const unknownField = await batch({ entries: [{ ...entry('1'), foo: 1 }] }, quiet);
    assert.equal(unknownField.status, 400);
    assert.match(unknownField.body.message, /^Unrecognized field "foo" \(class io.confluent.kafkarest.entities.v3.AutoValue_ProduceBatchRequestEntry\$Builder\)/);
    const good = await batch({ entries: [entry('only')] }, quiet);
    assert.equal(good.body.successes[0].offset, 0, 'the refused batches wrote nothing');
  });

  test('api.v3.produce.batch.maximum.entries sets the bound', async () => {
    const small = await startTestProxy({ 'api.v3.produce.batch.maximum.entries': '2' });
    try {
      const url = `${small.url}/v3/clusters/${clusterId}/topics/${topic}/records:batch`;
      const post = (body: unknown) => call(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      assert.equal((await post({ entries: [entry('1'), entry('2')] })).status, 207);
      const three = await post({ entries: [entry('1'), entry('2'), entry('3')] });
      assert.equal(three.status, 422);
      assert.equal(three.body.message, 'Too many entries in batch.');
    } finally {
      await small.close();
    }
  });
});
