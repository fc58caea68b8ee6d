/**
 * A v3 stream's records on their way to the producer pool: those handed over in one turn go in one
 * call, in order, each answered on its own; a record still being prepared keeps later ones behind
 * it; a failed pool call reaches every record of its group. And a receipt's text is exactly what
 * JSON.stringify of Confluent's receipt gives.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProduceRecord, RecordResult } from '../../src/actors/producer/produce-records.ts';
import { SendOrder, type Delivery, type RecordSender } from '../../src/http/v3/send-order.ts';
import { ReceiptLines } from '../../src/http/v3/stream-record.ts';

/** A pool that answers each call with offsets counted from 0, or fails it. */
function sender(fail = false) {
  const calls: string[][] = [];
  let offset = 0;
  const send: RecordSender = {
    async produceRecords(_topic, records) {
      calls.push(records.map((r) => r.value!.toString()));
      if (fail) throw new Error('pool closed');
      return records.map((): RecordResult => ({ partition: 0, offset: offset++, timestamp: null }));
    },
  };
  return { calls, send };
}

const record = (text: string): ProduceRecord => ({ key: null, value: Buffer.from(text) });

function collector() {
  const seen: string[] = [];
  const delivery = (name: string): Delivery => ({
    delivered: (result) => seen.push(`${name}:${'failure' in result ? 'failure' : result.offset}`),
    failed: (error) => seen.push(`${name}:${(error as Error).message}`),
  });
  return { seen, delivery };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('v3 send order', () => {
  it('records handed over in one turn go to the pool in one call, in order, each delivered', async () => {
    const { calls, send } = sender();
    const order = new SendOrder(send, 't', undefined, true);
    const { seen, delivery } = collector();
    for (const name of ['a', 'b', 'c']) order.hand(record(name), delivery(name));
    await turn();
    order.hand(record('d'), delivery('d'));
    await turn();
    await turn();
    assert.deepEqual(calls, [['a', 'b', 'c'], ['d']]);
    assert.deepEqual(seen, ['a:0', 'b:1', 'c:2', 'd:3']);
  });

  it('without coalescing, one call per record', async () => {
    const { calls, send } = sender();
    const order = new SendOrder(send, 't');
    const { delivery } = collector();
    order.hand(record('a'), delivery('a'));
    order.hand(record('b'), delivery('b'));
    await turn();
    assert.deepEqual(calls, [['a'], ['b']]);
  });

  it('a record still being prepared keeps the records after it waiting: the pool gets them in input order', async () => {
    const { calls, send } = sender();
    const order = new SendOrder(send, 't', undefined, true);
    let ready!: (value: string) => void;
    const slow = order.after(new Promise<string>((resolve) => (ready = resolve)), (name) => order.produce(record(name)));
    assert.equal(order.clear, false, 'a record is waiting for its turn');
    const next = order.after(Promise.resolve('b'), (name) => order.produce(record(name)));
    await turn();
    assert.deepEqual(calls, [], 'nothing skipped ahead of the slow record');
    ready('a');
    const results = await Promise.all([slow, next]);
    assert.equal(order.clear, true);
    assert.deepEqual(calls, [['a', 'b']]);
    assert.deepEqual(
      results.map((r) => ('failure' in r ? null : r.offset)),
      [0, 1],
    );
  });

  it('a pool call that fails reaches every record of its group', async () => {
    const { send } = sender(true);
    const order = new SendOrder(send, 't', undefined, true);
    const { seen, delivery } = collector();
    order.hand(record('a'), delivery('a'));
    order.hand(record('b'), delivery('b'));
    await turn();
    await turn();
    assert.deepEqual(seen, ['a:pool closed', 'b:pool closed']);
  });
});

describe('v3 receipt lines', () => {
  it('are the text JSON.stringify gives for the receipt, with and without key, value and schema', () => {
    const lines = new ReceiptLines('cl-"1"', 'topic\\x');
    const ts = Date.UTC(2026, 11, 1, 12, 0, 0, 5);
    const expected = (extra: object, offset: number | null = 7) =>
      JSON.stringify({ error_code: 200, cluster_id: 'cl-"1"', topic_name: 'topic\\x', partition_id: 3, offset, timestamp: new Date(ts).toISOString(), ...extra });
    assert.equal(lines.receipt(3, 7, ts, undefined, undefined), expected({}));
    assert.equal(lines.receipt(3, null, ts, undefined, undefined), expected({}, null));
    const value = { type: 'BINARY' as const, size: 1024 };
    const key = { type: 'AVRO' as const, subject: 't-key', schema_id: 1, schema_version: 2, size: 5 };
    assert.equal(lines.receipt(3, 7, ts, key, value), expected({ key, value }));
    assert.equal(lines.receipt(3, 7, ts, undefined, { type: 'JSON', size: -1 }), expected({ value: { type: 'JSON', size: -1 } }));
    assert.equal(lines.receipt(3, 7, ts + 1, undefined, undefined), expected({}).replace('.005Z', '.006Z'), 'the next millisecond is not the cached one');
  });

  it('a time Date cannot write is a RangeError, as toISOString throws', () => {
    assert.throws(() => new ReceiptLines('c', 't').receipt(0, 0, 8.64e15 + 1, undefined, undefined), RangeError);
  });
});
