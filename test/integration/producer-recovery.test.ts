/**
 * A producer slot whose broker goes away keeps sending its records again (the idempotent producer
 * lets the broker drop what it already has) until their delivery timeout, answers 50003 then,
 * reconnects with backoff, journals the trip, and serves again once the broker is back. Uses a
 * broker of its own so stopping it does not disturb the rest of the suite.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { startOwnBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { produce, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

let own: OwnBroker;
let proxy: TestProxy;

before(async () => {
  own = await startOwnBroker('recovery');
  proxy = await startTestProxy({
    'bootstrap.servers': own.broker.bootstrapServers,
    'producer.pool.size': '2',
    'producer.max.block.ms': '2000',
    'producer.delivery.timeout.ms': '15000',
    'producer.retries': '2',
    'client.socket.connection.setup.timeout.ms': '1000',
  });
});

after(async () => {
  await proxy?.close();
  await own?.remove();
});

test('a slot that loses its broker answers within the delivery timeout, reconnects and serves again', async () => {
  const { broker } = own;
  const topic = await createTopic(uniqueTopic('recover'), 1, broker.bootstrapServers);
  const ok = await produce(proxy, `/topics/${topic}`, { records: [{ value: 'YmVmb3Jl' }] });
  assert.equal(ok.body.offsets[0].error_code, null);

  await broker.stop();
  const down = await produce(proxy, `/topics/${topic}`, { records: [{ value: 'ZG93bg==' }, { value: 'ZG93bg==' }] });
  assert.equal(down.status, 200);
  for (const offset of down.body.offsets) {
    assert.equal(offset.error_code, 50003, JSON.stringify(offset));
    assert.equal(offset.offset, null);
  }

  // While the broker is away, requests keep getting answers, never hanging.
  const stillDown = await produce(proxy, `/topics/${topic}`, { records: [{ value: 'ZG93bg==' }] });
  assert.equal(stillDown.body.offsets[0].error_code, 50003);

  await broker.resume();
  let recovered = null;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const reply = await produce(proxy, `/topics/${topic}`, { records: [{ value: 'YWZ0ZXI=' }] });
    if (reply.body.offsets[0].error_code === null) {
      recovered = reply.body.offsets[0];
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(recovered, 'produce works again after the broker came back');
  assert.equal(recovered.partition, 0);
  assert.ok(recovered.offset >= 1);

  // The slot that failed journals its trip and comes back to ready once its reconnect lands.
  const slotEvents = () => proxy.journal.read({ actorType: 'producer-slot' }).map((e) => ({ slot: e.actorId, type: e.type }));
  const failedSlot = slotEvents().find((e) => e.type === 'SlotReconnecting')?.slot;
  assert.ok(failedSlot, 'a slot journaled SlotReconnecting');
  const tripOf = () => slotEvents().filter((e) => e.slot === failedSlot).map((e) => e.type);
  const readyAgain = () => tripOf().indexOf('SlotReady', tripOf().indexOf('SlotReconnecting')) > 0;
  const until = Date.now() + 60_000;
  while (!readyAgain() && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  const trip = tripOf();
  assert.deepEqual(trip.slice(0, 3), ['SlotConnecting', 'SlotReady', 'SlotReconnecting'], trip.join(', '));
  assert.ok(readyAgain(), `ready again after reconnecting: ${trip.join(', ')}`);
  // Every slot that saw the outage comes back too (each on its own backoff schedule).
  const allReady = () => proxy.pool.slots.every((slot) => slot.state === 'ready');
  const settle = Date.now() + 60_000;
  while (!allReady() && Date.now() < settle) await new Promise((r) => setTimeout(r, 250));
  assert.ok(allReady(), `every slot is ready: ${proxy.pool.slots.map((slot) => slot.state).join(', ')}`);
});
