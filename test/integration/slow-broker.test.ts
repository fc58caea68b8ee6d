/**
 * A broker that stops answering for a while (its JVM paused with SIGSTOP, connections still up)
 * makes one produce request time out: that request's records fail with 50003, and the producer
 * slot keeps its connection and serves the next request at once, instead of reconnecting and
 * failing everything it held (issue 9, item 3).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { b64 } from '../helpers/consumer.ts';
import { pauseBroker, resumeBroker, startOwnBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

let own: OwnBroker;
let proxy: TestProxy;

before(async () => {
  own = await startOwnBroker('slow');
  proxy = await startTestProxy({
    'bootstrap.servers': own.broker.bootstrapServers,
    'producer.pool.size': '1',
    'producer.retries': '0',
    'client.request.timeout.ms': '1500',
  });
});
after(async () => {
  resumeBroker(own?.broker);
  await proxy?.close();
  await own?.remove();
});

test('a request timeout fails its own records only; the slot stays connected', async () => {
  const topic = await createTopic(uniqueTopic('slow'), 1, own.broker.bootstrapServers);
  const ok = await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('before') }] });
  assert.equal(ok.body.offsets[0].error_code, null);
  const journaled = () => proxy.journal.read({ actorType: 'producer-slot' }).map((e) => e.type);
  const reconnectsBefore = journaled().filter((t) => t === 'SlotReconnecting').length;

  await pauseBroker(own.broker);
  let slow;
  try {
    slow = await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('slow') }] });
  } finally {
    await sleep(200);
    resumeBroker(own.broker);
  }
  assert.equal(slow.body.offsets[0].error_code, 50003, JSON.stringify(slow.body));

  const next = await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('after') }] });
  assert.equal(next.body.offsets[0].error_code, null, JSON.stringify(next.body));
  assert.equal(journaled().filter((t) => t === 'SlotReconnecting').length, reconnectsBefore, 'the slot never reconnected');
});
