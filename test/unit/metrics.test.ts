import assert from 'node:assert/strict';
import { codecFor } from '../../src/codecs/index.ts';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { ConsumerCommand } from '../../src/actors/consumer/protocol.ts';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import { pino } from 'pino';
import { ConsumerSupervisor } from '../../src/actors/consumer/supervisor.ts';
import { ProducerPool } from '../../src/actors/producer/pool.ts';
import type { SlotProducer } from '../../src/actors/producer/slot.ts';
import { ErrorCode } from '../../src/errors.ts';
import { Journal } from '../../src/journal/journal.ts';
import { describeKafkaError } from '../../src/kafka/kafka-error.ts';
import type { PartitionFetcher } from '../../src/kafka/partition-fetcher.ts';
import type { FetchedRecord, TopicPartition } from '../../src/kafka/topic-partition.ts';
import { ProxyMetrics } from '../../src/observability/metrics.ts';

const logger = pino({ level: 'silent' });

/** The value of one sample line, e.g. `kafka_rest_produced_records_total{topic="t"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('ProxyMetrics', () => {
  test('counts produced, failed and consumed records with their labels', async () => {
    const metrics = new ProxyMetrics({ collectProcessMetrics: false });
    metrics.recordProduced('orders', 3, 120);
    metrics.recordProduced('orders', 2, 30);
    metrics.recordProduced('audit', 1, 7);
    metrics.recordProduceErrors(ErrorCode.PartitionNotFound, 4);
    metrics.recordConsumed('orders', 5, 150);
    metrics.observeJournalAppend(0.00004);
    metrics.observeJournalAppend(0.002);
    const text = await metrics.render();
    assert.equal(sample(text, 'kafka_rest_produced_records_total{topic="orders"}'), 5);
    assert.equal(sample(text, 'kafka_rest_produced_bytes_total{topic="orders"}'), 150);
    assert.equal(sample(text, 'kafka_rest_produced_records_total{topic="audit"}'), 1);
    assert.equal(sample(text, `kafka_rest_produce_errors_total{error_code="${ErrorCode.PartitionNotFound}"}`), 4);
    assert.equal(sample(text, 'kafka_rest_consumed_records_total{topic="orders"}'), 5);
    assert.equal(sample(text, 'kafka_rest_consumed_bytes_total{topic="orders"}'), 150);
    assert.equal(sample(text, 'kafka_rest_journal_append_seconds_count'), 2);
    assert.equal(sample(text, 'kafka_rest_journal_append_seconds_bucket{le="0.00005"}'), 1);
    assert.equal(sample(text, 'kafka_rest_journal_append_seconds_bucket{le="0.0025"}'), 2);
    assert.match(metrics.contentType, /^text\/plain/);
    assert.doesNotMatch(text, /process_cpu|nodejs_/);
  });

  test('process metrics only when asked', async () => {
    const metrics = new ProxyMetrics({ collectProcessMetrics: true });
    const text = await metrics.render();
    assert.match(text, /^process_cpu_user_seconds_total /m);
    assert.match(text, /^nodejs_eventloop_lag_seconds /m);
  });

  test('topics beyond the cap count as "other", per metric', async () => {
    const metrics = new ProxyMetrics({ collectProcessMetrics: false, maxTopicLabels: 3 });
    for (let i = 0; i < 10; i++) metrics.recordProduced(`t${i}`, 1, 10);
    metrics.recordProduced('t1', 1, 10); // already known: keeps its own label
    metrics.recordConsumed('c0', 1, 1); // the consumed metrics have their own budget
    const text = await metrics.render();
    const produced = text.split('\n').filter((l) => l.startsWith('kafka_rest_produced_records_total{'));
    assert.deepEqual(produced.sort(), [
      'kafka_rest_produced_records_total{topic="other"} 7',
      'kafka_rest_produced_records_total{topic="t0"} 1',
      'kafka_rest_produced_records_total{topic="t1"} 2',
      'kafka_rest_produced_records_total{topic="t2"} 1',
    ]);
    assert.equal(sample(text, 'kafka_rest_produced_bytes_total{topic="other"}'), 70);
    assert.equal(sample(text, 'kafka_rest_consumed_records_total{topic="c0"}'), 1);
  });

  test('the default cap is 1000 distinct topics', async () => {
    const metrics = new ProxyMetrics({ collectProcessMetrics: false });
    for (let i = 0; i < 1500; i++) metrics.recordConsumed(`topic-${i}`, 1, 1);
    const text = await metrics.render();
    assert.equal(text.split('\n').filter((l) => l.startsWith('kafka_rest_consumed_records_total{')).length, 1001);
    assert.equal(sample(text, 'kafka_rest_consumed_records_total{topic="other"}'), 500);
  });

  test('trackStates samples at scrape time and forgets states no longer reported', async () => {
    const metrics = new ProxyMetrics({ collectProcessMetrics: false });
    let states: Record<string, number> = { ready: 2, reconnecting: 1 };
    let calls = 0;
    metrics.trackStates('producer_slots', () => (calls++, states));
    metrics.trackStates('consumer_instances', () => ({ subscribed: 4 }));
    assert.equal(calls, 0);
    let text = await metrics.render();
    assert.equal(calls, 1);
    assert.equal(sample(text, 'kafka_rest_producer_slots{state="ready"}'), 2);
    assert.equal(sample(text, 'kafka_rest_producer_slots{state="reconnecting"}'), 1);
    assert.equal(sample(text, 'kafka_rest_consumer_instances{state="subscribed"}'), 4);
    states = { ready: 3 };
    text = await metrics.render();
    assert.equal(calls, 2);
    assert.equal(sample(text, 'kafka_rest_producer_slots{state="ready"}'), 3);
    assert.equal(sample(text, 'kafka_rest_producer_slots{state="reconnecting"}'), undefined);
    // A second registration replaces the sampler instead of failing on a duplicate metric.
    metrics.trackStates('producer_slots', () => ({ stopped: 3 }));
    text = await metrics.render();
    assert.equal(sample(text, 'kafka_rest_producer_slots{state="stopped"}'), 3);
    assert.equal(sample(text, 'kafka_rest_producer_slots{state="ready"}'), undefined);
  });

  test('a failing sampler does not break the scrape', async () => {
    const metrics = new ProxyMetrics({ collectProcessMetrics: false });
    metrics.trackStates('consumer_instances', () => {
      throw new Error('boom');
    });
    metrics.recordProduced('t', 1, 1);
    const text = await metrics.render();
    assert.equal(sample(text, 'kafka_rest_produced_records_total{topic="t"}'), 1);
  });

  test('two instances keep their own registries', async () => {
    const a = new ProxyMetrics({ collectProcessMetrics: true });
    const b = new ProxyMetrics({ collectProcessMetrics: true });
    a.recordProduced('t', 5, 50);
    b.recordProduced('t', 1, 10);
    a.trackStates('producer_slots', () => ({ ready: 1 }));
    b.trackStates('producer_slots', () => ({ ready: 7 }));
    const [ta, tb] = await Promise.all([a.render(), b.render()]);
    assert.equal(sample(ta, 'kafka_rest_produced_records_total{topic="t"}'), 5);
    assert.equal(sample(tb, 'kafka_rest_produced_records_total{topic="t"}'), 1);
    assert.equal(sample(ta, 'kafka_rest_producer_slots{state="ready"}'), 1);
    assert.equal(sample(tb, 'kafka_rest_producer_slots{state="ready"}'), 7);
  });
});

describe('ProxyMetrics.httpMiddleware with Koa and @koa/router', () => {
  const metrics = new ProxyMetrics({ collectProcessMetrics: false });
  let server: ReturnType<Koa['listen']>;
  let base: string;

  before(async () => {
    const app = new Koa();
    app.silent = true;
    const router = new Router();
    router.get('/consumers/:group/instances/:instance/records', (ctx) => {
      ctx.body = [];
    });
    router.post('/topics/:topic', (ctx) => {
      ctx.status = 422;
      ctx.body = { error_code: 42201 };
    });
    router.get('/boom', () => {
      throw Object.assign(new Error('no'), { status: 503 });
    });
    router.get('/crash', () => {
      throw new Error('unexpected');
    });
    app.use(metrics.httpMiddleware());
    app.use(router.routes());
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.close();
    await once(server, 'close');
  });

  test('labels requests with the route template, method and status', async () => {
    for (const instance of ['a', 'b', 'c']) {
      const response = await fetch(`${base}/consumers/g1/instances/${instance}/records`);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }
    void (await fetch(`${base}/topics/my-topic`, { method: 'POST', body: '{}' })).body?.cancel();
    for (const path of ['/nope/1', '/nope/2', '/consumers/g1']) void (await fetch(`${base}${path}`)).body?.cancel();
    void (await fetch(`${base}/boom`)).body?.cancel();
    void (await fetch(`${base}/crash`)).body?.cancel();
    void (await fetch(`${base}/consumers/g1/instances/a/records`, { method: 'PROPFIND' })).body?.cancel();

    const text = await metrics.render();
    const records = 'method="GET",route="/consumers/:group/instances/:instance/records",status="200"';
    assert.equal(sample(text, `http_requests_total{${records}}`), 3);
    assert.equal(sample(text, `http_request_duration_seconds_count{${records}}`), 3);
    assert.ok(sample(text, `http_request_duration_seconds_sum{${records}}`)! > 0);
    assert.equal(sample(text, 'http_requests_total{method="POST",route="/topics/:topic",status="422"}'), 1);
    assert.equal(sample(text, 'http_requests_total{method="GET",route="unmatched",status="404"}'), 3);
    assert.equal(sample(text, 'http_requests_total{method="GET",route="/boom",status="503"}'), 1);
    assert.equal(sample(text, 'http_requests_total{method="GET",route="/crash",status="500"}'), 1);
    assert.equal(sample(text, 'http_requests_total{method="other",route="unmatched",status="404"}'), 1);
    // No raw path ever becomes a label value.
    assert.doesNotMatch(text, /instances\/a|my-topic|nope/);
  });

  test('works on a bare context too (no router ran)', async () => {
    const own = new ProxyMetrics({ collectProcessMetrics: false });
    const ctx = { method: 'delete', status: 204 } as unknown as Context;
    await own.httpMiddleware()(ctx, async () => undefined);
    const text = await own.render();
    assert.equal(sample(text, 'http_requests_total{method="DELETE",route="unmatched",status="204"}'), 1);
  });
});

describe('instrumentation hooks', () => {
  test('the journal reports each append duration', () => {
    const seen: number[] = [];
    const journal = Journal.open(':memory:', { onAppend: (s) => seen.push(s) });
    try {
      journal.append('a1', 'test', 'Happened', { n: 1 });
      assert.equal(seen.length, 1);
      assert.ok(seen[0]! > 0 && seen[0]! < 1);
      journal.onAppend = undefined;
      journal.append('a1', 'test', 'Happened', { n: 2 });
      assert.equal(seen.length, 1);
    } finally {
      journal.close();
    }
  });

  test('the producer pool reports acknowledged records, their bytes and failures per error code', async () => {
    const metrics = new ProxyMetrics({ collectProcessMetrics: false });
    const journal = Journal.open(':memory:');
    const producer: SlotProducer = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      // Records with the key "bad" fail with a retriable error, the others get offsets.
      send: async (records) =>
        records.map((r, i) =>
          r.key?.toString() === 'bad' ? { failure: describeKafkaError({ name: 'KafkaJSTimeout', message: 'slow', retriable: true }) } : { offset: i },
        ),
    };
    const pool = new ProducerPool({
      size: 1,
      lingerMs: 0,
      maxBlockMs: 2000,
      deliveryTimeoutMs: 5000,
      createProducer: () => producer,
      partitions: { count: async () => 2 },
      journal,
      logger,
      metrics,
    });
    pool.start();
    try {
      const results = await pool.produce('t', [
        { key: Buffer.from('k1'), value: Buffer.from('value') }, // 7 bytes
        { key: null, value: Buffer.from('abc') }, // 3 bytes
        { key: Buffer.from('bad'), value: Buffer.from('x') },
        { key: null, value: Buffer.from('y'), partition: 9 },
      ]);
      assert.deepEqual(
        results.map((r) => r.error_code),
        [null, null, ErrorCode.KafkaRetriableError, ErrorCode.PartitionNotFound],
      );
      const text = await metrics.render();
      assert.equal(sample(text, 'kafka_rest_produced_records_total{topic="t"}'), 2);
      assert.equal(sample(text, 'kafka_rest_produced_bytes_total{topic="t"}'), 10);
      assert.equal(sample(text, `kafka_rest_produce_errors_total{error_code="${ErrorCode.KafkaRetriableError}"}`), 1);
      assert.equal(sample(text, `kafka_rest_produce_errors_total{error_code="${ErrorCode.PartitionNotFound}"}`), 1);
    } finally {
      await pool.stop();
      journal.close();
    }
  });

  test('a consumer instance reports records once their response is delivered, not when it fails', async () => {
    const metrics = new ProxyMetrics({ collectProcessMetrics: false });
    const journal = Journal.open(':memory:');
    const fetcher = {
      committed: async () => [],
      edgeOffsets: async (partitions: TopicPartition[]) => partitions.map((tp) => ({ ...tp, offset: 0 })),
      fetch: async (positions: Array<TopicPartition & { offset: number }>) => {
        const records: FetchedRecord[] = positions.flatMap((p) =>
          p.offset === 0 ? [{ ...p, key: Buffer.from('k'), value: Buffer.from(`${p.topic}-v`), timestamp: 0 }] : [],
        );
        return { records, outOfRange: [], nextOffsets: [] };
      },
    } as unknown as PartitionFetcher;
    const supervisor = new ConsumerSupervisor(
      {
        journal,
        fetcher,
        openReader: null,
        createGroupConsumer: () => {
          throw new Error('not used');
        },
        decoderFor: (format) => codecFor(format)!,
        settings: {
          requestTimeoutMs: 200,
          requestMaxBytes: 1 << 20,
          fetchMinBytes: 0,
          instanceTimeoutMs: 60_000,
          bufferMaxBytes: 1 << 20,
          maxBytesPerPartition: 1 << 20,
          autoCommitIntervalMs: 5000,
          maxPendingRequests: 8,
          patternRefreshMs: 30_000,
        },
        topicNames: async () => ['a', 'bb'],
        logger,
        metrics,
      },
      'p1',
    );
    await supervisor.create('g', {
      name: 'c',
      config: { format: 'binary', autoOffsetReset: 'earliest', autoCommit: false, fetchMinBytes: null, requestTimeoutMs: null },
    });
    const ask = <C extends ConsumerCommand>(command: C) =>
      supervisor.ask({ ref: { group: 'g', instance: 'c' }, requestId: randomUUID(), deadline: Date.now() + 5000, command });
    try {
      await ask({
        type: 'Assign',
        partitions: [
          { topic: 'a', partition: 0 },
          { topic: 'bb', partition: 0 },
        ],
      });
      const first = await ask({ type: 'Read', timeoutMs: 200, maxBytes: 0, format: 'binary' });
      assert.equal(first.records.length, 2);
      await ask({ type: 'Ack', delivery: first.delivery!, delivered: false }); // the response failed: nothing was consumed
      assert.equal(sample(await metrics.render(), 'kafka_rest_consumed_records_total{topic="a"}'), undefined);
      const second = await ask({ type: 'Read', timeoutMs: 200, maxBytes: 0, format: 'binary' });
      assert.equal(second.records.length, 2);
      await ask({ type: 'Ack', delivery: second.delivery!, delivered: true });
      const text = await metrics.render();
      assert.equal(sample(text, 'kafka_rest_consumed_records_total{topic="a"}'), 1);
      assert.equal(sample(text, 'kafka_rest_consumed_bytes_total{topic="a"}'), 4); // "k" + "a-v"
      assert.equal(sample(text, 'kafka_rest_consumed_records_total{topic="bb"}'), 1);
      assert.equal(sample(text, 'kafka_rest_consumed_bytes_total{topic="bb"}'), 5); // "k" + "bb-v"
    } finally {
      await supervisor.close();
      journal.close();
    }
  });
});
