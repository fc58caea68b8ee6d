import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecordBuffer, recordSize } from '../../src/actors/consumer/record-buffer.ts';
import type { FetchedRecord } from '../../src/kafka/topic-partition.ts';

function rec(topic: string, partition: number, offset: number, key: string | null = null, value: string | null = 'v'): FetchedRecord {
  return {
    topic,
    partition,
    offset,
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    timestamp: 0,
  };
}

/** The buffered records as `topic:partition@offset`, in order, read with peek(). */
function contents(buffer: RecordBuffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const r = buffer.peek(i)!;
    out.push(`${r.topic}:${r.partition}@${r.offset}`);
  }
  return out;
}

const tp = (topic: string, partition: number) => ({ topic, partition });

describe('recordSize', () => {
  test('is key length plus value length, nulls counting 0', () => {
    assert.equal(recordSize(rec('t', 0, 0, 'abc', 'hello')), 8);
    assert.equal(recordSize(rec('t', 0, 0, null, 'hello')), 5);
    assert.equal(recordSize(rec('t', 0, 0, 'abc', null)), 3);
    assert.equal(recordSize(rec('t', 0, 0, null, null)), 0);
    assert.equal(recordSize(rec('t', 0, 0, '', '')), 0);
  });

  test('counts bytes, not characters', () => {
    assert.equal(recordSize(rec('t', 0, 0, 'é', '€')), 2 + 3);
  });
});

