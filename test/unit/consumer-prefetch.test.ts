/**
 * Fetching ahead for a manual assignment (ConsumerRuntime.prefetch): after a read, the next
 * records are fetched in the background, a read waits for that fetch instead of sending another,
 * and a fetch made stale by a seek or a put-back neither holds a read up nor lands in the buffer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { initialTransition } from 'xstate';
import { pino } from 'pino';
import { apply } from '../../src/actors/consumer/decide.ts';
import type { Membership } from '../../src/actors/consumer/membership.ts';
import { RecordBuffer } from '../../src/actors/consumer/record-buffer.ts';
import { ConsumerRuntime } from '../../src/actors/consumer/runtime.ts';
import { consumerSessionMachine } from '../../src/actors/consumer/session-machine.ts';
import { codecFor } from '../../src/codecs/index.ts';
import type { PartitionFetcher } from '../../src/kafka/partition-fetcher.ts';
import type { FetchedRecord, TopicPartitionOffset } from '../../src/kafka/topic-partition.ts';
import { consumerSettings } from '../helpers/consumer-settings.ts';

const tp = { topic: 't', partition: 0 };
const settings = consumerSettings({ requestTimeoutMs: 1000 });
const [fresh] = initialTransition(consumerSessionMachine, {
  group: 'g',
  name: 'c',
  config: { format: 'binary', autoOffsetReset: 'earliest', autoCommit: false, fetchMinBytes: 0, requestTimeoutMs: null },
  at: 1,
});
const session = apply(fresh, [{ type: 'Assigned', partitions: [tp], positions: [{ ...tp, offset: 0 }], at: 2 }])!;

/** A fetcher whose answers the test releases one by one: each call waits for `release()`. */
function scriptedFetcher() {
  const calls: Array<{ from: number; release: (count: number) => void }> = [];
  const fetcher = {
    fetch: (positions: TopicPartitionOffset[]) =>
      new Promise((resolve) => {
        const from = positions[0]!.offset;
        calls.push({
          from,
          release: (count: number) => {
            const records: FetchedRecord[] = Array.from({ length: count }, (_, i) => ({ ...tp, offset: from + i, key: null, value: Buffer.from(`v${from + i}`), timestamp: 0 }));
            resolve({ records, outOfRange: [], nextOffsets: [] });
          },
        });
      }),
    edgeOffsets: async () => [],
  } as unknown as PartitionFetcher;
  return { fetcher, calls };
}

function runtime(fetcher: PartitionFetcher): ConsumerRuntime {
  const buffer = new RecordBuffer(settings.bufferMaxBytes);
  buffer.reposition(tp, 0);
  const membership = { seek: () => undefined } as unknown as Membership;
  return new ConsumerRuntime(buffer, membership, fetcher, fetcher, codecFor('binary')!, settings, pino({ level: 'silent' }));
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const buffered = (rt: ConsumerRuntime) => Array.from({ length: rt.buffer.length }, (_, i) => rt.buffer.peek(i)!.offset);

describe('prefetch for a manual assignment', () => {
  test('a read waits for the fetch already out instead of sending another, and finds its records', async () => {
    const { fetcher, calls } = scriptedFetcher();
    const rt = runtime(fetcher);
    rt.prefetch(session);
    assert.equal(calls.length, 1);
    rt.prefetch(session); // one at a time
    assert.equal(calls.length, 1);
    const polled = rt.poll(session, 5_000, new AbortController().signal);
    await settle();
    assert.equal(calls.length, 1, 'no second fetch of the same offsets');
    calls[0]!.release(3);
    await polled;
    assert.deepEqual(buffered(rt), [0, 1, 2]);
    rt.prefetch(session);
    assert.equal(calls[1]?.from, 3, 'the next prefetch starts after what is buffered');
    calls[1]!.release(0);
  });

  test('a prefetch made stale by a seek does not hold the read up, and its records are dropped', async () => {
    const { fetcher, calls } = scriptedFetcher();
    const rt = runtime(fetcher);
    rt.prefetch(session);
    rt.buffer.reposition(tp, 10); // a seek (or a put-back) while the prefetch is out
    const polled = rt.poll(session, 5_000, new AbortController().signal);
    await settle();
    assert.equal(calls.length, 2, 'the read fetches from the new position at once');
    assert.equal(calls[1]!.from, 10);
    calls[0]!.release(3); // offsets 0..2: from before the seek
    await settle();
    assert.deepEqual(buffered(rt), []);
    calls[1]!.release(2);
    await polled;
    assert.deepEqual(buffered(rt), [10, 11]);
  });

  test('nothing is fetched ahead without an assignment', () => {
    const { fetcher, calls } = scriptedFetcher();
    runtime(fetcher).prefetch(fresh);
    assert.equal(calls.length, 0);
  });
});
