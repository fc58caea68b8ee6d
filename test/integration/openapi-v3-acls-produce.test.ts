/**
 * docs/openapi.json's 'v3 acls' and 'v3 produce' operations against the real proxy and brokers:
 * each is called with a success and errors, and every reply must be what the document says
 * (status, Content-Type, body schema). ACLs run on a broker of their own with an authorizer, as
 * v3-acls.test.ts does; produce on the suite's broker. The streaming produce answers a sequence
 * of JSON objects, each followed by \r\n: each object is checked on its own. Ends by asserting
 * that every operation of the two tags was exercised.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { documentedApi, type Expect } from '../helpers/documented-api.ts';
import { checkResponse, coverage } from '../helpers/openapi-check.ts';
import { startAclBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { parseBody, startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { localClusterId, recordsPath } from '../helpers/v3-produce.ts';

const JSON_TYPE: Record<string, string> = { 'Content-Type': 'application/json' };
const BODY_LIMIT = 4096;
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Every call here names its whole URL. */
const api = documentedApi(() => '');

/**
 * A streaming produce (raw HTTP: call() would read the stream as one body). A 200 is split at
 * every \r\n and each object checked on its own; any other status is one checked body.
 */
async function stream(url: string, body: string, expect: { status: number; code?: number; headers?: Record<string, string> }): Promise<any[]> {
  const response = await fetch(url, { method: 'POST', headers: { ...JSON_TYPE, ...expect.headers }, body: Buffer.from(body) });
  const type = response.headers.get('content-type');
  const text = await response.text();
  const seen = `POST ${url} → ${response.status} ${type} ${text.slice(0, 400)}`;
  assert.equal(response.status, expect.status, seen);
  if (response.status !== 200) {
    const parsed = parseBody(text) as { error_code?: number } | undefined;
    if (expect.code !== undefined) assert.equal(parsed?.error_code, expect.code, seen);
    assert.deepEqual(checkResponse('POST', url, response.status, type, parsed), [], seen);
    return [parsed];
  }
  assert.ok(text.endsWith('\r\n'), `every object ends with \\r\\n: ${seen}`);
  const entries = text.slice(0, -2).split('\r\n').map((line) => JSON.parse(line) as { error_code: number });
  for (const entry of entries) assert.deepEqual(checkResponse('POST', url, 200, type, entry), [], `${JSON.stringify(entry)} in ${seen}`);
  return entries;
}

