import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { RestRecord } from '../../src/actors/consumer/protocol.ts';
import { heldSize, isRendered, RecordBuffer } from '../../src/actors/consumer/record-buffer.ts';
import { renderBinary, renderedBody, renderedEvents, type RenderedRecord } from '../../src/codecs/binary-records.ts';
import type { FetchedRecord } from '../../src/kafka/topic-partition.ts';
import { recordEvents } from '../../src/http/v2/records-body.ts';

/** Topics no Kafka cluster would allow, to prove the escaping is JSON.stringify's. */
const TRICKY_TOPICS = ['bench-consume', 'quote"d', 'back\\slash', 'new\nline', 'tab\tand\u0001ctl', 'é-ü-ß', '日本語', 'emoji-😀', 'sep\u2028\u2029', ''];

const fetched = (topic: string, partition: number, offset: number, key: Buffer | null, value: Buffer | null): FetchedRecord => ({
  topic,
  partition,
  offset,
  key,
  value,
  timestamp: 1_700_000_000_000,
  headers: [{ key: 'h', value: Buffer.from('not shown without record.metadata') }],
});

/** What a read without rendering would have answered: the binary decoder's base64, in that order. */
const restRecord = (r: FetchedRecord): RestRecord => ({
  topic: r.topic,
  key: r.key === null ? null : r.key.toString('base64'),
  value: r.value === null ? null : r.value.toString('base64'),
  partition: r.partition,
  offset: r.offset,
});

function assertRenderedAs(rendered: readonly RenderedRecord[], records: readonly FetchedRecord[]): void {
  const rest = records.map(restRecord);
  const body = renderedBody(rendered);
  assert.equal(body.toString('utf8'), JSON.stringify(rest));
  assert.ok(body.equals(Buffer.from(JSON.stringify(rest), 'utf8')), 'the bytes are those of JSON.stringify');
  const events = renderedEvents(rendered);
  assert.ok(events.equals(recordEvents(rest, 'binary')), 'the events are those of the record objects');
  rendered.forEach((r, i) => {
    assert.equal(r.json.subarray(r.start, r.end).toString('utf8'), JSON.stringify(rest[i]));
    assert.equal(r.size, (records[i]!.key?.length ?? 0) + (records[i]!.value?.length ?? 0));
  });
}

describe('binary records rendered when fetched', () => {
  test('keys and values of every length mod 3, null and empty ones, as JSON.stringify writes them', () => {
    const records = [
      fetched('t', 0, 0, null, null),
      fetched('t', 0, 1, Buffer.alloc(0), Buffer.alloc(0)),
      fetched('t', 0, 2, Buffer.from('a'), Buffer.from('ab')),
      fetched('t', 0, 3, Buffer.from('abc'), randomBytes(1024)),
      fetched('t', 0, 4, randomBytes(1025), null),
      fetched('t', 0, 9_007_199_254_740_991, Buffer.from([0, 255, 0x22, 0x5c]), randomBytes(3)),
    ];
    assertRenderedAs(renderBinary(records), records);
  });

  test('topic names are escaped as JSON.stringify escapes them, in bodies and in events', () => {
    const records = TRICKY_TOPICS.map((topic, i) => fetched(topic, i, 1000 + i, Buffer.from('k'), randomBytes(20)));
    assertRenderedAs(renderBinary(records), records);
  });

  test('no records: an empty array, and no events', () => {
    assert.equal(renderedBody([]).toString(), '[]');
    assert.equal(renderedEvents([]).length, 0);
  });

  test('records of several batches, taken in any grouping, make the same body', () => {
    const a = Array.from({ length: 5 }, (_, i) => fetched('a', 0, i, null, randomBytes(10 + i)));
    const b = Array.from({ length: 4 }, (_, i) => fetched('b', 3, 50 + i, Buffer.from(`k${i}`), randomBytes(7)));
    const ra = renderBinary(a);
    const rb = renderBinary(b);
    // A whole batch, part of one, one after another, interleaved, a single record from the middle.
    assertRenderedAs(ra, a);
    assertRenderedAs(ra.slice(1, 3), a.slice(1, 3));
    assertRenderedAs([...ra.slice(0, 2), ...rb, ...ra.slice(2)], [...a.slice(0, 2), ...b, ...a.slice(2)]);
    assertRenderedAs([ra[0]!, rb[0]!, ra[1]!, rb[1]!], [a[0]!, b[0]!, a[1]!, b[1]!]);
    assertRenderedAs([ra[3]!], [a[3]!]);
    // Not consecutive within one batch: a gap is two ranges, not one.
    assertRenderedAs([ra[0]!, ra[2]!, ra[4]!], [a[0]!, a[2]!, a[4]!]);
  });

  test('a read of 1,000 records of 1 KiB, as the benchmark reads them', () => {
    const records = Array.from({ length: 1000 }, (_, i) => fetched('bench-consume', i % 6, 33_000 + i, null, randomBytes(1024)));
    assertRenderedAs(renderBinary(records), records);
  });
});

describe('a record buffer that renders', () => {
  test('holds rendered records, counts their JSON, and still drops duplicates and lost partitions', () => {
    const buffer = new RecordBuffer(1_000_000, renderBinary);
    const batch = Array.from({ length: 4 }, (_, i) => fetched('t', 0, i, null, randomBytes(100)));
    buffer.push(batch);
    const other = fetched('t', 1, 7, null, randomBytes(100));
    buffer.push([other]);
    // A rejoin brings offsets 2..5 of partition 0 again: only 4 and 5 are new.
    const again = Array.from({ length: 4 }, (_, i) => fetched('t', 0, 2 + i, null, randomBytes(100)));
    buffer.push(again);
    const held: RenderedRecord[] = [];
    for (let i = 0; i < buffer.length; i++) {
      const r = buffer.peek(i)!;
      assert.ok(isRendered(r), 'every buffered record is rendered');
      held.push(r);
    }
    assert.deepEqual(
      held.map((r) => `${r.partition}@${r.offset}`),
      ['0@0', '0@1', '0@2', '0@3', '1@7', '0@4', '0@5'],
    );
    assert.equal(buffer.bytes, held.reduce((n, r) => n + heldSize(r), 0));
    assert.equal(heldSize(held[0]!), JSON.stringify(restRecord(batch[0]!)).length, 'what it holds is the JSON');
    assertRenderedAs(held, [...batch, other, ...again.slice(2)]);
    buffer.drop({ topic: 't', partition: 0 });
    assert.equal(buffer.length, 1);
    assert.equal(buffer.bytes, heldSize(buffer.peek(0)!));
  });
});
