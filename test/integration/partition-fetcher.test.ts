/**
 * The groupless fetch path against real brokers: isolation levels over a log holding committed,
 * aborted, plain and still-open transactional records (written by a native kafkajs transactional
 * producer), through the PartitionFetcher and through the simple consumer's HTTP route; and
 * fetches and commits that keep working across a broker restart, on a broker of the test's own.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Transaction } from 'kafkajs';
import type { LocalBroker } from '../../src/broker/local-broker.ts';
import { PartitionFetcher, type FetchResult } from '../../src/kafka/partition-fetcher.ts';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { startOwnBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { call, startTestProxy } from '../helpers/proxy.ts';

const FETCH = { maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, maxBytesPerPartition: 1 << 20 };

const view = (result: FetchResult) => result.records.map((r) => `${r.offset}:${r.value?.toString()}`);

describe('isolation levels', () => {
  let topic: string;
  let open: Transaction;
  let cleanUp: () => Promise<void>;

  // Offsets: c1 0, c2 1, commit marker 2 | a1 3, a2 4, a3 5, abort marker 6 | p1 7, p2 8 (no
  // transaction) | c3 9, commit marker 10 | o1 11, in a transaction left open until the end.
  before(async () => {
    topic = await createTopic(uniqueTopic('txn'));
    const kafka = nativeKafka();
    const transactional = kafka.producer({ idempotent: true, maxInFlightRequests: 1, transactionalId: `txn-${randomUUID()}` });
    const plain = kafka.producer();
    await Promise.all([transactional.connect(), plain.connect()]);
    const messages = (values: string[]) => values.map((value) => ({ partition: 0, value }));
    const admin = kafka.admin();
    await admin.connect();
    let end = 0;
    const inTransaction = async (values: string[], outcome: 'commit' | 'abort') => {
      const transaction = await transactional.transaction();
      await transaction.send({ topic, messages: messages(values) });
      await transaction[outcome]();
      // The coordinator writes the marker after answering EndTxn: wait for it, or the next
      // records could land before it and move every offset below.
      end += values.length + 1;
      while (Number((await admin.fetchTopicOffsets(topic)).find((p) => p.partition === 0)!.high) < end) await sleep(20);
    };
    await inTransaction(['c1', 'c2'], 'commit');
    await inTransaction(['a1', 'a2', 'a3'], 'abort');
    await plain.send({ topic, messages: messages(['p1', 'p2']) });
    end += 2;
    await inTransaction(['c3'], 'commit');
    await admin.disconnect();
    open = await transactional.transaction();
    await open.send({ topic, messages: messages(['o1']) });
    cleanUp = async () => {
      await open.abort();
      await Promise.all([transactional.disconnect(), plain.disconnect()]);
    };
  });

  after(() => cleanUp?.());

  test('read_committed returns committed and plain records only, and moves past what it drops', async () => {
    const fetcher = new PartitionFetcher(nativeKafka(), { isolationLevel: 'read_committed' });
    try {
      const all = await fetcher.fetch([{ topic, partition: 0, offset: 0 }], FETCH);
      assert.deepEqual(view(all), ['0:c1', '1:c2', '7:p1', '8:p2', '9:c3']);
      // Up to the last stable offset: the open transaction at 11 holds everything after it back.
      assert.deepEqual(all.nextOffsets, [{ topic, partition: 0, offset: 11 }]);

      const fromInside = await fetcher.fetch([{ topic, partition: 0, offset: 4 }], FETCH);
      assert.deepEqual(view(fromInside), ['7:p1', '8:p2', '9:c3']);

      // A fetch small enough for the aborted batch alone yields nothing but still advances.
      const tiny = await fetcher.fetch([{ topic, partition: 0, offset: 3 }], { ...FETCH, maxBytes: 1, maxBytesPerPartition: 1 });
      assert.deepEqual(view(tiny), []);
      assert.deepEqual(tiny.nextOffsets, [{ topic, partition: 0, offset: 6 }]);

      // Its end offset is the last stable offset too, as Java's endOffsets() says for read_committed.
      assert.deepEqual(await fetcher.edgeOffsets([{ topic, partition: 0 }], 'end'), [{ topic, partition: 0, offset: 11 }]);
    } finally {
      await fetcher.close();
    }
  });

  test('read_uncommitted (the default) returns aborted and open records too, never control records', async () => {
    const fetcher = new PartitionFetcher(nativeKafka());
    try {
      const all = await fetcher.fetch([{ topic, partition: 0, offset: 0 }], FETCH);
      assert.deepEqual(view(all), ['0:c1', '1:c2', '3:a1', '4:a2', '5:a3', '7:p1', '8:p2', '9:c3', '11:o1']);
      assert.deepEqual(all.nextOffsets, [{ topic, partition: 0, offset: 12 }]);
      assert.deepEqual(await fetcher.edgeOffsets([{ topic, partition: 0 }], 'end'), [{ topic, partition: 0, offset: 12 }]);
    } finally {
      await fetcher.close();
    }
  });

  test('the simple consumer of a read_committed proxy skips aborted records; a default proxy does not', async () => {
    const messagesOf = async (url: string, offset: number, count: number) => {
      const reply = await call(`${url}/topics/${topic}/partitions/0/messages?offset=${offset}&count=${count}`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return (reply.body as Array<{ offset: number; value: string }>).map((m) => `${m.offset}:${Buffer.from(m.value, 'base64').toString()}`);
    };
    const committed = await startTestProxy({ 'consumer.isolation.level': 'read_committed' });
    try {
      assert.deepEqual(await messagesOf(committed.url, 0, 5), ['0:c1', '1:c2', '7:p1', '8:p2', '9:c3']);
      assert.deepEqual(await messagesOf(committed.url, 3, 2), ['7:p1', '8:p2']);
    } finally {
      await committed.close();
    }
    const uncommitted = await startTestProxy();
    try {
      assert.deepEqual(await messagesOf(uncommitted.url, 0, 5), ['0:c1', '1:c2', '3:a1', '4:a2', '5:a3']);
    } finally {
      await uncommitted.close();
    }
  });
});

describe('a broker restart', () => {
  let own: OwnBroker;
  let broker: LocalBroker;

  before(async () => {
    own = await startOwnBroker('fetcher');
    broker = own.broker;
  });

  after(() => own?.remove());

  test('the first fetch and commit after the restart reconnect on fresh metadata and succeed', async () => {
    const topic = await createTopic(uniqueTopic('restart'), 1, broker.bootstrapServers);
    const producer = nativeKafka(broker.bootstrapServers).producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ partition: 0, value: 'before' }] });
    await producer.disconnect();
    const group = `restart-${randomUUID()}`;
    const fetcher = new PartitionFetcher(nativeKafka(broker.bootstrapServers));
    try {
      assert.deepEqual(view(await fetcher.fetch([{ topic, partition: 0, offset: 0 }], FETCH)), ['0:before']);
      await fetcher.commit(group, [{ topic, partition: 0, offset: 1 }]);

      await broker.stop();
      await broker.resume();

      // No waiting and no second chance: the very first calls must cope with the dead connection.
      assert.deepEqual(view(await fetcher.fetch([{ topic, partition: 0, offset: 0 }], FETCH)), ['0:before']);
      await fetcher.commit(group, [{ topic, partition: 0, offset: 1 }]);
      const committed = await fetcher.committed(group, [{ topic, partition: 0 }]);
      assert.deepEqual(committed.map((c) => c.offset), [1]);
    } finally {
      await fetcher.close();
    }
  });
});
