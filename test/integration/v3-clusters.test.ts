/**
 * API v3 clusters, brokers and their configs (Confluent's ClustersResourceIntegrationTest,
 * BrokersResourceIntegrationTest, BrokerConfigsResourceIntegrationTest,
 * ListAllBrokersConfigsActionIntegrationTest and ClusterConfigsResourceIntegrationTest): exact
 * bodies checked against what a native admin client says of the cluster, update and reset round
 * trips (cluster-wide ones too), Kafka's reasons for what it refuses, sensitive configs kept,
 * Confluent's 404s, and a broker's rack read from a broker of its own started with `broker.rack`.
 * A cluster-wide default is also set with Kafka's own kafka-configs tool (the Java one, from the
 * jars the suite's broker runs on), to check the proxy reads what Kafka's tools write.
 * Topic configs are in v3-configs.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import { kafkaLibs } from '../../src/broker/kafka-jars.ts';
import { bootstrapServers, nativeKafka } from '../helpers/cluster.ts';
import { startOwnBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { call, startTestProxy, type Reply, type TestProxy } from '../helpers/proxy.ts';

const { ConfigResourceTypes, ConfigSource } = kafkajs;
const execFileAsync = promisify(execFile);
const JSON_BODY = { 'Content-Type': 'application/json' };
type Admin = ReturnType<ReturnType<typeof nativeKafka>['admin']>;

const put = (url: string, body?: unknown, headers: Record<string, string> = JSON_BODY) => call(url, { method: 'PUT', headers, body });
const post = (url: string, body?: unknown) => call(url, { method: 'POST', headers: JSON_BODY, body });
const del = (url: string, headers: Record<string, string> = { Accept: 'application/json' }) => call(url, { method: 'DELETE', headers });

interface NativeCluster {
  clusterId: string;
  controller: number | null;
  brokers: Array<{ nodeId: number; host: string; port: number }>;
}

async function nativeCluster(brokers?: string): Promise<NativeCluster> {
  const admin = nativeKafka(brokers).admin();
  await admin.connect();
  try {
    return await admin.describeCluster();
  } finally {
    await admin.disconnect();
  }
}

function assertError(reply: Reply, status: number, errorCode: number, message?: string): void {
  const seen = `${reply.status} ${JSON.stringify(reply.body)}`;
  assert.equal(reply.status, status, seen);
  assert.equal(reply.body?.error_code, errorCode, seen);
  if (message !== undefined) assert.equal(reply.body.message, message, seen);
}

function assertNoContent(reply: Reply, why = ''): void {
  assert.equal(reply.status, 204, `${why} ${reply.status} ${JSON.stringify(reply.body)}`.trim());
}

/** A broker's own dynamic configs as Kafka itself reports them: `name=value`, sorted. */
async function brokerDynamicConfigs(admin: Admin, brokerId: number): Promise<string[]> {
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokerId) }] });
  return resources[0]!.configEntries
    .filter((entry) => entry.configSource === ConfigSource.DYNAMIC_BROKER_CONFIG)
    .map((entry) => `${entry.configName}=${entry.configValue}`)
    .sort();
}

/** What a broker itself says of one of its configs: the value in effect and where it comes from. */
async function brokerView(admin: Admin, brokerId: number, name: string): Promise<{ value: string | null; source: number }> {
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokerId), configNames: [name] }] });
  const entry = resources[0]!.configEntries.find((e) => e.configName === name)!;
  return { value: entry.configValue, source: entry.configSource };
}

/** Kafka's kafka-configs on the cluster-wide broker defaults (`--entity-default`). */
async function kafkaConfigsTool(...change: string[]): Promise<void> {
  const args = ['-cp', `${kafkaLibs}/*`, 'kafka.admin.ConfigCommand', '--bootstrap-server', bootstrapServers(), '--entity-type', 'brokers', '--entity-default', '--alter'];
  // Asynchronously: the proxy under test runs in this process and must go on serving meanwhile.
  await execFileAsync('java', [...args, ...change], { encoding: 'utf8' });
}

