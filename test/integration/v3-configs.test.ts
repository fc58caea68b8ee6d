/**
 * API v3 topic configs (Confluent's TopicConfigsResourceIntegrationTest and its multi-topic
 * alter): exact bodies, update and reset round trips, batch alters with validate_only, the 207
 * of a multi-topic alter Kafka partly refuses, Kafka's reasons for a refused value, Confluent's
 * 404s and the bodies refused. Every change is also read back with a native admin client. Broker and cluster-wide configs are in
 * v3-clusters.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { call, startTestProxy, type Reply, type TestProxy } from '../helpers/proxy.ts';

const { ConfigResourceTypes, ConfigSource } = kafkajs;
const JSON_BODY = { 'Content-Type': 'application/json' };
/** Kafka's own reason, which Confluent's 400/40002 carries as its message. */
const INVALID_CLEANUP_POLICY = 'Invalid value bogus for configuration cleanup.policy: String must be one of: compact, delete';
type Admin = ReturnType<ReturnType<typeof nativeKafka>['admin']>;

const put = (url: string, body?: unknown, headers: Record<string, string> = JSON_BODY) => call(url, { method: 'PUT', headers, body });
const post = (url: string, body?: unknown) => call(url, { method: 'POST', headers: JSON_BODY, body });
const del = (url: string, headers: Record<string, string> = { Accept: 'application/json' }) => call(url, { method: 'DELETE', headers });

function assertError(reply: Reply, status: number, errorCode: number, message?: string | RegExp): void {
  const seen = `${reply.status} ${JSON.stringify(reply.body)}`;
  assert.equal(reply.status, status, seen);
  assert.equal(reply.body?.error_code, errorCode, seen);
  if (typeof message === 'string') assert.equal(reply.body.message, message, seen);
  else if (message) assert.match(reply.body.message, message, seen);
}

