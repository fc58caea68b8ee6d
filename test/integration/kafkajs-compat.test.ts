/**
 * Evidence that kafkajs 2.2.4 works against the Kafka version the project runs (4.1.x): the
 * operations the proxy relies on, done natively against the suite's broker.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { createTopic, nativeKafka, readRecords, uniqueTopic } from '../helpers/cluster.ts';

const { ConfigResourceTypes, Partitioners } = kafkajs;

test('kafkajs 2.2.4 produces, consumes in a group, commits and administers on Kafka 4.1', async () => {
  const kafka = nativeKafka();
  const topic = await createTopic(uniqueTopic('compat'), 2);
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const sent = await producer.sendBatch({
      topicMessages: [{ topic, messages: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }, { key: 'a', value: 'three' }] }],
    });
    assert.equal(sent.reduce((n, m) => n + m.errorCode, 0), 0);

    const records = await readRecords(topic, 3);
    assert.deepEqual(records.map((r) => r.value?.toString()).sort(), ['one', 'three', 'two']);

    const groupId = `compat-${randomUUID()}`;
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }] });
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    assert.equal(committed[0]?.partitions.find((p) => p.partition === 0)?.offset, '1');
    const { groups } = await admin.listGroups();
    assert.ok(groups.some((g) => g.groupId === groupId), 'the group with committed offsets is listed');

    const { resources } = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
      includeSynonyms: false,
    });
    assert.equal(resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue, 'delete');

    const offsets = await admin.fetchTopicOffsets(topic);
    assert.equal(offsets.reduce((n, o) => n + Number(o.high), 0), 3);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});
