/**
 * read_committed filtering as Kafka's consumer does it, on cases a single transactional producer
 * cannot write: two producers' transactions interleaved, and a data record whose key happens to
 * look like an abort marker (kafkajs's own filter takes it for one and lets the rest through).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { visibleRecords } from '../../src/kafka/aborted-transactions.ts';
import type { InternalFetchedMessage } from '../../src/kafka/client.ts';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

/** One batch of `count` records at `offset`; a control batch holds the marker key. */
function batch(offset: number, producerId: string, kind: 'txn' | 'plain' | 'abort' | 'commit', count = 1, key: Buffer | null = null): InternalFetchedMessage[] {
  const isControlBatch = kind === 'abort' || kind === 'commit';
  const header = { firstOffset: String(offset), lastOffsetDelta: count - 1, producerId, inTransaction: kind !== 'plain', isControlBatch };
  return Array.from({ length: count }, (_, i) => ({
    offset: String(offset + i),
    key: isControlBatch ? (kind === 'abort' ? ABORT : COMMIT) : key,
    value: isControlBatch ? null : Buffer.from(`${producerId}@${offset + i}`),
    timestamp: '0',
    isControlRecord: isControlBatch,
    batchContext: header,
  }));
}

const offsets = (messages: InternalFetchedMessage[]) => messages.map((m) => Number(m.offset));

describe('visibleRecords', () => {
  // Producer 7 aborts 0-1 (marker 4); producer 8 commits 2-3 (marker 5); a plain batch at 6;
  // producer 7 then commits 7 (marker 8).
  const log = [
    ...batch(0, '7', 'txn', 2),
    ...batch(2, '8', 'txn', 2),
    ...batch(4, '7', 'abort'),
    ...batch(5, '8', 'commit'),
    ...batch(6, '-1', 'plain'),
    ...batch(7, '7', 'txn'),
    ...batch(8, '7', 'commit'),
  ];
  const aborted = [{ producerId: '7', firstOffset: '0' }];

  test('interleaved transactions: only the aborting producer is dropped, and only until its marker', () => {
    const { messages, nextOffset } = visibleRecords(log, aborted, 0, 'read_committed');
    assert.deepEqual(offsets(messages), [2, 3, 6, 7]);
    assert.equal(nextOffset, 9);
  });

  test('read_uncommitted keeps aborted records but never control records', () => {
    assert.deepEqual(offsets(visibleRecords(log, aborted, 0, 'read_uncommitted').messages), [0, 1, 2, 3, 6, 7]);
  });

  test('records below the fetch offset are dropped, yet the batch they share still counts', () => {
    const { messages } = visibleRecords(log, aborted, 1, 'read_committed');
    assert.deepEqual(offsets(messages), [2, 3, 6, 7]);
    assert.deepEqual(offsets(visibleRecords(log, [], 1, 'read_uncommitted').messages), [1, 2, 3, 6, 7]);
  });

  test('a data record keyed 00000000 inside an aborted transaction is no abort marker', () => {
    const tricky = [...batch(0, '7', 'txn', 1, ABORT), ...batch(1, '7', 'txn'), ...batch(2, '7', 'abort'), ...batch(3, '-1', 'plain')];
    assert.deepEqual(offsets(visibleRecords(tricky, aborted, 0, 'read_committed').messages), [3]);
  });

  test('a response of dropped batches only still moves the position past them', () => {
    const { messages, nextOffset } = visibleRecords([...batch(0, '7', 'txn', 2), ...batch(4, '7', 'abort')], aborted, 0, 'read_committed');
    assert.deepEqual(messages, []);
    assert.equal(nextOffset, 5);
  });
});