function assertNoContent(reply: Reply): void {
  assert.equal(reply.status, 204, `${reply.status} ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body, undefined);
}

/** A topic's own dynamic configs as Kafka itself reports them: `name=value`, sorted. */
async function dynamicConfigs(admin: Admin, topic: string): Promise<string[]> {
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
  return resources[0]!.configEntries
    .filter((entry) => entry.configSource === ConfigSource.TOPIC_CONFIG)
    .map((entry) => `${entry.configName}=${entry.configValue}`)
    .sort();
}

describe('v3 topic configs', () => {
  let proxy: TestProxy;
  let admin: Admin;
  let cid: string;
  let base: string;

  before(async () => {
    proxy = await startTestProxy();
    admin = nativeKafka().admin();
    await admin.connect();
    cid = (await admin.describeCluster()).clusterId;
    base = `${proxy.url}/v3/clusters/${cid}`;
  });
  after(async () => {
    await admin.disconnect();
    await proxy.close();
  });

  const configUrl = (topic: string, name: string) => `${base}/topics/${topic}/configs/${name}`;
  const defaultCleanupPolicy = (topic: string) => ({
    kind: 'KafkaTopicConfig',
    metadata: { self: configUrl(topic, 'cleanup.policy'), resource_name: `crn:///kafka=${cid}/topic=${topic}/config=cleanup.policy` },
    cluster_id: cid,
    topic_name: topic,
    name: 'cleanup.policy',
    value: 'delete',
    is_default: true,
    is_read_only: false,
    is_sensitive: false,
    source: 'DEFAULT_CONFIG',
    synonyms: [{ name: 'log.cleanup.policy', value: 'delete', source: 'DEFAULT_CONFIG' }],
  });
  const compactCleanupPolicy = (topic: string) => ({
    ...defaultCleanupPolicy(topic),
    value: 'compact',
    is_default: false,
    source: 'DYNAMIC_TOPIC_CONFIG',
    synonyms: [
      { name: 'cleanup.policy', value: 'compact', source: 'DYNAMIC_TOPIC_CONFIG' },
      { name: 'log.cleanup.policy', value: 'delete', source: 'DEFAULT_CONFIG' },
    ],
  });

  test("a topic's configs: every one, defaults included, by name", async () => {
    const topic = await createTopic(uniqueTopic('v3-configs'));
    const reply = await call(`${base}/topics/${topic}/configs`);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.metadata, { self: `${base}/topics/${topic}/configs`, next: null });
    assert.equal(reply.body.kind, 'KafkaTopicConfigList');
    const names = reply.body.data.map((c: { name: string }) => c.name);
    assert.deepEqual(names, [...names].sort());
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
    assert.deepEqual(names, resources[0]!.configEntries.map((e) => e.configName).sort());
    assert.deepEqual(reply.body.data.find((c: { name: string }) => c.name === 'cleanup.policy'), defaultCleanupPolicy(topic));
    assert.deepEqual(reply.body.data.find((c: { name: string }) => c.name === 'compression.type').synonyms, [
      { name: 'compression.type', value: 'producer', source: 'DEFAULT_CONFIG' },
    ]);
  });

  test('one config, by name', async () => {
    const topic = await createTopic(uniqueTopic('v3-configs'));
    const reply = await call(configUrl(topic, 'cleanup.policy'));
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, defaultCleanupPolicy(topic));
  });

  test('update then reset: the value changes, then is the default again', async () => {
    const topic = await createTopic(uniqueTopic('v3-configs'));
    assertNoContent(await put(configUrl(topic, 'cleanup.policy'), { value: 'compact' }));
    assert.deepEqual((await call(configUrl(topic, 'cleanup.policy'))).body, compactCleanupPolicy(topic));
    assert.deepEqual(await dynamicConfigs(admin, topic), ['cleanup.policy=compact']);

    assertNoContent(await del(configUrl(topic, 'cleanup.policy')));
    assert.deepEqual((await call(configUrl(topic, 'cleanup.policy'))).body, defaultCleanupPolicy(topic));
    assert.deepEqual(await dynamicConfigs(admin, topic), []);
  });

  test("a change keeps the topic's other dynamic configs", async () => {
    const topic = await createTopic(uniqueTopic('v3-configs'));
    assertNoContent(await put(configUrl(topic, 'retention.ms'), { value: '3600000' }));
    assertNoContent(await put(configUrl(topic, 'cleanup.policy'), { value: 'compact' }));
    assert.deepEqual(await dynamicConfigs(admin, topic), ['cleanup.policy=compact', 'retention.ms=3600000']);
    assertNoContent(await del(configUrl(topic, 'retention.ms')));
    assert.deepEqual(await dynamicConfigs(admin, topic), ['cleanup.policy=compact']);
    assertNoContent(await del(configUrl(topic, 'retention.ms')));
    assert.deepEqual(await dynamicConfigs(admin, topic), ['cleanup.policy=compact'], 'resetting a default changes nothing');
  });

  test('configs:alter sets and deletes at once; validate_only changes nothing', async () => {
    const topic = await createTopic(uniqueTopic('v3-configs'));
    const alter = `${base}/topics/${topic}/configs:alter`;
    assertNoContent(await post(alter, { data: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'compression.type', value: 'gzip', operation: 'SET' }] }));
    assert.deepEqual(await dynamicConfigs(admin, topic), ['cleanup.policy=compact', 'compression.type=gzip']);
    const gzip = (await call(configUrl(topic, 'compression.type'))).body;
    assert.equal(gzip.value, 'gzip');
    assert.deepEqual(gzip.synonyms, [
      { name: 'compression.type', value: 'gzip', source: 'DYNAMIC_TOPIC_CONFIG' },
      { name: 'compression.type', value: 'producer', source: 'DEFAULT_CONFIG' },
    ]);

    assertNoContent(await post(alter, { validate_only: true, data: [{ name: 'cleanup.policy', operation: 'DELETE' }, { name: 'retention.ms', value: '1000' }] }));
    assert.deepEqual(await dynamicConfigs(admin, topic), ['cleanup.policy=compact', 'compression.type=gzip']);
    assertError(await post(alter, { validate_only: true, data: [{ name: 'cleanup.policy', value: 'bogus' }] }), 400, 40002, INVALID_CLEANUP_POLICY);

    assertNoContent(await post(alter, { data: [{ name: 'cleanup.policy', operation: 'delete' }, { name: 'retention.ms', value: '1000' }] }));
    assert.deepEqual(await dynamicConfigs(admin, topic), ['compression.type=gzip', 'retention.ms=1000']);
    assertNoContent(await post(alter, { data: [] }));
    assert.deepEqual(await dynamicConfigs(admin, topic), ['compression.type=gzip', 'retention.ms=1000']);
  });

  test("a value Kafka refuses is 400/40002 with Kafka's reason, and changes nothing", async () => {
    const topic = await createTopic(uniqueTopic('v3-configs'));
    assertError(await put(configUrl(topic, 'cleanup.policy'), { value: 'bogus' }), 400, 40002, INVALID_CLEANUP_POLICY);
    assertError(await put(configUrl(topic, 'retention.ms'), { value: 'soon' }), 400, 40002, 'Invalid value soon for configuration retention.ms: Not a number of type LONG');
    assertError(await put(configUrl(topic, 'cleanup.policy'), { value: null }), 400, 40002, 'Null value not supported for : cleanup.policy');
    assertError(await put(configUrl(topic, 'cleanup.policy'), {}), 400, 40002, 'Null value not supported for : cleanup.policy');
    const alter = `${base}/topics/${topic}/configs:alter`;
    assertError(await post(alter, { data: [{ name: 'retention.ms', value: '1000' }, { name: 'cleanup.policy', value: 'bogus' }] }), 400, 40002, INVALID_CLEANUP_POLICY);
    assert.deepEqual(await dynamicConfigs(admin, topic), [], 'a refused alter changes none of its entries');
  });

  test('an unknown config, topic or cluster is 404', async () => {
    const topic = await createTopic(uniqueTopic('v3-configs'));
    const unknownTopic = [404, 40403, 'This server does not host this topic-partition.'] as const;
    const unknownCluster = [404, 404, 'Cluster foobar cannot be found.'] as const;
    const notFor = (name: string) => `Config ${name} cannot be found for TOPIC ${topic} in cluster ${cid}.`;

    assertError(await call(configUrl(topic, 'foobar')), 404, 404, 'HTTP 404 Not Found');
    assertError(await put(configUrl(topic, 'foobar'), { value: 'compact' }), 404, 404, notFor('foobar'));
    assertError(await del(configUrl(topic, 'foobar')), 404, 404, notFor('foobar'));
    assertError(await post(`${base}/topics/${topic}/configs:alter`, { data: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'foobar', value: 'x' }] }), 404, 404, notFor('foobar'));
    assert.deepEqual(await dynamicConfigs(admin, topic), [], 'an alter naming an unknown config changes nothing');

    const missing = uniqueTopic('v3-missing');
    assertError(await call(`${base}/topics/${missing}/configs`), ...unknownTopic);
    assertError(await call(configUrl(missing, 'cleanup.policy')), ...unknownTopic);
    assertError(await put(configUrl(missing, 'cleanup.policy'), { value: 'compact' }), ...unknownTopic);
    assertError(await del(configUrl(missing, 'cleanup.policy')), ...unknownTopic);
    assertError(await post(`${base}/topics/${missing}/configs:alter`, { data: [{ name: 'cleanup.policy', value: 'compact' }] }), ...unknownTopic);

    const other = `${proxy.url}/v3/clusters/foobar/topics/${topic}/configs`;
    assertError(await call(other), ...unknownCluster);
    assertError(await call(`${other}/cleanup.policy`), ...unknownCluster);
    assertError(await put(`${other}/cleanup.policy`, { value: 'compact' }), ...unknownCluster);
    assertError(await put(`${other}/cleanup.policy`, { value: 'compact' }, { 'Content-Type': 'application/json' }), ...unknownCluster);
    assertError(await del(`${other}/cleanup.policy`), ...unknownCluster);
    assertError(await del(`${other}/cleanup.policy`, {}), ...unknownCluster);
    assertError(await post(`${other}:alter`, { data: [] }), ...unknownCluster);
    assert.deepEqual(await dynamicConfigs(admin, topic), []);
  });

  test('bodies that do not bind are refused before anything changes', async () => {
    const topic = await createTopic(uniqueTopic('v3-configs'));
    const alter = `${base}/topics/${topic}/configs:alter`;
    const empty = [422, 42206, 'Payload error. Request body is empty. Data is required.'] as const;
    assertError(await put(configUrl(topic, 'cleanup.policy')), ...empty);
    assertError(await post(alter), ...empty);
    assertError(await put(configUrl(topic, 'cleanup.policy'), { valu: 'compact' }), 400, 400, /^Unrecognized field "valu"/);
    assertError(await put(configUrl(topic, 'cleanup.policy'), { value: ['compact'] }), 400, 400, /java\.lang\.String/);
    assertError(await put(configUrl(topic, 'cleanup.policy'), '{"value":', { 'Content-Type': 'application/json' }), 400, 400);
    assertError(await post(alter, {}), 400, 400, /problem: Null data/);
    assertError(await post(alter, { data: [{ value: 'compact' }] }), 400, 400, /problem: Null name/);
    assertError(await post(alter, { data: [{ name: 'cleanup.policy', value: 'compact', operation: 'UPSERT' }] }), 400, 400, /not one of the values accepted for Enum class: \[SET, DELETE\]/);
    assertError(await post(alter, { data: [{ name: 'cleanup.policy', value: 'compact' }], validate_only: 'maybe' }), 400, 400, /java\.lang\.Boolean/);
    assertError(await put(configUrl(topic, 'cleanup.policy'), { value: 'compact' }, { 'Content-Type': 'text/plain' }), 415, 415);
    assert.deepEqual(await dynamicConfigs(admin, topic), []);
  });
});

