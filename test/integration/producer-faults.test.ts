/**
 * The producer pool against a broker that stops answering (its JVM paused with SIGSTOP, its
 * connections still up), checked against what a native consumer finds in the topic afterwards:
 * - producer.buffer.memory bounds what the pool holds: requests beyond it get 429 and write nothing;
 * - a request answered 50003 at its delivery timeout while still queued is never sent later;
 * - kafkajs's retries of a request that timed out are written once (idempotent producer);
 * - after a send that failed, the next records are not taken for duplicates and dropped.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { b64 } from '../helpers/consumer.ts';
import { pauseBroker, resumeBroker, startOwnBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { BINARY, call, produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { readTopic, untilRecordCount } from '../helpers/topic-contents.ts';

let own: OwnBroker;
const proxies: TestProxy[] = [];

before(async () => {
  own = await startOwnBroker('producer-faults');
});
after(async () => {
  resume();
  for (const proxy of proxies) await proxy.close();
  await own?.remove();
});

const pause = () => pauseBroker(own.broker);
const resume = () => resumeBroker(own?.broker);

async function proxyWith(settings: Record<string, string>): Promise<TestProxy> {
  const proxy = await startTestProxy({ 'bootstrap.servers': own.broker.bootstrapServers, 'producer.pool.size': '1', ...settings });
  proxies.push(proxy);
  return proxy;
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

async function metric(proxy: TestProxy, line: string): Promise<number | null> {
  const text = (await call(`${proxy.managementUrls[0]}/metrics`)).body as string;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? null : Number(found.slice(line.length + 1));
}

/** A topic the proxy has produced to once, so its metadata is cached before the broker is paused. */
async function warmTopic(proxy: TestProxy, prefix: string): Promise<string> {
  const topic = await createTopic(uniqueTopic(prefix), 1, own.broker.bootstrapServers);
  const warm = await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('warm') }] });
  assert.equal(warm.body.offsets[0].error_code, null, JSON.stringify(warm.body));
  return topic;
}

const one = (value: string) => ({ records: [{ value: b64(value) }] });

test('a full producer.buffer.memory answers 429 and writes nothing; what it held is delivered once', async () => {
  // 1,500-byte values cost 1,521 bytes each with their framing: three fit in 5,000 bytes, a fourth does not.
  const proxy = await proxyWith({ 'producer.buffer.memory': '5000', 'producer.max.block.ms': '1000', 'producer.delivery.timeout.ms': '60000' });
  const topic = await warmTopic(proxy, 'buffer');
  const value = (name: string) => name.padEnd(1500, '.');

  await pause();
  let held: Array<ReturnType<typeof produce>>;
  const refused = [];
  try {
    held = ['held-1', 'held-2', 'held-3'].map((name) => produce(proxy, `/topics/${topic}`, one(value(name))));
    await until(() => proxy.pool.buffer.usedBytes === 3 * 1521, 'the three requests are held');
    for (const name of ['refused-1', 'refused-2']) refused.push(await produce(proxy, `/topics/${topic}`, one(value(name))));
    assert.equal(proxy.pool.buffer.usedBytes, 3 * 1521, 'refused requests hold nothing');
  } finally {
    resume();
  }
  for (const reply of refused) {
    assert.equal(reply.status, 429);
    assert.equal(reply.body.error_code, 42901);
    assert.match(reply.body.message, /producer\.buffer\.memory \(5000 bytes\)/);
  }
  const delivered = await Promise.all(held);
  for (const reply of delivered) assert.equal(reply.body.offsets[0].error_code, null, JSON.stringify(reply.body));
  await until(() => proxy.pool.buffer.usedBytes === 0, 'the buffer is empty again');
  assert.equal(await metric(proxy, 'kafka_rest_produce_errors_total{error_code="42901"}'), 2);

  const stored = await readTopic(own.broker.bootstrapServers, topic);
  assert.deepEqual(
    stored.map((r) => r.value!.replace(/\.+$/, '')),
    ['warm', 'held-1', 'held-2', 'held-3'],
    'the held records once each, the refused ones not at all',
  );
  assert.deepEqual(
    delivered.map((r) => r.body.offsets[0].offset),
    [1, 2, 3],
  );
});