/** Retries `check` until it passes: a broker applies a cluster-wide change a moment after the controller took it. */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function expectedBroker(base: string, cid: string, broker: { nodeId: number; host: string; port: number }, rack: string | null = null) {
  const self = `${base}/brokers/${broker.nodeId}`;
  return {
    kind: 'KafkaBroker',
    metadata: { self, resource_name: `crn:///kafka=${cid}/broker=${broker.nodeId}` },
    cluster_id: cid,
    broker_id: broker.nodeId,
    host: broker.host,
    port: broker.port,
    rack,
    configs: { related: `${self}/configs` },
    partition_replicas: { related: `${self}/partition-replicas` },
  };
}

describe('v3 clusters and brokers', () => {
  let proxy: TestProxy;
  let cluster: NativeCluster;
  let base: string;

  before(async () => {
    proxy = await startTestProxy();
    cluster = await nativeCluster();
    base = `${proxy.url}/v3/clusters/${cluster.clusterId}`;
  });
  after(() => proxy.close());

  const expectedCluster = () => ({
    kind: 'KafkaCluster',
    metadata: { self: base, resource_name: `crn:///kafka=${cluster.clusterId}` },
    cluster_id: cluster.clusterId,
    controller: cluster.controller === null ? null : { related: `${base}/brokers/${cluster.controller}` },
    acls: { related: `${base}/acls` },
    brokers: { related: `${base}/brokers` },
    broker_configs: { related: `${base}/broker-configs` },
    consumer_groups: { related: `${base}/consumer-groups` },
    topics: { related: `${base}/topics` },
    partition_reassignments: { related: `${base}/topics/-/partitions/-/reassignment` },
  });

  test('the cluster list holds the one cluster the proxy serves', async () => {
    const reply = await call(`${proxy.url}/v3/clusters`);
    assert.equal(reply.status, 200);
    assert.match(reply.type ?? '', /^application\/json/);
    assert.deepEqual(reply.body, {
      kind: 'KafkaClusterList',
      metadata: { self: `${proxy.url}/v3/clusters`, next: null },
      data: [expectedCluster()],
    });
  });

  test('the cluster, by its id', async () => {
    const reply = await call(base);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, expectedCluster());
    assert.notEqual(reply.body.controller, null, 'a running cluster names a controller');
  });

  test('another cluster id is 404, as Confluent answers it', async () => {
    assertError(await call(`${proxy.url}/v3/clusters/foobar`), 404, 404, 'HTTP 404 Not Found');
  });

  test('the broker list: every broker the metadata names, by id', async () => {
    const reply = await call(`${base}/brokers`);
    assert.equal(reply.status, 200);
    const brokers = [...cluster.brokers].sort((a, b) => a.nodeId - b.nodeId);
    assert.deepEqual(reply.body, {
      kind: 'KafkaBrokerList',
      metadata: { self: `${base}/brokers`, next: null },
      data: brokers.map((broker) => expectedBroker(base, cluster.clusterId, broker)),
    });
  });

  test('one broker, by id', async () => {
    const broker = cluster.brokers[0]!;
    const reply = await call(`${base}/brokers/${broker.nodeId}`);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, expectedBroker(base, cluster.clusterId, broker));
  });

  test('a broker the cluster does not have, or an id that is no integer, is 404', async () => {
    assertError(await call(`${base}/brokers/999`), 404, 404, 'HTTP 404 Not Found');
    assertError(await call(`${base}/brokers/foobar`), 404, 404, 'HTTP 404 Not Found');
    assertError(await call(`${base}/brokers/99999999999`), 404, 404, 'HTTP 404 Not Found');
  });

  test("another cluster's brokers are 404 with the manager's message", async () => {
    const broker = cluster.brokers[0]!.nodeId;
    assertError(await call(`${proxy.url}/v3/clusters/foobar/brokers`), 404, 404, 'Cluster foobar cannot be found.');
    assertError(await call(`${proxy.url}/v3/clusters/foobar/brokers/${broker}`), 404, 404, 'Cluster foobar cannot be found.');
  });

  test('v3 answers JSON only', async () => {
    const reply = await call(`${base}/brokers`, { headers: { Accept: 'text/plain' } });
    assert.equal(reply.status, 406);
  });
});

