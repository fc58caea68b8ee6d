/**
 * The idempotent producer's default and its one hazard: after a failed send, kafkajs has rolled
 * sequence numbers back that the broker may already have seen, so different records must not go
 * out on that producer (the broker would drop them as duplicates while acknowledging them).
 * RecordProducer replaces it first. kafkajs is played by a fake that records which producer
 * instance each call reached.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { idempotenceOf } from '../../src/config/kafka-client-options.ts';
import { protocolError, type Kafka, type ProducerBatch, type ProducerConfig } from '../../src/kafka/client.ts';
import { ConnectionLostError, RecordProducer, type OutgoingRecord, type RecordOutcome } from '../../src/kafka/record-producer.ts';

interface Call {
  producer: number;
  topics: string[];
  values: string[];
}

/** A kafkajs stand-in: `failures` decides, call by call, what sendBatch throws (undefined = succeeds). */
function fakeKafka(failures: Array<unknown | undefined> = [], connectFailures: Array<unknown | undefined> = []) {
  const calls: Call[] = [];
  const created: Array<{ config: ProducerConfig; connects: number; disconnects: number }> = [];
  let offset = 0;
  const kafka = {
    producer(config: ProducerConfig) {
      const id = created.length;
      const state = { config, connects: 0, disconnects: 0 };
      created.push(state);
      return {
        connect: async () => {
          state.connects++;
          const failure = connectFailures.shift();
          if (failure) throw failure;
        },
        disconnect: async () => {
          state.disconnects++;
        },
        sendBatch: async (batch: ProducerBatch) => {
          const topicMessages = batch.topicMessages ?? [];
          calls.push({
            producer: id,
            topics: topicMessages.map((t) => t.topic),
            values: topicMessages.flatMap((t) => t.messages.map((m) => String(m.value))),
          });
          const failure = failures.shift();
          if (failure) throw failure;
          return topicMessages.flatMap((t) => {
            const partitions = [...new Set(t.messages.map((m) => m.partition!))];
            return partitions.map((partition) => {
              const baseOffset = String(offset);
              offset += t.messages.filter((m) => m.partition === partition).length;
              return { topicName: t.topic, partition, errorCode: 0, baseOffset };
            });
          });
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, calls, created };
}

const record = (value: string, topic = 't'): OutgoingRecord => ({ topic, partition: 0, key: null, value: Buffer.from(value) });

/** What kafkajs throws when its retries on a request timeout ran out. */
function retriesExhausted(): Error {
  const cause = Object.assign(new Error('Request Produce(key: 0, version: 7) timed out'), { name: 'KafkaJSRequestTimeoutError', retriable: true });
  return Object.assign(new Error(cause.message), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false, originalError: cause });
}

const codes = (outcomes: RecordOutcome[]) => outcomes.map((o) => ('failure' in o ? o.failure.errorCode : 'ok'));

describe('idempotence default', () => {
  test('on unless settings it cannot work with are given; an explicit choice wins', () => {
    assert.equal(idempotenceOf({}), true);
    assert.equal(idempotenceOf({ acks: -1, retry: { retries: 3 } }), true);
    assert.equal(idempotenceOf({ acks: 1 }), false);
    assert.equal(idempotenceOf({ acks: 0 }), false);
    assert.equal(idempotenceOf({ retry: { retries: 0 } }), false);
    assert.equal(idempotenceOf({ idempotent: false }), false);
    assert.equal(idempotenceOf({ idempotent: true }), true);
  });
});

describe('idempotent record producer', () => {
  test('after a send that timed out, the next records go out on a fresh producer', async () => {
    const { kafka, calls, created } = fakeKafka([retriesExhausted()]);
    const renewed: string[] = [];
    const producer = new RecordProducer(kafka, { idempotent: true }, {}, 1_048_576, { onRenewed: (reason) => renewed.push(reason) });
    await producer.connect();
    assert.deepEqual(codes(await producer.send([record('first')])), [50003]);
    assert.deepEqual(codes(await producer.send([record('second')])), ['ok']);
    assert.deepEqual(
      calls.map((c) => [c.producer, c.values]),
      [
        [0, ['first']],
        [1, ['second']],
      ],
    );
    assert.equal(created[0]!.disconnects, 1, 'the stale producer is closed');
    assert.equal(created[1]!.connects, 1, 'the fresh one connects (and gets its producer id) before sending');
    assert.equal(created[1]!.config.idempotent, true);
    assert.deepEqual(renewed, ['Request Produce(key: 0, version: 7) timed out']);
  });

  test('a failed request of a split batch: the requests after it use a fresh producer', async () => {
    const { kafka, calls } = fakeKafka([retriesExhausted()]);
    const producer = new RecordProducer(kafka, { idempotent: true }, {}, 1024);
    await producer.connect();
    const big = 'x'.repeat(600);
    const outcomes = await producer.send([record(`a${big}`), record(`b${big}`)]);
    assert.deepEqual(codes(outcomes), [50003, 'ok']);
    assert.deepEqual(
      calls.map((c) => c.producer),
      [0, 1],
    );
  });

  test("errors of the producer's own state are retriable (50003) and renew the producer", async () => {
    for (const code of [45, 59, 47]) {
      // OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, INVALID_PRODUCER_EPOCH
      const { kafka, calls } = fakeKafka([protocolError(code)]);
      const producer = new RecordProducer(kafka, { idempotent: true }, {});
      await producer.connect();
      const [outcome] = await producer.send([record('one')]);
      assert.ok(outcome && 'failure' in outcome);
      assert.equal(outcome.failure.errorCode, 50003, `code ${code}`);
      assert.equal(outcome.failure.retriable, true);
      await producer.send([record('two')]);
      assert.deepEqual(
        calls.map((c) => c.producer),
        [0, 1],
      );
    }
  });

  test('the per-topic retry of the same records stays on the same producer; only the next records get a fresh one', async () => {
    const denied = protocolError(29); // TOPIC_AUTHORIZATION_FAILED
    const { kafka, calls } = fakeKafka([denied, undefined, denied]);
    const producer = new RecordProducer(kafka, { idempotent: true }, {});
    await producer.connect();
    const outcomes = await producer.send([record('a1', 'a'), record('b1', 'b')]);
    assert.deepEqual(codes(outcomes), ['ok', 40301]);
    await producer.send([record('a2', 'a')]);
    assert.deepEqual(
      calls.map((c) => [c.producer, c.topics.join()]),
      [
        [0, 'a,b'],
        [0, 'a'],
        [0, 'b'],
        [1, 'a'],
      ],
    );
  });

  test('a reconnect (disconnect, connect) gets a fresh producer', async () => {
    const { kafka, calls, created } = fakeKafka();
    const producer = new RecordProducer(kafka, { idempotent: true }, {});
    await producer.connect();
    await producer.disconnect();
    await producer.connect();
    await producer.send([record('x')]);
    assert.equal(created.length, 2);
    assert.deepEqual(
      calls.map((c) => c.producer),
      [1],
    );
  });

  test('a fresh producer that cannot connect counts as a lost connection', async () => {
    const refused = Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSConnectionError', retriable: true });
    const { kafka } = fakeKafka([retriesExhausted()], [undefined, refused]);
    const producer = new RecordProducer(kafka, { idempotent: true }, {});
    await producer.connect();
    await producer.send([record('first')]);
    await assert.rejects(producer.send([record('second')]), (error: unknown) => error instanceof ConnectionLostError && error.failure.connectionLost);
  });

  test('a producer that is not idempotent keeps its producer after a failure', async () => {
    const { kafka, calls, created } = fakeKafka([retriesExhausted()]);
    const producer = new RecordProducer(kafka, {}, {});
    await producer.connect();
    await producer.send([record('first')]);
    await producer.disconnect();
    await producer.connect();
    await producer.send([record('second')]);
    assert.equal(created.length, 1);
    assert.deepEqual(
      calls.map((c) => c.producer),
      [0, 0],
    );
  });

  test('while the connection is lost, the same records are sent again on the same producer until their deadline', async () => {
    const lost = () => Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSConnectionError', retriable: true });
    const { kafka, calls, created } = fakeKafka([lost(), lost()]);
    const producer = new RecordProducer(kafka, { idempotent: true }, {});
    await producer.connect();
    const outcomes = await producer.send([record('kept')], Date.now() + 60_000);
    assert.deepEqual(codes(outcomes), ['ok'], 'acknowledged once the broker answers');
    assert.deepEqual(
      calls.map((c) => [c.producer, c.values]),
      [
        [0, ['kept']],
        [0, ['kept']],
        [0, ['kept']],
      ],
      'the very same records, on the producer whose sequence numbers the broker knows',
    );
    assert.equal(created.length, 1);

    // Without a deadline, or past it, the lost connection is handed to the slot (which reconnects).
    const again = fakeKafka([lost()]);
    const noDeadline = new RecordProducer(again.kafka, { idempotent: true }, {});
    await noDeadline.connect();
    await assert.rejects(noDeadline.send([record('x')]), ConnectionLostError);
    const late = fakeKafka([lost()]);
    const pastDeadline = new RecordProducer(late.kafka, { idempotent: true }, {});
    await pastDeadline.connect();
    await assert.rejects(pastDeadline.send([record('x')], Date.now() + 50), ConnectionLostError);
    const plain = fakeKafka([lost()]);
    const notIdempotent = new RecordProducer(plain.kafka, {}, {});
    await notIdempotent.connect();
    await assert.rejects(notIdempotent.send([record('x')], Date.now() + 60_000), ConnectionLostError, 'without idempotence a resend could write twice');
  });
});
