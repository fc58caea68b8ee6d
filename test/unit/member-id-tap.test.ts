/** The JoinGroup tap that reports a member's id early, on a scripted kafkajs cluster and broker. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LookupBroker } from '../../src/kafka/broker-lookup.ts';
import { tapJoinGroup } from '../../src/kafka/member-id-tap.ts';

const JOIN_GROUP = 11;
const HEARTBEAT = 12;

/** A broker whose lookup builds requests that say which lookup built them. */
function broker(): LookupBroker {
  const lookup = (name: string) => (apiKey: number) => (request: Record<string, unknown>) => ({ by: name, apiKey, request });
  // As kafkajs's Broker: a data property, replaced by a fresh lookup on every connect.
  return { lookupRequest: lookup('first connect') };
}

test('reports the id of the second JoinGroup request, and leaves other requests alone', async () => {
  const b = broker();
  const ids: string[] = [];
  const cluster = { findGroupCoordinator: async (_request: { groupId: string }) => b };
  tapJoinGroup(cluster, (id) => ids.push(id));
  const coordinator = await cluster.findGroupCoordinator({ groupId: 'g' });
  assert.deepEqual(coordinator.lookupRequest(JOIN_GROUP, {})({}), { by: 'first connect', apiKey: JOIN_GROUP, request: {} });
  coordinator.lookupRequest(JOIN_GROUP, {})({ memberId: 'm-1' });
  coordinator.lookupRequest(HEARTBEAT, {})({ memberId: 'm-1' });
  assert.deepEqual(ids, ['m-1']);
});

test('a lookup kafkajs puts in place when the broker connects again is tapped too', async () => {
  const b = broker();
  const ids: string[] = [];
  const cluster = { findGroupCoordinator: async (_request: { groupId: string }) => b };
  tapJoinGroup(cluster, (id) => ids.push(id));
  await cluster.findGroupCoordinator({ groupId: 'g' });
  // kafkajs's Broker.connect: `this.lookupRequest = lookup(this.versions)`.
  b.lookupRequest = (apiKey: number) => (request: Record<string, unknown>) => ({ by: 'reconnect', apiKey, request });
  const built = (await cluster.findGroupCoordinator({ groupId: 'g' })).lookupRequest(JOIN_GROUP, {})({ memberId: 'm-2' });
  assert.deepEqual(built, { by: 'reconnect', apiKey: JOIN_GROUP, request: { memberId: 'm-2' } });
  assert.deepEqual(ids, ['m-2']);
});