describe('v3 brokers on a broker with a rack', () => {
  let own: OwnBroker;
  let proxy: TestProxy;

  before(async () => {
    own = await startOwnBroker('v3-rack', { autoCreateTopics: false, properties: { 'broker.rack': 'rack-a' } });
    proxy = await startTestProxy({ 'bootstrap.servers': own.broker.bootstrapServers });
  });
  after(async () => {
    await proxy?.close();
    await own?.remove();
  });

  test("each broker's rack is its broker.rack", async () => {
    const cluster = await nativeCluster(own.broker.bootstrapServers);
    const base = `${proxy.url}/v3/clusters/${cluster.clusterId}`;
    const broker = cluster.brokers[0]!;
    const one = await call(`${base}/brokers/${broker.nodeId}`);
    assert.deepEqual(one.body, expectedBroker(base, cluster.clusterId, broker, 'rack-a'));
    const list = await call(`${base}/brokers`);
    assert.deepEqual(list.body.data, [expectedBroker(base, cluster.clusterId, broker, 'rack-a')]);
  });
});

describe('v3 broker configs', () => {
  let proxy: TestProxy;
  let admin: Admin;
  let cid: string;
  let brokerId: number;
  let base: string;

  before(async () => {
    proxy = await startTestProxy();
    admin = nativeKafka().admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    cid = cluster.clusterId;
    brokerId = cluster.brokers[0]!.nodeId;
    base = `${proxy.url}/v3/clusters/${cid}`;
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), [], 'the tests start from a broker without dynamic configs of its own');
  });
  after(async () => {
    // The suite's broker is shared: leave it as it was, whatever a failed test left behind.
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokerId), configEntries: [] }] });
    await admin.disconnect();
    await proxy.close();
  });

  const configUrl = (name: string) => `${base}/brokers/${brokerId}/configs/${name}`;
  const brokerConfig = (name: string, fields: Record<string, unknown>) => ({
    kind: 'KafkaBrokerConfig',
    metadata: { self: configUrl(name), resource_name: `crn:///kafka=${cid}/broker=${brokerId}/config=${name}` },
    cluster_id: cid,
    broker_id: brokerId,
    name,
    ...fields,
  });
  const defaultMaxConnections = () =>
    brokerConfig('max.connections', {
      value: '2147483647',
      is_default: true,
      is_read_only: false,
      is_sensitive: false,
      source: 'DEFAULT_CONFIG',
      synonyms: [{ name: 'max.connections', value: '2147483647', source: 'DEFAULT_CONFIG' }],
    });

  test("a broker's configs: every one, defaults included, by name", async () => {
    const reply = await call(`${base}/brokers/${brokerId}/configs`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.kind, 'KafkaBrokerConfigList');
    assert.deepEqual(reply.body.metadata, { self: `${base}/brokers/${brokerId}/configs`, next: null });
    const names: string[] = reply.body.data.map((c: { name: string }) => c.name);
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(reply.body.data.find((c: { name: string }) => c.name === 'max.connections'), defaultMaxConnections());
    const logDirs = reply.body.data.find((c: { name: string }) => c.name === 'log.dirs');
    assert.equal(logDirs.is_read_only, true);
    assert.equal(logDirs.source, 'STATIC_BROKER_CONFIG');
  });

  test('brokers/-/configs lists the configs of every broker', async () => {
    const reply = await call(`${base}/brokers/-/configs`);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.metadata, { self: `${base}/brokers/-/configs`, next: null });
    const { brokers } = await admin.describeCluster();
    assert.deepEqual([...new Set(reply.body.data.map((c: { broker_id: number }) => c.broker_id))], brokers.map((b) => b.nodeId).sort((a, b) => a - b));
    assert.deepEqual(reply.body.data.find((c: { name: string }) => c.name === 'max.connections'), defaultMaxConnections());
  });

  test('one config, by name', async () => {
    const reply = await call(configUrl('max.connections'));
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, defaultMaxConnections());
  });

  test('update then reset: the value changes at once, then is the default again', async () => {
    assertNoContent(await put(configUrl('max.connections'), { value: '100000' }));
    assert.deepEqual(
      (await call(configUrl('max.connections'))).body,
      brokerConfig('max.connections', {
        value: '100000',
        is_default: false,
        is_read_only: false,
        is_sensitive: false,
        source: 'DYNAMIC_BROKER_CONFIG',
        synonyms: [
          { name: 'max.connections', value: '100000', source: 'DYNAMIC_BROKER_CONFIG' },
          { name: 'max.connections', value: '2147483647', source: 'DEFAULT_CONFIG' },
        ],
      }),
    );
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), ['max.connections=100000']);
    assertNoContent(await del(configUrl('max.connections')));
    assert.deepEqual((await call(configUrl('max.connections'))).body, defaultMaxConnections());
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), []);
  });

  test("changes one after the other keep the broker's other dynamic configs", async () => {
    assertNoContent(await put(configUrl('max.connections'), { value: '100000' }));
    assertNoContent(await put(configUrl('log.cleaner.backoff.ms'), { value: '20000' }));
    assertNoContent(await put(configUrl('max.connections'), { value: '100001' }));
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), ['log.cleaner.backoff.ms=20000', 'max.connections=100001']);
    const alter = `${base}/brokers/${brokerId}/configs:alter`;
    assertNoContent(await post(alter, { validate_only: true, data: [{ name: 'max.connections', operation: 'DELETE' }, { name: 'log.cleaner.threads', value: '2' }] }));
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), ['log.cleaner.backoff.ms=20000', 'max.connections=100001']);
    assertNoContent(await post(alter, { data: [{ name: 'max.connections', operation: 'DELETE' }, { name: 'log.cleaner.backoff.ms', operation: 'DELETE' }] }));
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), []);
    assert.deepEqual((await call(configUrl('max.connections'))).body, defaultMaxConnections());
  });

  test("what Kafka cannot change is 400/40002 with Kafka's reason, and changes nothing", async () => {
    assertError(await put(configUrl('log.dirs'), { value: '/elsewhere' }), 400, 40002, 'Cannot update these configs dynamically: Set(log.dirs)');
    assertError(await put(configUrl('max.connections'), { value: 'many' }), 400, 40002, 'Invalid value many for configuration max.connections: Not a number of type INT');
    assertError(
      await post(`${base}/brokers/${brokerId}/configs:alter`, { data: [{ name: 'max.connections', value: '5' }, { name: 'log.dirs', value: '/x' }] }),
      400,
      40002,
      'Cannot update these configs dynamically: Set(log.dirs)',
    );
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), []);
  });

  test('a change keeps the sensitive configs Kafka never reveals', async () => {
    const secret = 'listener.name.plaintext.ssl.key.password';
    // Set by another client; the proxy reads it back only as a sensitive config without a value.
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokerId), configEntries: [{ name: secret, value: 'hush' }] }] });
    // Kafka's own client answers before the broker applied it: wait until the proxy reads it.
    await eventually(async () => {
      const hidden = (await call(configUrl(secret))).body;
      assert.deepEqual([hidden.source, hidden.is_sensitive, hidden.value], ['DYNAMIC_BROKER_CONFIG', true, null], JSON.stringify(hidden));
    });
    assertNoContent(await put(configUrl('max.connections'), { value: '100000' }));
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), [`${secret}=null`, 'max.connections=100000']);
    assertNoContent(await post(`${base}/brokers/${brokerId}/configs:alter`, { data: [{ name: 'max.connections', operation: 'DELETE' }, { name: secret, operation: 'DELETE' }] }));
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), []);
  });

  test('an unknown config, broker or cluster is 404', async () => {
    const notFor = `Config foobar cannot be found for BROKER ${brokerId} in cluster ${cid}.`;
    assertError(await call(configUrl('foobar')), 404, 404, 'HTTP 404 Not Found');
    assertError(await put(configUrl('foobar'), { value: 'producer' }), 404, 404, notFor);
    assertError(await del(configUrl('foobar')), 404, 404, notFor);
    assertError(await post(`${base}/brokers/${brokerId}/configs:alter`, { data: [{ name: 'max.connections', value: '5' }, { name: 'foobar', value: '1' }] }), 404, 404, notFor);
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), []);

    for (const broker of ['999', 'foobar']) {
      const message = broker === '999' ? 'Broker 999 cannot be found.' : 'HTTP 404 Not Found';
      assertError(await call(`${base}/brokers/${broker}/configs`), 404, 404, message);
      assertError(await call(`${base}/brokers/${broker}/configs/max.connections`), 404, 404, message);
      assertError(await put(`${base}/brokers/${broker}/configs/max.connections`, { value: '5' }), 404, 404, message);
      assertError(await del(`${base}/brokers/${broker}/configs/max.connections`), 404, 404, message);
      assertError(await post(`${base}/brokers/${broker}/configs:alter`, { data: [] }), 404, 404, message);
    }

    const other = `${proxy.url}/v3/clusters/foobar/brokers/${brokerId}/configs`;
    const unknownCluster = [404, 404, 'Cluster foobar cannot be found.'] as const;
    assertError(await call(other), ...unknownCluster);
    assertError(await call(`${proxy.url}/v3/clusters/foobar/brokers/-/configs`), ...unknownCluster);
    assertError(await call(`${other}/max.connections`), ...unknownCluster);
    assertError(await put(`${other}/max.connections`, { value: '5' }), ...unknownCluster);
    assertError(await del(`${other}/max.connections`, {}), ...unknownCluster);
    assertError(await post(`${other}:alter`, { data: [] }), ...unknownCluster);
  });

  test('bodies that do not bind are refused', async () => {
    assertError(await put(configUrl('max.connections')), 422, 42206, 'Payload error. Request body is empty. Data is required.');
    assertError(await put(configUrl('max.connections'), { data: { attributes: { value: '5' } } }), 400, 400);
    assertError(await put(configUrl('max.connections'), { value: null }), 400, 40002, 'Null value not supported for : max.connections');
    assertError(await post(`${base}/brokers/${brokerId}/configs:alter`), 422, 42206);
    assert.deepEqual(await brokerDynamicConfigs(admin, brokerId), []);
  });
});

