/**
 * A pool whose every slot Kafka refuses (its login, or the InitProducerId of an idempotent
 * producer: no WRITE anywhere) answers produces with that refusal, as Java's producer throws its
 * ClusterAuthorizationException, rather than a timeout after producer.max.block.ms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { ProducerPool } from '../../src/actors/producer/pool.ts';
import { ErrorCode } from '../../src/errors.ts';
import { Journal } from '../../src/journal/journal.ts';

const refused = Object.assign(new Error('Cluster authorization failed'), { name: 'KafkaJSProtocolError', type: 'CLUSTER_AUTHORIZATION_FAILED' });
const timedOut = Object.assign(new Error('Connection timeout'), { name: 'KafkaJSConnectionError', retriable: true });

function poolWhoseConnect(fails: (slot: number) => Error | null) {
  const journal = Journal.open(':memory:');
  let made = 0;
  const pool = new ProducerPool({
    size: 2,
    lingerMs: 0,
    // Far beyond the test's run: a pool that waited it out would hang the test and fail its code.
    maxBlockMs: 30_000,
    deliveryTimeoutMs: 30_000,
    createProducer: () => {
      const slot = made++;
      return {
        connect: async () => {
          const error = fails(slot);
          if (error) throw error;
        },
        disconnect: async () => undefined,
        send: async (records) => records.map((_, i) => ({ offset: i })),
      };
    },
    partitions: { count: async () => 1 },
    journal,
    logger: pino({ level: 'silent' }),
    backoffMs: () => 60_000,
  });
  pool.start();
  return { pool, close: async () => (await pool.stop(), journal.close()) };
}

test('every slot refused: the produce answers 40301 with Kafka\'s reason', async () => {
  const { pool, close } = poolWhoseConnect(() => refused);
  try {
    const [result] = await pool.produce('t', [{ key: null, value: Buffer.from('v') }]);
    assert.equal(result!.error_code, ErrorCode.KafkaAuthorization);
    assert.match(result!.error!, /Cluster authorization failed/);
  } finally {
    await close();
  }
});

test('one slot refused, one connected: the connected one sends', async () => {
  const { pool, close } = poolWhoseConnect((slot) => (slot === 0 ? refused : null));
  try {
    const [result] = await pool.produce('t', [{ key: null, value: Buffer.from('v') }]);
    assert.equal(result!.error_code, null);
  } finally {
    await close();
  }
});

test('a connection that failed without a refusal is waited for, not answered as one', async () => {
  const { pool, close } = poolWhoseConnect((slot) => (slot === 0 ? refused : timedOut));
  try {
    const answer = await Promise.race([pool.produce('t', [{ key: null, value: Buffer.from('v') }]), new Promise((done) => setTimeout(() => done('still waiting'), 300))]);
    assert.equal(answer, 'still waiting');
  } finally {
    await close();
  }
});
