/**
 * Pattern subscriptions are matched in linear time (a catastrophic pattern cannot freeze the
 * proxy) and pick up topics created after subscribing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, readUntil } from '../helpers/consumer.ts';
import { call, produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

let proxy: TestProxy;
before(async () => {
  proxy = await startTestProxy({ 'consumer.pattern.refresh.ms': '1000' });
});
after(() => proxy.close());

test('a catastrophic pattern against many topic names leaves the proxy responsive', async () => {
  // (a+)+b against names of 25+ "a"s takes a backtracking engine minutes per name.
  for (let i = 0; i < 12; i++) await createTopic('a'.repeat(25 + 2 * i), 1);
  const base = await createConsumer(proxy.url, uniqueTopic('redos'));
  const subscribed = await post(`${base}/subscription`, { topic_pattern: '(a+)+b' });
  assert.equal(subscribed.status, 204);
  const live = await fetch(`${proxy.url}/health/live`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(live.status, 200);
  assert.deepEqual((await call(`${base}/subscription`)).body, { topics: [] });
});

test('a pattern subscription picks up a matching topic created after it', async () => {
  const prefix = uniqueTopic('later');
  const first = await createTopic(`${prefix}-1`, 1);
  const base = await createConsumer(proxy.url, uniqueTopic('g'), { 'auto.offset.reset': 'earliest' });
  assert.equal((await post(`${base}/subscription`, { topic_pattern: `${prefix}-\\d+` })).status, 204);
  await produce(proxy, `/topics/${first}`, { records: [{ value: b64('one') }] });
  assert.equal((await readUntil(base, 1)).length, 1);

  const second = await createTopic(`${prefix}-2`, 1);
  await produce(proxy, `/topics/${second}`, { records: [{ value: b64('two') }] });
  const got = await readUntil(base, 1, 30_000);
  assert.equal(got[0]?.topic, second);
  assert.deepEqual((await call(`${base}/subscription`)).body, { topics: [first, second] });
});