describe('RecordBuffer', () => {
  test('starts empty', () => {
    const b = new RecordBuffer(100);
    assert.equal(b.length, 0);
    assert.equal(b.bytes, 0);
    assert.equal(b.full, false);
    assert.equal(b.peek(0), undefined);
    assert.equal(b.maxBytes, 100);
  });

  test('push keeps arrival order across partitions and counts bytes', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 0, 0, 'k', 'aa'), rec('t', 1, 10, null, 'bbb')]);
    b.push([rec('u', 0, 5, 'kk', null), rec('t', 0, 1, null, 'c')]);
    assert.deepEqual(contents(b), ['t:0@0', 't:1@10', 'u:0@5', 't:0@1']);
    assert.equal(b.length, 4);
    assert.equal(b.bytes, 3 + 3 + 2 + 1);
    assert.equal(b.peek(4), undefined);
  });

  test('peek returns the records themselves', () => {
    const b = new RecordBuffer(1000);
    const r = rec('t', 0, 0, 'key', 'value');
    b.push([r]);
    assert.equal(b.peek(0), r);
  });

  test('shift removes from the front and gives the bytes back', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 0, 0, null, 'a'), rec('t', 0, 1, null, 'bb'), rec('t', 0, 2, null, 'ccc')]);
    b.shift(2);
    assert.deepEqual(contents(b), ['t:0@2']);
    assert.equal(b.length, 1);
    assert.equal(b.bytes, 3);
    b.shift(0);
    assert.equal(b.length, 1);
    assert.equal(b.bytes, 3);
  });

  test('shifting more than is buffered empties it without going negative', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 0, 0, null, 'a'), rec('t', 0, 1, null, 'bb')]);
    b.shift(10);
    assert.equal(b.length, 0);
    assert.equal(b.bytes, 0);
    assert.equal(b.peek(0), undefined);
    b.push([rec('t', 0, 2, null, 'xyz')]);
    assert.deepEqual(contents(b), ['t:0@2']);
    assert.equal(b.bytes, 3);
  });

  test('is full once bytes reach maxBytes', () => {
    const b = new RecordBuffer(10);
    b.push([rec('t', 0, 0, null, '123456789')]);
    assert.equal(b.bytes, 9);
    assert.equal(b.full, false);
    b.push([rec('t', 0, 1, null, '1')]);
    assert.equal(b.bytes, 10);
    assert.equal(b.full, true);
    b.push([rec('t', 0, 2, null, '1')]);
    assert.equal(b.full, true);
    b.shift(1);
    assert.equal(b.bytes, 2);
    assert.equal(b.full, false);
  });

  test('push drops records below the partition\'s expected next offset', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 0, 5), rec('t', 0, 6), rec('t', 1, 0)]);
    // A rejoin refetches from an older position: the duplicates are dropped, the new ones kept.
    b.push([rec('t', 0, 4), rec('t', 0, 5), rec('t', 0, 6), rec('t', 0, 7), rec('t', 1, 0), rec('t', 1, 1)]);
    assert.deepEqual(contents(b), ['t:0@5', 't:0@6', 't:1@0', 't:0@7', 't:1@1']);
    assert.equal(b.bytes, 5);
  });

  test('duplicates are dropped even after they were shifted (delivered)', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 0, 0), rec('t', 0, 1)]);
    b.shift(2);
    b.push([rec('t', 0, 0), rec('t', 0, 1), rec('t', 0, 2)]);
    assert.deepEqual(contents(b), ['t:0@2']);
  });

  test('a push of only duplicates does not wake waiters', async () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 0, 3)]);
    let woke = false;
    const wait = b.waitForRecords(60).then(() => (woke = true));
    b.push([rec('t', 0, 1), rec('t', 0, 3)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(woke, false);
    await wait;
  });

  test('nextOffset is the offset after the last buffered record, or undefined', () => {
    const b = new RecordBuffer(1000);
    assert.equal(b.nextOffset(tp('t', 0)), undefined);
    b.push([rec('t', 0, 7), rec('t', 0, 9), rec('t', 2, 0)]);
    assert.equal(b.nextOffset(tp('t', 0)), 10);
    assert.equal(b.nextOffset(tp('t', 2)), 1);
    assert.equal(b.nextOffset(tp('t', 1)), undefined);
    b.shift(3);
    assert.equal(b.nextOffset(tp('t', 0)), 10, 'delivery does not forget the position');
  });

  test('reposition drops that partition\'s records only, then ignores records below the offset', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 0, 0, null, 'aa'), rec('t', 1, 0, null, 'bbb'), rec('t', 0, 1, null, 'aa'), rec('u', 0, 0, null, 'c')]);
    b.reposition(tp('t', 0), 50);
    assert.deepEqual(contents(b), ['t:1@0', 'u:0@0']);
    assert.equal(b.bytes, 4);
    assert.equal(b.nextOffset(tp('t', 0)), 50);
    b.push([rec('t', 0, 2), rec('t', 0, 49), rec('t', 0, 50), rec('t', 0, 51)]);
    assert.deepEqual(contents(b), ['t:1@0', 'u:0@0', 't:0@50', 't:0@51']);
    assert.equal(b.nextOffset(tp('t', 0)), 52);
  });

  test('reposition backwards lets earlier offsets in again', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 0, 10), rec('t', 0, 11)]);
    b.shift(2);
    b.reposition(tp('t', 0), 3);
    assert.equal(b.nextOffset(tp('t', 0)), 3);
    b.push([rec('t', 0, 3), rec('t', 0, 4)]);
    assert.deepEqual(contents(b), ['t:0@3', 't:0@4']);
  });

  test('reposition after some shifts keeps the other records and their bytes right', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 0, 0, null, 'a'), rec('t', 1, 0, null, 'bb'), rec('t', 0, 1, null, 'ccc'), rec('t', 1, 1, null, 'dddd')]);
    b.shift(1);
    b.reposition(tp('t', 0), 0);
    assert.deepEqual(contents(b), ['t:1@0', 't:1@1']);
    assert.equal(b.bytes, 6);
    assert.equal(b.length, 2);
  });

  test('drop forgets the partition\'s records and its position', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 0, 5, null, 'aa'), rec('t', 1, 5, null, 'b')]);
    b.drop(tp('t', 0));
    assert.deepEqual(contents(b), ['t:1@5']);
    assert.equal(b.bytes, 1);
    assert.equal(b.nextOffset(tp('t', 0)), undefined);
    assert.equal(b.nextOffset(tp('t', 1)), 6);
    // No position any more: anything is accepted again.
    b.push([rec('t', 0, 0)]);
    assert.deepEqual(contents(b), ['t:1@5', 't:0@0']);
  });

  test('drop of a partition with nothing buffered is harmless', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 1, 5, null, 'b')]);
    b.drop(tp('t', 9));
    assert.deepEqual(contents(b), ['t:1@5']);
    assert.equal(b.bytes, 1);
  });

  test('partitions are told apart by topic and partition', () => {
    const b = new RecordBuffer(1000);
    b.push([rec('t', 1, 0), rec('t', 11, 0), rec('t1', 1, 0)]);
    b.drop(tp('t', 1));
    assert.deepEqual(contents(b), ['t:11@0', 't1:1@0']);
  });

  test('clear empties records, bytes and positions', () => {
    const b = new RecordBuffer(4);
    b.push([rec('t', 0, 5, null, 'abcd'), rec('t', 1, 2)]);
    b.shift(1);
    assert.equal(b.length, 1);
    b.clear();
    assert.equal(b.length, 0);
    assert.equal(b.bytes, 0);
    assert.equal(b.full, false);
    assert.equal(b.peek(0), undefined);
    assert.equal(b.nextOffset(tp('t', 0)), undefined);
    assert.equal(b.nextOffset(tp('t', 1)), undefined);
    b.push([rec('t', 0, 0)]);
    assert.deepEqual(contents(b), ['t:0@0']);
  });

  test('many shifts (past the compaction threshold) keep order and bytes right', () => {
    const b = new RecordBuffer(1_000_000);
    const n = 5000;
    b.push(Array.from({ length: n }, (_, i) => rec('t', i % 3, Math.floor(i / 3), null, 'x'.repeat((i % 5) + 1))));
    const expectedBytes = (from: number) => {
      let sum = 0;
      for (let i = from; i < n; i++) sum += (i % 5) + 1;
      return sum;
    };
    let shifted = 0;
    for (const step of [1, 700, 400, 1, 1500, 3, 1200]) {
      b.shift(step);
      shifted += step;
      assert.equal(b.length, n - shifted);
      assert.equal(b.bytes, expectedBytes(shifted));
      const head = b.peek(0)!;
      assert.equal(head.partition, shifted % 3);
      assert.equal(head.offset, Math.floor(shifted / 3));
      const tenth = b.peek(10)!;
      assert.equal(tenth.partition, (shifted + 10) % 3);
      assert.equal(tenth.offset, Math.floor((shifted + 10) / 3));
    }
    // Mixed with pushes and a reposition after compaction.
    b.push([rec('t', 0, 100_000)]);
    assert.equal(b.peek(b.length - 1)!.offset, 100_000);
    b.reposition(tp('t', 1), 0);
    for (let i = 0; i < b.length; i++) assert.notEqual(b.peek(i)!.partition, 1);
    let bytes = 0;
    for (let i = 0; i < b.length; i++) bytes += recordSize(b.peek(i)!);
    assert.equal(b.bytes, bytes);
    b.shift(b.length);
    assert.equal(b.length, 0);
    assert.equal(b.bytes, 0);
  });

  test('one record at a time through many shifts stays in order', () => {
    const b = new RecordBuffer(1_000_000);
    for (let i = 0; i < 3000; i++) {
      b.push([rec('t', 0, i, null, 'ab')]);
      if (i % 2 === 1) {
        assert.equal(b.peek(0)!.offset, i - 1);
        b.shift(1);
        assert.equal(b.peek(0)!.offset, i);
        b.shift(1);
        assert.equal(b.length, 0);
        assert.equal(b.bytes, 0);
      }
    }
  });
});

