/**
 * docs/openapi.json against the real proxy and broker, for API v3's clusters, brokers and configs
 * (tags 'v3 clusters' and 'v3 configs'): every documented operation is called, with a success and
 * at least one error, and every reply must be what the document says (status, Content-Type, body
 * schema). The broker and cluster-wide configs changed here are reset at once, and again in
 * `after` whatever a failed test left. Ends by asserting every operation of the two tags was
 * exercised.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { documentedApi } from '../helpers/documented-api.ts';
import { coverage } from '../helpers/openapi-check.ts';
import { call, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const BODY_LIMIT = 65_536;
const JSON_BODY = { 'Content-Type': 'application/json' };
/** A broker config and a cluster-wide one this file changes (and resets). */
const BROKER_CONFIG = 'max.connections.per.ip';
const CLUSTER_CONFIG = 'log.cleaner.io.max.bytes.per.second';

describe('docs/openapi.json describes v3 clusters, brokers and configs as the proxy answers them', () => {
  let proxy: TestProxy;
  let base: string;
  let brokerId: number;

  const api = documentedApi(() => base, JSON_BODY);

  before(async () => {
    proxy = await startTestProxy({ 'request.body.max.bytes': String(BODY_LIMIT) });
    const clusters = await call(`${proxy.url}/v3/clusters`);
    base = `${proxy.url}/v3/clusters/${clusters.body.data[0].cluster_id as string}`;
    brokerId = (await call(`${base}/brokers`)).body.data[0].broker_id as number;
  });
  after(async () => {
    // The suite's broker is shared: leave it as it was, whatever a failed test left behind.
    await call(`${base}/brokers/${brokerId}/configs/${BROKER_CONFIG}`, { method: 'DELETE' });
    await call(`${base}/broker-configs/${CLUSTER_CONFIG}`, { method: 'DELETE' });
    await proxy.close();
  });

  test('the cluster and its brokers', async () => {
    const clusters = await api('GET', `${proxy.url}/v3/clusters`, { status: 200 });
    assert.equal(clusters.body.data.length, 1);
    await api('GET', `${proxy.url}/v3/clusters`, { headers: { Accept: 'text/plain' }, status: 406, code: 406 });
    const cluster = await api('GET', '', { status: 200 });
    assert.equal(cluster.body.metadata.self, base);
    await api('GET', `${proxy.url}/v3/clusters/foobar`, { status: 404, code: 404 });

    const brokers = await api('GET', '/brokers', { status: 200 });
    assert.ok(brokers.body.data.length >= 1);
    await api('GET', `${proxy.url}/v3/clusters/foobar/brokers`, { status: 404, code: 404 });
    const broker = await api('GET', `/brokers/${brokerId}`, { status: 200 });
    assert.equal(broker.body.broker_id, brokerId);
    await api('GET', '/brokers/999', { status: 404, code: 404 });
    await api('GET', '/brokers/foobar', { status: 404, code: 404 });
  });

  test("a broker's configs: read, set, reset, alter", async () => {
    const all = await api('GET', '/brokers/-/configs', { status: 200 });
    assert.ok(all.body.data.some((c: { broker_id: number }) => c.broker_id === brokerId));
    await api('GET', `${proxy.url}/v3/clusters/foobar/brokers/-/configs`, { status: 404, code: 404 });
    const configs = await api('GET', `/brokers/${brokerId}/configs`, { status: 200 });
    assert.ok(configs.body.data.some((c: { name: string }) => c.name === BROKER_CONFIG));
    await api('GET', '/brokers/999/configs', { status: 404, code: 404 });
    await api('GET', `/brokers/${brokerId}/configs`, { headers: { Accept: 'text/html' }, status: 406, code: 406 });

    const url = `/brokers/${brokerId}/configs/${BROKER_CONFIG}`;
    await api('PUT', url, { body: { value: '1000' }, status: 204 });
    const set = await api('GET', url, { status: 200 });
    assert.deepEqual([set.body.value, set.body.source], ['1000', 'DYNAMIC_BROKER_CONFIG']);
    await api('DELETE', url, { status: 204 });
    assert.equal((await api('GET', url, { status: 200 })).body.is_default, true);
    await api('GET', `/brokers/${brokerId}/configs/foobar`, { status: 404, code: 404 });
    await api('PUT', url, { status: 422, code: 42206 });
    await api('PUT', url, { headers: { 'Content-Type': 'text/plain' }, body: '{"value":"1"}', status: 415, code: 415 });
    await api('PUT', url, { body: { value: 'x'.repeat(BODY_LIMIT) }, status: 413, code: 413 });
    await api('PUT', url, { body: { value: 'many' }, status: 400, code: 40002 });
    await api('PUT', `/brokers/${brokerId}/configs/log.dirs`, { body: { value: '/elsewhere' }, status: 400, code: 40002 });
    await api('PUT', `/brokers/${brokerId}/configs/foobar`, { body: { value: '1' }, status: 404, code: 404 });
    await api('DELETE', `/brokers/${brokerId}/configs/foobar`, { status: 404, code: 404 });

    const alter = `/brokers/${brokerId}/configs:alter`;
    await api('POST', alter, { body: { validate_only: true, data: [{ name: BROKER_CONFIG, value: '1000' }] }, status: 204 });
    await api('POST', alter, { body: { data: [{ name: BROKER_CONFIG, operation: 'delete' }] }, status: 204 });
    await api('POST', alter, { body: { data: [{ name: BROKER_CONFIG, operation: 'REMOVE' }] }, status: 400, code: 400 });
    await api('POST', alter, { status: 422, code: 42206 });
    await api('POST', '/brokers/999/configs:alter', { body: { data: [] }, status: 404, code: 404 });
  });

  test('the cluster-wide broker configs: set, read, alter, remove', async () => {
    const url = `/broker-configs/${CLUSTER_CONFIG}`;
    await api('PUT', url, { body: { value: '1000000000' }, status: 204 });
    const set = await api('GET', url, { status: 200 });
    assert.deepEqual([set.body.value, set.body.config_type, set.body.source], ['1000000000', 'BROKER', 'DYNAMIC_DEFAULT_BROKER_CONFIG']);
    const list = await api('GET', '/broker-configs', { status: 200 });
    assert.ok(list.body.data.some((c: { name: string }) => c.name === CLUSTER_CONFIG));
    await api('GET', `${proxy.url}/v3/clusters/foobar/broker-configs`, { status: 404, code: 404 });
    await api('PUT', url, { body: { value: 'fast' }, status: 400, code: 40002 });
    await api('PUT', `${proxy.url}/v3/clusters/foobar/broker-configs/${CLUSTER_CONFIG}`, { body: { value: '1' }, status: 404, code: 404 });

    const alter = '/broker-configs:alter';
    await api('POST', alter, { body: { validate_only: true, data: [{ name: CLUSTER_CONFIG, value: 'fast' }] }, status: 400, code: 40002 });
    await api('POST', alter, { body: { data: [{ name: CLUSTER_CONFIG, operation: 'DELETE' }] }, status: 204 });
    await api('GET', url, { status: 404, code: 404 });
    await api('POST', alter, { body: {}, status: 400, code: 400 });
    await api('POST', `${proxy.url}/v3/clusters/foobar/broker-configs:alter`, { body: { data: [] }, status: 404, code: 404 });

    await api('PUT', url, { body: { value: '1000000000' }, status: 204 });
    await api('DELETE', url, { status: 204 });
    await api('DELETE', url, { status: 204 }); // not set: nothing to remove
    await api('DELETE', `${proxy.url}/v3/clusters/foobar/broker-configs/${CLUSTER_CONFIG}`, { status: 404, code: 404 });
  });

  test("a topic's configs: read, set, reset, alter", async () => {
    const topic = await createTopic(uniqueTopic('openapi-v3-configs'));
    const missing = uniqueTopic('openapi-v3-missing');
    const configs = await api('GET', `/topics/${topic}/configs`, { status: 200 });
    assert.ok(configs.body.data.some((c: { name: string }) => c.name === 'cleanup.policy'));
    await api('GET', `/topics/${missing}/configs`, { status: 404, code: 40403 });
    await api('GET', `${proxy.url}/v3/clusters/foobar/topics/${topic}/configs`, { status: 404, code: 404 });
    await api('GET', '/topics/bad$name/configs', { status: 400, code: 40002 });

    const url = `/topics/${topic}/configs/cleanup.policy`;
    await api('PUT', url, { body: { value: 'compact' }, status: 204 });
    assert.equal((await api('GET', url, { status: 200 })).body.value, 'compact');
    await api('GET', `/topics/${topic}/configs/foobar`, { status: 404, code: 404 });
    await api('GET', `/topics/${missing}/configs/cleanup.policy`, { status: 404, code: 40403 });
    await api('GET', '/topics/bad$name/configs/cleanup.policy', { status: 400, code: 40002 });
    await api('PUT', url, { body: { value: 'bogus' }, status: 400, code: 40002 });
    await api('PUT', url, { body: { valu: 'compact' }, status: 400, code: 400 });
    await api('PUT', `/topics/${topic}/configs/foobar`, { body: { value: 'x' }, status: 404, code: 404 });
    await api('DELETE', url, { status: 204 });
    assert.equal((await api('GET', url, { status: 200 })).body.is_default, true);
    await api('DELETE', `/topics/${missing}/configs/cleanup.policy`, { status: 404, code: 40403 });
    await api('DELETE', '/topics/bad$name/configs/cleanup.policy', { status: 400, code: 40002 });

    const alter = `/topics/${topic}/configs:alter`;
    await api('POST', alter, { body: { data: [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', operation: 'DELETE' }] }, status: 204 });
    await api('POST', alter, { body: { data: [{ name: 'cleanup.policy', value: 'bogus' }] }, status: 400, code: 40002 });
    await api('POST', alter, { body: { data: [{ name: 'foobar', value: 'x' }] }, status: 404, code: 404 });
    await api('POST', alter, { status: 422, code: 42206 });
    await api('POST', alter, { headers: { 'Content-Type': 'text/plain' }, body: '{"data":[]}', status: 415, code: 415 });
  });

  test('the configs of every topic: read, alter (204, 207)', async () => {
    const good = await createTopic(uniqueTopic('openapi-v3-all'));
    const bad = await createTopic(uniqueTopic('openapi-v3-all'));
    const all = await api('GET', '/topics/-/configs', { status: 200 });
    assert.ok(all.body.data.some((c: { topic_name: string }) => c.topic_name === good));
    await api('GET', `${proxy.url}/v3/clusters/foobar/topics/-/configs`, { status: 404, code: 404 });

    const alter = '/topics/-/configs:alter';
    const entry = (topic: string, value: string) => ({ topic_name: topic, configs: [{ name: 'cleanup.policy', value }] });
    await api('POST', alter, { body: { data: [entry(good, 'compact'), entry(bad, 'compact')] }, status: 204 });
    const partly = await api('POST', alter, { body: { data: [entry(good, 'delete'), entry(bad, 'bogus')] }, status: 207 });
    assert.deepEqual(
      partly.body.failures.map((f: { topic_name: string; error_code: number }) => [f.topic_name, f.error_code]),
      [[bad, 40002]],
    );
    await api('POST', alter, { body: { data: [entry(uniqueTopic('openapi-v3-missing'), 'compact')] }, status: 404, code: 40403 });
    await api('POST', alter, { body: { data: [{ topic_name: good }] }, status: 400, code: 400 });
    await api('POST', alter, { status: 422, code: 42206 });
  });

  test('with api.v3.enable=false, /v3 is 404 as an unknown path', async () => {
    const off = await startTestProxy({ 'api.v3.enable': 'false' });
    try {
      await api('GET', `${off.url}/v3/clusters`, { status: 404, code: 404 });
      await api('GET', `${off.url}/v3/clusters`, { headers: { Accept: 'application/json' }, status: 404, code: 404 });
    } finally {
      await off.close();
    }
  });

  test('every operation of the two tags was exercised', () => {
    assert.deepEqual(coverage(['v3 clusters', 'v3 configs']), { missing: [] });
  });
});
