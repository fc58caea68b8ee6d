/**
 * The settings that shape API v3 as a whole: `api.v3.enable=false` answers 404 under /v3 (and v2
 * keeps working), `confluent.resource.name.authority` names resources `crn://<authority>/…`, and
 * v3 answers are `application/json` exactly, as Confluent's (no charset parameter).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { call, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const proxies: TestProxy[] = [];
after(() => Promise.all(proxies.map((proxy) => proxy.close())));

async function proxyWith(properties: Record<string, string>): Promise<TestProxy> {
  const proxy = await startTestProxy(properties);
  proxies.push(proxy);
  return proxy;
}

test('api.v3.enable=false: /v3 is 404 while v2 serves', async () => {
  const proxy = await proxyWith({ 'api.v3.enable': 'false' });
  const clusters = await call(`${proxy.url}/v3/clusters`);
  assert.equal(clusters.status, 404);
  assert.deepEqual(clusters.body, { error_code: 404, message: 'HTTP 404 Not Found' });
  assert.equal((await call(`${proxy.url}/topics`)).status, 200);
});

test('confluent.resource.name.authority names v3 resources; answers are application/json', async () => {
  const topic = await createTopic(uniqueTopic('v3-authority'), 1);
  const proxy = await proxyWith({ 'confluent.resource.name.authority': 'kafka.example.com' });
  const clusters = await call(`${proxy.url}/v3/clusters`);
  assert.equal(clusters.status, 200);
  assert.equal(clusters.type, 'application/json');
  const clusterId = clusters.body.data[0].cluster_id as string;
  assert.equal(clusters.body.data[0].metadata.resource_name, `crn://kafka.example.com/kafka=${clusterId}`);
  const one = await call(`${proxy.url}/v3/clusters/${clusterId}/topics/${topic}`);
  assert.equal(one.body.metadata.resource_name, `crn://kafka.example.com/kafka=${clusterId}/topic=${topic}`);
  const missing = await call(`${proxy.url}/v3/clusters/nope/topics`);
  assert.equal(missing.status, 404);
  assert.equal(missing.type, 'application/json');
  assert.deepEqual(missing.body, { error_code: 404, message: 'Cluster nope cannot be found.' });
});
