/** Auto-creation on produce, against a scripted admin: Kafka's own topics and illegal names are never created. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kafka } from '../../src/kafka/client.ts';
import { TopicNotPresentError, TopicPartitions } from '../../src/kafka/topic-partitions.ts';

function scriptedKafka(created: string[]): Kafka {
  const unknown = Object.assign(new Error('This server does not host this topic-partition'), { name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      if (!created.includes(topics[0]!)) throw unknown;
      return { topics: [{ name: topics[0], partitions: [{ partitionId: 0, leader: 1 }] }] };
    },
    createTopics: async ({ topics }: { topics: Array<{ topic: string }> }) => {
      created.push(topics[0]!.topic);
      return true;
    },
    describeCluster: async () => ({ brokers: [{ nodeId: 1 }] }),
    describeConfigs: async () => ({ resources: [{ configEntries: [{ configName: 'auto.create.topics.enable', configValue: 'true' }] }] }),
  };
  return { admin: () => admin } as unknown as Kafka;
}

const options = { metadataMaxAgeMs: 60_000, maxBlockMs: 300, allowAutoTopicCreation: true };

test('a produce to a missing topic creates it where the broker allows', async () => {
  const created: string[] = [];
  assert.equal(await new TopicPartitions(scriptedKafka(created), options).count('orders'), 1);
  assert.deepEqual(created, ['orders']);
});

test("Kafka's own topics and illegal names are never created", async () => {
  for (const topic of ['__cluster_metadata', '__consumer_offsets', '__transaction_state', 'a'.repeat(250), 'bad name']) {
    const created: string[] = [];
    await assert.rejects(new TopicPartitions(scriptedKafka(created), options).count(topic), TopicNotPresentError);
    assert.deepEqual(created, [], topic);
  }
});