describe('RecordBuffer.waitForRecords', () => {
  test('waitForRecords(0) resolves at once', async () => {
    const b = new RecordBuffer(100);
    let done = false;
    void b.waitForRecords(0).then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(done, true);
  });

  test('resolves after ms when nothing arrives', async (t) => {
    // Mocked timers: the outcome at each moment, whatever the machine's speed.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const b = new RecordBuffer(100);
    let done = false;
    void b.waitForRecords(40).then(() => (done = true));
    t.mock.timers.tick(39);
    await Promise.resolve();
    assert.equal(done, false, 'still waiting before ms');
    t.mock.timers.tick(1);
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(done, true, 'resolved at ms');
  });

  test('resolves early when records arrive', async () => {
    const b = new RecordBuffer(100);
    const wait = b.waitForRecords(5000);
    assert.equal(await settledNow(wait), false);
    b.push([rec('t', 0, 0)]);
    assert.equal(await settledNow(wait), true, 'woken by the push, not by its timer');
  });

  test('every waiter is woken by one push', async () => {
    const b = new RecordBuffer(100);
    const waits = [b.waitForRecords(5000), b.waitForRecords(5000), b.waitForRecords(5000)];
    b.push([rec('t', 0, 0)]);
    assert.equal(await settledNow(Promise.all(waits)), true);
  });

  test('a timed-out waiter does not stop later waiters from waking', async () => {
    const b = new RecordBuffer(100);
    await b.waitForRecords(5);
    const wait = b.waitForRecords(5000);
    b.push([rec('t', 0, 0)]);
    assert.equal(await settledNow(wait), true);
  });
});

/** Whether the promise has settled once pending callbacks have run (no clock involved). */
function settledNow(promise: Promise<unknown>): Promise<boolean> {
  return Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
}