describe('v3 configs of every topic', () => {
  let proxy: TestProxy;
  let admin: Admin;
  let cid: string;
  let base: string;

  before(async () => {
    proxy = await startTestProxy();
    admin = nativeKafka().admin();
    await admin.connect();
    cid = (await admin.describeCluster()).clusterId;
    base = `${proxy.url}/v3/clusters/${cid}`;
  });
  after(async () => {
    await admin.disconnect();
    await proxy.close();
  });

  const alterAll = () => `${base}/topics/-/configs:alter`;
  const entry = (topic: string, configs: unknown[]) => ({ topic_name: topic, configs });

  test('topics/-/configs lists the configs of every topic, topic by topic', async () => {
    const first = await createTopic(uniqueTopic('v3-all-a'));
    const second = await createTopic(uniqueTopic('v3-all-b'));
    assertNoContent(await put(`${base}/topics/${second}/configs/delete.retention.ms`, { value: '100000' }));
    const reply = await call(`${base}/topics/-/configs`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.kind, 'KafkaTopicConfigList');
    assert.deepEqual(reply.body.metadata, { self: `${base}/topics/-/configs`, next: null });
    const find = (topic: string, name: string) => reply.body.data.find((c: { topic_name: string; name: string }) => c.topic_name === topic && c.name === name);
    assert.equal(find(first, 'delete.retention.ms').value, '86400000');
    assert.deepEqual(find(second, 'delete.retention.ms'), {
      kind: 'KafkaTopicConfig',
      metadata: { self: `${base}/topics/${second}/configs/delete.retention.ms`, resource_name: `crn:///kafka=${cid}/topic=${second}/config=delete.retention.ms` },
      cluster_id: cid,
      topic_name: second,
      name: 'delete.retention.ms',
      value: '100000',
      is_default: false,
      is_read_only: false,
      is_sensitive: false,
      source: 'DYNAMIC_TOPIC_CONFIG',
      synonyms: [
        { name: 'delete.retention.ms', value: '100000', source: 'DYNAMIC_TOPIC_CONFIG' },
        { name: 'log.cleaner.delete.retention.ms', value: '86400000', source: 'DEFAULT_CONFIG' },
      ],
    });
    const topics: string[] = reply.body.data.map((c: { topic_name: string }) => c.topic_name);
    assert.ok(!topics.includes('__consumer_offsets'), "Kafka's internal topics are left out");
    assert.deepEqual(topics, [...topics].sort(), 'topic by topic');
  });

  test('validate_only checks every topic and changes none', async () => {
    const first = await createTopic(uniqueTopic('v3-all'));
    const second = await createTopic(uniqueTopic('v3-all'));
    const body = { validate_only: true, data: [entry(first, [{ name: 'cleanup.policy', value: 'compact' }]), entry(second, [{ name: 'retention.ms', value: '1000' }])] };
    assertNoContent(await post(alterAll(), body));
    assert.deepEqual(await dynamicConfigs(admin, first), []);
    assert.deepEqual(await dynamicConfigs(admin, second), []);
  });

  test('every topic altered: 204', async () => {
    const first = await createTopic(uniqueTopic('v3-all'));
    const second = await createTopic(uniqueTopic('v3-all'));
    const body = {
      data: [
        entry(first, [{ name: 'cleanup.policy', value: 'compact' }, { name: 'compression.type', value: 'gzip' }]),
        entry(second, [{ name: 'cleanup.policy', value: 'compact' }]),
      ],
    };
    assertNoContent(await post(alterAll(), body));
    assert.deepEqual(await dynamicConfigs(admin, first), ['cleanup.policy=compact', 'compression.type=gzip']);
    assert.deepEqual(await dynamicConfigs(admin, second), ['cleanup.policy=compact']);
    assertNoContent(await post(alterAll(), { data: [entry(first, [{ name: 'compression.type', operation: 'DELETE' }])] }));
    assert.deepEqual(await dynamicConfigs(admin, first), ['cleanup.policy=compact']);
  });

  test('a value Kafka refuses for one topic: 207 naming that topic, the others altered', async () => {
    const good = await createTopic(uniqueTopic('v3-all-good'));
    const bad = await createTopic(uniqueTopic('v3-all-bad'));
    const reply = await post(alterAll(), {
      data: [entry(good, [{ name: 'cleanup.policy', value: 'compact' }]), entry(bad, [{ name: 'cleanup.policy', value: 'invalid_xyz' }])],
    });
    assert.equal(reply.status, 207, JSON.stringify(reply.body));
    assert.equal(reply.body.failures.length, 1);
    const [failure] = reply.body.failures;
    assert.deepEqual(Object.keys(failure), ['topic_name', 'error_code', 'message']);
    assert.equal(failure.topic_name, bad);
    assert.equal(failure.error_code, 40002);
    assert.equal(failure.message, 'Invalid value invalid_xyz for configuration cleanup.policy: String must be one of: compact, delete');
    assert.deepEqual(await dynamicConfigs(admin, good), ['cleanup.policy=compact']);
    assert.deepEqual(await dynamicConfigs(admin, bad), []);
  });

  test('an unknown cluster, topic or config is 404 and changes no topic', async () => {
    const topic = await createTopic(uniqueTopic('v3-all'));
    const change = entry(topic, [{ name: 'cleanup.policy', value: 'compact' }]);
    assertError(await post(`${proxy.url}/v3/clusters/foobar/topics/-/configs:alter`, { data: [change] }), 404, 404, 'Cluster foobar cannot be found.');
    assertError(await call(`${proxy.url}/v3/clusters/foobar/topics/-/configs`), 404, 404, 'Cluster foobar cannot be found.');
    assertError(
      await post(alterAll(), { data: [change, entry(topic, [{ name: 'non-existing-config', value: 'val' }])] }),
      404,
      404,
      `Config non-existing-config cannot be found for TOPIC ${topic} in cluster ${cid}.`,
    );
    const other = await createTopic(uniqueTopic('v3-all'));
    assertError(
      await post(alterAll(), { data: [change, entry(other, [{ name: 'non-existing-config', value: 'val' }])] }),
      404,
      404,
      `Config non-existing-config cannot be found for TOPIC ${other} in cluster ${cid}.`,
    );
    assertError(await post(alterAll(), { data: [change, entry(uniqueTopic('v3-missing'), [{ name: 'cleanup.policy', value: 'compact' }])] }), 404, 40403);
    assert.deepEqual(await dynamicConfigs(admin, topic), []);
  });

  test('bodies that do not bind are refused', async () => {
    assertError(await post(alterAll()), 422, 42206, 'Payload error. Request body is empty. Data is required.');
    assertError(await post(alterAll(), { data: [{ configs: [] }] }), 400, 400, /problem: Null topicName/);
    assertError(await post(alterAll(), { data: [{ topic_name: 't' }] }), 400, 400, /problem: Null configs/);
    assertError(await post(alterAll(), { data: [{ topic_name: 't', configs: [], extra: 1 }] }), 400, 400, /^Unrecognized field "extra"/);
    assertNoContent(await post(alterAll(), { data: [] }));
  });
});