test('requests that expired while queued are never sent; the one in flight cannot be recalled', async () => {
  const proxy = await proxyWith({ 'producer.delivery.timeout.ms': '2000', 'producer.max.block.ms': '5000' });
  const topic = await warmTopic(proxy, 'expiry');
  const slot = proxy.pool.slots[0]!;

  await pause();
  let inFlight;
  let queued;
  try {
    const first = produce(proxy, `/topics/${topic}`, one('in-flight'));
    await until(() => slot.describe().inFlight === 1, 'the first request is in flight');
    const rest = ['queued-1', 'queued-2'].map((name) => produce(proxy, `/topics/${topic}`, one(name)));
    // A client that gives up while its records are queued takes them with it.
    const leaving = new AbortController();
    const left = fetch(`${proxy.url}/topics/${topic}`, {
      method: 'POST',
      headers: { 'Content-Type': BINARY },
      body: JSON.stringify(one('client-gone')),
      signal: leaving.signal,
    }).catch((error: unknown) => error);
    await until(() => slot.describe().pending === 3, 'three requests are queued behind it');
    leaving.abort();
    await left;
    await until(() => slot.describe().pending === 2, 'the abandoned request left the queue');
    inFlight = await first;
    queued = await Promise.all(rest);
    assert.deepEqual([slot.describe().pending, slot.describe().inFlight], [0, 1], 'expired requests left the queue; the one in flight stays');
  } finally {
    resume();
  }
  assert.equal(inFlight.body.offsets[0].error_code, 50003);
  assert.match(inFlight.body.offsets[0].error, /already sent and may still be written/);
  for (const reply of queued) {
    assert.equal(reply.body.offsets[0].error_code, 50003);
    assert.match(reply.body.offsets[0].error, /not sent/);
  }
  await until(() => slot.describe().inFlight === 0, 'the request in flight came back');
  const later = await produce(proxy, `/topics/${topic}`, one('later'));
  assert.equal(later.body.offsets[0].error_code, null, JSON.stringify(later.body));

  const stored = await readTopic(own.broker.bootstrapServers, topic);
  assert.deepEqual(
    stored.map((r) => r.value),
    ['warm', 'in-flight', 'later'],
  );
  assert.equal(await metric(proxy, 'kafka_rest_produce_dropped_records_total{reason="delivery_timeout"}'), 2);
  assert.equal(await metric(proxy, 'kafka_rest_produce_dropped_records_total{reason="client_gone"}'), 1);
  assert.equal(await metric(proxy, 'kafka_rest_produce_expired_in_flight_records_total'), 1);
});

test('kafkajs retries of a request that timed out are written once', async () => {
  const proxy = await proxyWith({ 'client.request.timeout.ms': '1500', 'producer.delivery.timeout.ms': '60000' });
  const topic = await warmTopic(proxy, 'retried');

  await pause();
  let reply;
  try {
    const pending = produce(proxy, `/topics/${topic}`, one('retried'));
    // Long enough for the request to time out and be sent again, on the same connection, at least once.
    await sleep(4500);
    resume();
    reply = await pending;
  } finally {
    resume();
  }
  assert.equal(reply.body.offsets[0].error_code, null, JSON.stringify(reply.body));
  const stored = await readTopic(own.broker.bootstrapServers, topic);
  assert.deepEqual(
    stored.map((r) => [r.offset, r.value]),
    [
      [0, 'warm'],
      [1, 'retried'],
    ],
  );
  assert.equal(reply.body.offsets[0].offset, 1);
});

test('after a send that failed although the broker wrote it, the next record is written, not taken for a duplicate', async () => {
  const proxy = await proxyWith({ 'client.request.timeout.ms': '1500', 'producer.retries': '1', 'producer.delivery.timeout.ms': '60000' });
  const topic = await warmTopic(proxy, 'renewed');

  await pause();
  let failed;
  try {
    failed = await produce(proxy, `/topics/${topic}`, one('first'));
  } finally {
    resume();
  }
  assert.equal(failed.body.offsets[0].error_code, 50003, JSON.stringify(failed.body));
  // The broker still had the timed-out requests and writes them as it wakes up.
  await untilRecordCount(own.broker.bootstrapServers, topic, 2);

  const next = await produce(proxy, `/topics/${topic}`, one('second'));
  assert.equal(next.body.offsets[0].error_code, null, JSON.stringify(next.body));
  const stored = await readTopic(own.broker.bootstrapServers, topic);
  assert.deepEqual(
    stored.map((r) => [r.offset, r.value]),
    [
      [0, 'warm'],
      [1, 'first'],
      [2, 'second'],
    ],
  );
  assert.equal(next.body.offsets[0].offset, 2, 'acknowledged at the offset that holds it');
  assert.equal(await metric(proxy, 'kafka_rest_producer_renewals_total'), 1);
});
