/** Healing kafkajs's metadata target set after a topic deletion, on a scripted broker pool. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forgetDeletedTopics, type HealableCluster } from '../../src/kafka/deleted-topics.ts';

/** A broker pool over a cluster holding `existing` topics, failing refreshes as kafkajs does. */
function cluster(existing: string[], known: string[]): HealableCluster & { refreshed: string[][] } {
  const refreshed: string[][] = [];
  const unknown = Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  const c = {
    refreshed,
    targetTopics: new Set(known),
    brokerPool: {
      metadata: { topicMetadata: known.map((topic) => ({ topic })) },
      async refreshMetadata(topics: string[]) {
        refreshed.push(topics);
        if (topics.some((t) => !existing.includes(t))) throw unknown;
      },
      async findConnectedBroker() {
        return { metadata: async () => ({ topicMetadata: existing.map((topic) => ({ topic })) }) };
      },
    },
  };
  return forgetDeletedTopics(c);
}

test('a deleted topic is dropped from the target set and the refresh goes on with the rest', async () => {
  const c = cluster(['b'], ['a']);
  c.targetTopics.add('b');
  await c.brokerPool.refreshMetadata(['a', 'b']);
  assert.deepEqual([...c.targetTopics], ['b']);
  assert.deepEqual(c.refreshed, [['a', 'b'], ['b']]);
});

test('a topic asked for just now that does not exist still fails the refresh', async () => {
  const c = cluster([], ['a']);
  await assert.rejects(c.brokerPool.refreshMetadata(['a', 'new']), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
  assert.ok(!c.targetTopics.has('a'), 'the stale one is forgotten all the same');
});

test('other errors pass through untouched', async () => {
  const c = cluster(['a'], ['a']);
  c.brokerPool.refreshMetadata = async () => {
    throw Object.assign(new Error('down'), { type: 'NETWORK' });
  };
  forgetDeletedTopics(c);
  await assert.rejects(c.brokerPool.refreshMetadata(['a']), /down/);
});