describe('v3 cluster-wide broker configs', () => {
  const CHANGED = ['log.cleaner.backoff.ms', 'log.cleaner.threads'];
  let proxy: TestProxy;
  let admin: Admin;
  let cid: string;
  let brokerId: number;
  let base: string;

  before(async () => {
    proxy = await startTestProxy();
    admin = nativeKafka().admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    cid = cluster.clusterId;
    brokerId = cluster.brokers[0]!.nodeId;
    base = `${proxy.url}/v3/clusters/${cid}`;
  });
  after(async () => {
    // Whatever a failed test left set cluster-wide, removed with Kafka's own tool (which refuses to delete what is not set).
    for (const name of CHANGED) {
      if ((await call(configUrl(name))).status === 200) await kafkaConfigsTool('--delete-config', name);
    }
    await admin.disconnect();
    await proxy.close();
  });

  const configUrl = (name: string) => `${base}/broker-configs/${name}`;
  const clusterConfig = (name: string, value: string, defaultValue: string) => ({
    kind: 'KafkaClusterConfig',
    metadata: { self: configUrl(name), resource_name: `crn:///kafka=${cid}/broker-config=${name}` },
    cluster_id: cid,
    config_type: 'BROKER',
    name,
    value,
    is_default: false,
    is_read_only: false,
    is_sensitive: false,
    source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
    synonyms: [
      { name, value, source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' },
      { name, value: defaultValue, source: 'DEFAULT_CONFIG' },
    ],
  });

  test('a cluster-wide default shows in the list and by name, and is gone once deleted', async () => {
    await kafkaConfigsTool('--add-config', 'log.cleaner.backoff.ms=20000');
    const expected = {
      kind: 'KafkaClusterConfig',
      metadata: { self: configUrl('log.cleaner.backoff.ms'), resource_name: `crn:///kafka=${cid}/broker-config=log.cleaner.backoff.ms` },
      cluster_id: cid,
      config_type: 'BROKER',
      name: 'log.cleaner.backoff.ms',
      value: '20000',
      is_default: false,
      is_read_only: false,
      is_sensitive: false,
      source: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      synonyms: [
        { name: 'log.cleaner.backoff.ms', value: '20000', source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' },
        { name: 'log.cleaner.backoff.ms', value: '15000', source: 'DEFAULT_CONFIG' },
      ],
    };
    await eventually(async () => assert.deepEqual((await call(configUrl('log.cleaner.backoff.ms'))).body, expected));
    const list = await call(`${base}/broker-configs`);
    assert.equal(list.status, 200);
    assert.equal(list.body.kind, 'KafkaClusterConfigList');
    assert.deepEqual(list.body.metadata, { self: `${base}/broker-configs`, next: null });
    assert.deepEqual(list.body.data.find((c: { name: string }) => c.name === 'log.cleaner.backoff.ms'), expected);
    for (const config of list.body.data) {
      assert.equal(config.source, 'DYNAMIC_DEFAULT_BROKER_CONFIG', 'only what is set cluster-wide');
      assert.equal(config.is_default, false);
    }

    await kafkaConfigsTool('--delete-config', 'log.cleaner.backoff.ms');
    await eventually(async () => assertError(await call(configUrl('log.cleaner.backoff.ms')), 404, 404, 'HTTP 404 Not Found'));
    assert.ok(!(await call(`${base}/broker-configs`)).body.data.some((c: { name: string }) => c.name === 'log.cleaner.backoff.ms'));
  });

  test('update then reset: the cluster-wide value reaches the broker, then is the default again', async () => {
    assertNoContent(await put(configUrl('log.cleaner.threads'), { value: '2' }));
    assert.deepEqual((await call(configUrl('log.cleaner.threads'))).body, clusterConfig('log.cleaner.threads', '2', '1'));
    assert.deepEqual(await brokerView(admin, brokerId, 'log.cleaner.threads'), { value: '2', source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    const ofBroker = (await call(`${base}/brokers/${brokerId}/configs/log.cleaner.threads`)).body;
    assert.equal(ofBroker.source, 'DYNAMIC_DEFAULT_BROKER_CONFIG', 'the broker inherits it');

    assertNoContent(await del(configUrl('log.cleaner.threads')));
    assertError(await call(configUrl('log.cleaner.threads')), 404, 404, 'HTTP 404 Not Found');
    assert.deepEqual(await brokerView(admin, brokerId, 'log.cleaner.threads'), { value: '1', source: ConfigSource.DEFAULT_CONFIG });
    const reset = (await call(`${base}/brokers/${brokerId}/configs/log.cleaner.threads`)).body;
    assert.equal(reset.is_default, true, JSON.stringify(reset));
    assertNoContent(await del(configUrl('log.cleaner.threads')), 'resetting what is not set changes nothing');
    assertError(await call(configUrl('log.cleaner.threads')), 404, 404, 'HTTP 404 Not Found');
  });

  test('broker-configs:alter sets and deletes at once; validate_only changes nothing', async () => {
    const alter = `${base}/broker-configs:alter`;
    assertNoContent(await post(alter, { data: [{ name: 'log.cleaner.threads', value: '2' }, { name: 'log.cleaner.backoff.ms', value: '20000', operation: 'SET' }] }));
    assert.deepEqual((await call(configUrl('log.cleaner.threads'))).body, clusterConfig('log.cleaner.threads', '2', '1'));
    assert.deepEqual((await call(configUrl('log.cleaner.backoff.ms'))).body, clusterConfig('log.cleaner.backoff.ms', '20000', '15000'));

    assertNoContent(await post(alter, { validate_only: true, data: [{ name: 'log.cleaner.threads', operation: 'DELETE' }, { name: 'log.cleaner.backoff.ms', value: '30000' }] }));
    assert.equal((await call(configUrl('log.cleaner.threads'))).body.value, '2');
    assert.equal((await call(configUrl('log.cleaner.backoff.ms'))).body.value, '20000');

    assertNoContent(await post(alter, { data: [{ name: 'log.cleaner.threads', operation: 'delete' }, { name: 'log.cleaner.backoff.ms', operation: 'DELETE' }] }));
    assertError(await call(configUrl('log.cleaner.threads')), 404, 404, 'HTTP 404 Not Found');
    assertError(await call(configUrl('log.cleaner.backoff.ms')), 404, 404, 'HTTP 404 Not Found');
    assert.deepEqual(await brokerView(admin, brokerId, 'log.cleaner.backoff.ms'), { value: '15000', source: ConfigSource.DEFAULT_CONFIG });
  });

  test("what Kafka refuses is 400/40002 with Kafka's reason, and changes nothing", async () => {
    const notANumber = 'Invalid value many for configuration log.cleaner.threads: Not a number of type INT';
    assertError(await put(configUrl('log.cleaner.threads'), { value: 'many' }), 400, 40002, notANumber);
    assertError(await put(configUrl('log.dirs'), { value: '/elsewhere' }), 400, 40002, 'Cannot update these configs dynamically: Set(log.dirs)');
    assertError(await put(configUrl('log.cleaner.threads'), { value: null }), 400, 40002, 'Null value not supported for : log.cleaner.threads');
    assertError(
      await post(`${base}/broker-configs:alter`, { data: [{ name: 'log.cleaner.backoff.ms', value: '20000' }, { name: 'log.cleaner.threads', value: 'many' }] }),
      400,
      40002,
      notANumber,
    );
    assertError(await post(`${base}/broker-configs:alter`, { validate_only: true, data: [{ name: 'log.cleaner.threads', value: 'many' }] }), 400, 40002, notANumber);
    for (const name of CHANGED) assertError(await call(configUrl(name)), 404, 404, 'HTTP 404 Not Found');
  });

  test('an unknown cluster is 404; bodies that do not bind are refused first', async () => {
    const other = `${proxy.url}/v3/clusters/foobar/broker-configs`;
    const unknownCluster = [404, 404, 'Cluster foobar cannot be found.'] as const;
    assertError(await call(other), ...unknownCluster);
    assertError(await call(`${other}/log.cleaner.backoff.ms`), ...unknownCluster);
    assertError(await put(`${other}/log.cleaner.backoff.ms`, { value: '1' }), ...unknownCluster);
    assertError(await del(`${other}/log.cleaner.backoff.ms`), ...unknownCluster);
    assertError(await post(`${other}:alter`, { data: [] }), ...unknownCluster);
    assertError(await put(configUrl('log.cleaner.backoff.ms')), 422, 42206);
    assertError(await post(`${base}/broker-configs:alter`, { data: [{ name: 'x', operation: 'REMOVE' }] }), 400, 400);
  });
});