describe('docs/openapi.json describes v3 ACLs and produce', () => {
  let own: OwnBroker;
  let aclProxy: TestProxy;
  let proxy: TestProxy;
  let acls: string; // <aclProxy>/v3/clusters/<own id>/acls
  let clusterId: string; // the suite broker's
  let topic: string;

  before(async () => {
    own = await startAclBroker('openapi-acls');
    aclProxy = await startTestProxy({ 'bootstrap.servers': own.broker.bootstrapServers, 'request.body.max.bytes': String(BODY_LIMIT) });
    const admin = nativeKafka(own.broker.bootstrapServers).admin();
    await admin.connect();
    try {
      acls = `${aclProxy.url}/v3/clusters/${(await admin.describeCluster()).clusterId}/acls`;
    } finally {
      await admin.disconnect();
    }
    proxy = await startTestProxy({ 'producer.max.block.ms': '1000', 'request.body.max.bytes': String(BODY_LIMIT) });
    clusterId = await localClusterId();
    topic = await createTopic(uniqueTopic('openapi-v3-produce'), 2);
  });
  after(async () => {
    await proxy?.close();
    await aclProxy?.close();
    await own?.remove();
  });

  test('ACLs: search, create, batch create, delete, and their errors', async () => {
    const principal = `User:${uniqueTopic('openapi-acl')}`;
    const acl = { resource_type: 'TOPIC', resource_name: uniqueTopic('orders'), pattern_type: 'LITERAL', principal, host: '*', operation: 'READ', permission: 'ALLOW' };
    const byPrincipal = `${acls}?principal=${encodeURIComponent(principal)}`;
    const post = (body: unknown, status: number, code?: number, headers = JSON_TYPE): Expect => ({ headers, body, status, code });

    const none = await api('GET', byPrincipal, { status: 200 });
    assert.deepEqual(none.body.data, []);
    const created = await api('POST', acls, post(acl, 201));
    const self = created.headers.get('location')!;
    await api('POST', `${acls}:batch`, post({ data: [{ ...acl, operation: 'WRITE' }, { ...acl, resource_type: 'GROUP', pattern_type: 'PREFIXED', operation: 'describe' }] }, 204));
    await api('POST', `${acls}:batch`, post({ data: [] }, 204));
    const found = await api('GET', byPrincipal, { status: 200 });
    assert.deepEqual(
      found.body.data.map((a: { resource_type: string; operation: string }) => `${a.resource_type} ${a.operation}`),
      ['TOPIC READ', 'TOPIC WRITE', 'GROUP DESCRIBE'],
    );
    assert.equal(found.body.data[0].metadata.self, self);
    await api('GET', `${acls}?resource_type=group&pattern_type=match&resource_name=x&${byPrincipal.split('?')[1]}`, { status: 200 });

    // Search errors.
    await api('GET', `${acls}?resource_type=UNKNOWN`, { status: 400, code: 400 });
    await api('GET', `${acls}?operation=READING`, { status: 404, code: 404 });
    await api('GET', acls.replace(/clusters\/[^/]+/, 'clusters/no-such-cluster'), { status: 404, code: 404 });
    await api('GET', acls, { headers: { Accept: 'text/plain' }, status: 406, code: 406 });

    // Create errors.
    await api('POST', acls, post({ ...acl, pattern_type: 'MATCH' }, 400, 400));
    await api('POST', acls, post({ ...acl, topic: 'x' }, 400, 400));
    await api('POST', acls, post('{"resource_type":', 400, 400));
    await api('POST', acls, post({ ...acl, principal: 'alice' }, 400, 40002));
    await api('POST', acls, post(undefined, 422, 42206));
    await api('POST', acls, post(JSON.stringify(acl), 415, 415, { 'Content-Type': 'text/plain' }));
    await api('POST', acls, post({ ...acl, host: 'h'.repeat(BODY_LIMIT) }, 413, 413));
    await api('POST', acls.replace(/clusters\/[^/]+/, 'clusters/no-such-cluster'), post(acl, 404, 404));
    await api('POST', acls, { ...post(acl, 406, 406), headers: { ...JSON_TYPE, Accept: 'text/html' } });

    // Batch errors: nothing of a refused batch is created.
    await api('POST', `${acls}:batch`, post(undefined, 422, 42206));
    await api('POST', `${acls}:batch`, post({}, 422, 42206));
    await api('POST', `${acls}:batch`, post({ data: [acl, { ...acl, operation: 'ANY' }] }, 400, 400));
    await api('POST', `${acls}:batch`, post({ data: [{ ...acl, resource_type: 'CLUSTER' }] }, 400, 40002));
    await api('POST', `${acls}:batch`, post(JSON.stringify({ data: [acl] }), 415, 415, { 'Content-Type': 'text/plain' }));
    await api('POST', `${acls.replace(/clusters\/[^/]+/, 'clusters/no-such-cluster')}:batch`, post({ data: [acl] }, 404, 404));

    // Delete: one by its self URL, then the rest by filter; the errors delete nothing.
    await api('DELETE', acls, { status: 400, code: 400 });
    await api('DELETE', `${acls}?resource_type=ANY&pattern_type=ANY&operation=UNKNOWN&permission=ANY`, { status: 400, code: 400 });
    await api('DELETE', `${acls}?resource_type=teapot&pattern_type=ANY&operation=ANY&permission=ANY`, { status: 404, code: 404 });
    await api('DELETE', `${acls.replace(/clusters\/[^/]+/, 'clusters/no-such-cluster')}?resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY`, { status: 404, code: 404 });
    const one = await api('DELETE', self, { status: 200 });
    assert.equal(one.body.data.length, 1);
    const rest = await api('DELETE', `${byPrincipal}&resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY`, { status: 200 });
    assert.equal(rest.body.data.length, 2);
    assert.deepEqual((await api('GET', byPrincipal, { status: 200 })).body.data, []);
  });

  test("ACLs on a broker without an authorizer: Kafka's SECURITY_DISABLED, 400 / 40002", async () => {
    const noAuthorizer = `${proxy.url}/v3/clusters/${clusterId}/acls`;
    const acl = { resource_type: 'TOPIC', resource_name: 't', pattern_type: 'LITERAL', principal: 'User:x', host: '*', operation: 'READ', permission: 'ALLOW' };
    await api('GET', noAuthorizer, { status: 400, code: 40002 });
    await api('POST', noAuthorizer, { headers: JSON_TYPE, body: acl, status: 400, code: 40002 });
    await api('POST', `${noAuthorizer}:batch`, { headers: JSON_TYPE, body: { data: [acl] }, status: 400, code: 40002 });
    await api('DELETE', `${noAuthorizer}?resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY`, { status: 400, code: 40002 });
  });

  test('streaming produce: every object of the stream, receipts and per-record errors alike', async () => {
    const url = `${proxy.url}${recordsPath(clusterId, topic)}`;
    const records = [
      { partition_id: 1, headers: [{ name: 'h', value: b64('1') }, { name: 'h', value: null }], key: { type: 'BINARY', data: b64('k') }, value: { type: 'JSON', data: { n: 1 } }, timestamp: '2021-02-05T19:14:42.123Z' },
      { key: { type: 'STRING', data: 'k' }, value: { type: 'AVRO', schema: '{"type":"record","name":"Order","fields":[{"name":"n","type":"int"}]}', data: { n: 2 } } },
      {},
      { value: { type: 'BINARY', data: 'fooba' } },
      { partition_id: -1, value: { type: 'STRING', data: 'x' } },
      { partition_id: 7, value: { type: 'STRING', data: 'x' } },
      { value: { type: 'STRING', schema: '"string"', data: 'x' } },
      { records: [] },
      { timestamp: 1_612_552_482, value: { type: 'STRING', data: null } },
    ];
    const entries = await stream(url, `${records.map((r) => JSON.stringify(r)).join('\n')}\n{"value": `, { status: 200 });
    assert.deepEqual(
      entries.map((e) => e.error_code),
      [200, 200, 200, 400, 40402, 40401, 400, 400, 200, 400],
    );
    assert.deepEqual(entries[1].value, { type: 'AVRO', subject: `${topic}-value`, schema_id: entries[1].value.schema_id, schema_version: 1, size: 6 });
    assert.equal(entries[2].key, undefined, 'no key, no value');
    assert.deepEqual(entries[8].value, { type: 'STRING', size: -1 });

    // A topic that does not show up within producer.max.block.ms, and a cluster id that is not checked.
    const missing = await stream(`${proxy.url}${recordsPath('any-cluster', uniqueTopic('openapi-missing'))}`, '{"value":{"type":"STRING","data":"x"}}', { status: 200 });
    assert.equal(missing[0].error_code, 40401);

    // Request-level failures are HTTP statuses.
    await stream(url, '', { status: 422, code: 42206 });
    await stream(url, ' \r\n ', { status: 422, code: 42206 });
    await stream(url, '{}', { status: 400, code: 400, headers: { 'Content-Type': 'application/json; charset=DEADBEEF' } });
    await stream(url, '{}', { status: 415, code: 415, headers: { 'Content-Type': 'text/plain' } });
    await stream(url, '{}', { status: 406, code: 406, headers: { Accept: 'text/plain' } });
  });

  test('records:batch: 207 with successes and failures, and the batch’s own errors', async () => {
    const url = `${proxy.url}${recordsPath(clusterId, topic)}:batch`;
    const batch = (body: unknown, status: number, code?: number, headers = JSON_TYPE) => api('POST', url, { headers, body, status, code });
    const entry = (id: unknown, extra: object = {}) => ({ id, value: { type: 'STRING', data: `value-${String(id)}` }, ...extra });

    const reply = await batch(
      {
        entries: [
          { id: 'a', partition_id: 0, headers: [{ name: 'h', value: b64('v') }], key: { type: 'STRING', data: 'k' }, value: { type: 'JSON', data: [1] }, timestamp: '2021-02-05T19:14:42Z' },
          entry('b', { value: { type: 'BINARY', data: 'fooba' } }),
          entry('c', { partition_id: -1 }),
          entry('d'),
        ],
      },
      207,
    );
    assert.deepEqual(
      reply.body.successes.map((s: { id: string }) => s.id),
      ['a', 'd'],
    );
    assert.deepEqual(
      reply.body.failures.map((f: { id: string; error_code: number }) => [f.id, f.error_code]),
      [
        ['b', 400],
        ['c', 40402],
      ],
    );
    const missing = await api('POST', `${proxy.url}${recordsPath(clusterId, uniqueTopic('openapi-missing'))}:batch`, { headers: JSON_TYPE, body: { entries: [entry('1')] }, status: 207 });
    assert.equal(missing.body.failures[0].error_code, 40401);

    await batch(undefined, 422, 42208);
    await batch({ entries: [] }, 422, 42208);
    await batch({ entries: [entry('1'), entry('1')] }, 422, 42208);
    await batch({ entries: Array.from({ length: 11 }, (_, i) => entry(String(i))) }, 422, 42208);
    await batch({ entries: [entry('not valid!')] }, 422, 42208);
    await batch({ records: [entry('1')] }, 422, 422);
    await batch('{"entries": [', 400, 400);
    await batch({ entries: [entry('1', { foo: 1 })] }, 400, 400);
    await batch({ entries: [entry('1', { value: { type: 'STRING', schema: '"string"', data: 'x' } })] }, 400, 400);
    await batch({ entries: [entry('1', { value: { type: 'STRING', data: 'x'.repeat(BODY_LIMIT) } })] }, 413, 413);
    await batch(JSON.stringify({ entries: [entry('1')] }), 415, 415, { 'Content-Type': 'text/plain' });
    await batch({ entries: [entry('1')] }, 406, 406, { ...JSON_TYPE, Accept: 'text/plain' });
  });

  test("every operation of 'v3 acls' and 'v3 produce' was exercised", () => {
    assert.deepEqual(coverage(['v3 acls', 'v3 produce']), { missing: [] });
  });
});
