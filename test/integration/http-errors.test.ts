/**
 * Bad input gets the documented status and the JSON error envelope, and the proxy keeps serving
 * (every case is followed by a good request on the same proxy).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createTopic, readRecords, uniqueTopic } from '../helpers/cluster.ts';
import { BINARY, call, produce, startTestProxy, V2, type Reply, type TestProxy } from '../helpers/proxy.ts';

describe('HTTP errors', () => {
  let proxy: TestProxy;
  let topic: string;

  before(async () => {
    proxy = await startTestProxy({ 'request.body.max.bytes': '4096' });
    topic = await createTopic(uniqueTopic('errors'), 1);
  });
  after(() => proxy.close());

  const expectEnvelope = (reply: Reply, status: number, errorCode: number, message?: RegExp) => {
    assert.equal(reply.status, status);
    assert.equal(typeof reply.body, 'object', `JSON body for ${status}`);
    assert.equal(reply.body.error_code, errorCode);
    assert.equal(typeof reply.body.message, 'string');
    if (message) assert.match(reply.body.message, message);
    assert.match(reply.type ?? '', /json/);
  };

  const stillServing = async () => {
    const reply = await produce(proxy, `/topics/${topic}`, { records: [{ value: 'b2s=' }] });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.offsets[0].error_code, null);
  };

  test('malformed JSON → 400 envelope', async () => {
    for (const body of ['{"records":[', 'foobar', '{"records": [{"value": "a"},]}']) {
      expectEnvelope(await produce(proxy, `/topics/${topic}`, body), 400, 400, /Malformed JSON/);
    }
    expectEnvelope(await call(`${proxy.url}/`, { method: 'POST', headers: { 'Content-Type': V2 }, body: '{' }), 400, 400);
    await stillServing();
  });

  test('a Content-Type the resource does not take → 415', async () => {
    for (const type of ['text/plain', 'application/json', 'application/vnd.kafka.v2+json', 'application/x-www-form-urlencoded']) {
      expectEnvelope(await produce(proxy, `/topics/${topic}`, { records: [{ value: 'b2s=' }] }, type), 415, 415, /Unsupported Media Type/);
    }
    expectEnvelope(await call(`${proxy.url}/`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' }), 415, 415);
    await stillServing();
  });

  test('a missing Content-Type on produce means binary', async () => {
    const reply = await call(`${proxy.url}/topics/${topic}`, { method: 'POST', body: { records: [{ value: 'aGk=' }] } });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.offsets[0].error_code, null);
  });

  test('an Accept nothing matches → 406 envelope; q-values are honoured', async () => {
    for (const accept of ['text/plain', 'application/xml', 'application/vnd.kafka.binary.v2+json', 'application/vnd.kafka.v2+json;q=0']) {
      expectEnvelope(await call(`${proxy.url}/topics`, { headers: { Accept: accept } }), 406, 406, /Not Acceptable/);
    }
    const weighted = await call(`${proxy.url}/brokers`, { headers: { Accept: 'application/vnd.kafka.v2+json; q=0.9, application/json; q=0.5' } });
    assert.equal(weighted.type, V2);
    const json = await call(`${proxy.url}/brokers`, { headers: { Accept: 'application/json' } });
    assert.equal(json.status, 200);
    assert.match(json.type ?? '', /^application\/json/);
    const any = await call(`${proxy.url}/brokers`, { headers: { Accept: '*/*' } });
    assert.equal(any.type, V2);
    const rejectOnProduce = await call(`${proxy.url}/topics/${topic}`, {
      method: 'POST',
      headers: { 'Content-Type': BINARY, Accept: 'text/html' },
      body: { records: [{ value: 'b2s=' }] },
    });
    expectEnvelope(rejectOnProduce, 406, 406);
    await stillServing();
  });

  test('no body, {} or empty records → 422; wrong shapes → 400', async () => {
    expectEnvelope(await produce(proxy, `/topics/${topic}`, ''), 422, 422, /empty/);
    expectEnvelope(await produce(proxy, `/topics/${topic}`, {}), 422, 422, /records/);
    expectEnvelope(await produce(proxy, `/topics/${topic}`, { records: [] }), 422, 422, /records/);
    expectEnvelope(await produce(proxy, `/topics/${topic}`, 'null'), 422, 422);
    expectEnvelope(await produce(proxy, `/topics/${topic}`, [1, 2]), 400, 400);
    expectEnvelope(await produce(proxy, `/topics/${topic}`, { records: 'x' }), 400, 400);
    expectEnvelope(await produce(proxy, `/topics/${topic}`, { records: [{ value: 'b2s=', partition: 'one' }] }), 400, 400, /partition/);
    await stillServing();
  });

  test('bad base64 anywhere fails the whole request and writes nothing', async () => {
    const clean = await createTopic(uniqueTopic('nothing-written'), 1);
    const notBase64 = await produce(proxy, `/topics/${clean}`, { records: [{ value: 'b2s=' }, { value: '***' }] });
    expectEnvelope(notBase64, 400, 400, /data="\*\*\*" is not a valid base64 string/);
    const notString = await produce(proxy, `/topics/${clean}`, { records: [{ value: 'b2s=' }, { key: 12, value: 'b2s=' }] });
    expectEnvelope(notString, 400, 400, /data=12 is not a base64 string/);
    const offsets = await call(`${proxy.url}/topics/${clean}/partitions/0/offsets`);
    assert.deepEqual(offsets.body, { beginning_offset: 0, end_offset: 0 }, 'nothing reached Kafka');
    const good = await produce(proxy, `/topics/${clean}`, { records: [{ value: 'Zmlyc3Q=' }] });
    assert.equal(good.body.offsets[0].offset, 0);
    assert.equal((await readRecords(clean, 1))[0]!.value?.toString(), 'first');
  });

  test('an oversized body → 413, announced or streamed', async () => {
    const big = { records: [{ value: Buffer.alloc(6000).toString('base64') }] };
    expectEnvelope(await produce(proxy, `/topics/${topic}`, big), 413, 413, /4096 bytes/);
    // Chunked, no Content-Length: the limit is enforced while reading.
    const chunked = await new Promise<Reply>((resolve, reject) => {
      const url = new URL(`${proxy.url}/topics/${topic}`);
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'Content-Type': BINARY } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'] ?? null, body: JSON.parse(text), headers: new Headers() }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 10; i++) req.write(' '.repeat(1000));
      req.end('{}');
    });
    expectEnvelope(chunked, 413, 413);
    await stillServing();
  });

  test('unknown paths → 404 and wrong methods → 405, as envelopes', async () => {
    expectEnvelope(await call(`${proxy.url}/no/such/path`), 404, 404, /HTTP 404 Not Found/);
    expectEnvelope(await call(`${proxy.url}/brokers`, { method: 'DELETE' }), 405, 405, /Method Not Allowed/);
    expectEnvelope(await call(`${proxy.url}/topics/${topic}`, { method: 'PUT', body: '{}' }), 405, 405);
    await stillServing();
  });

  test('API v3 answers its errors as application/json, also those raised before a route negotiated', async () => {
    for (const [method, path, status] of [
      ['GET', '/v3/no/such/path', 404],
      ['DELETE', '/v3/clusters', 405],
      ['POST', '/v3/clusters/x/topics/t/records', 415],
    ] as const) {
      const reply = await call(`${proxy.url}${path}`, { method, headers: method === 'POST' ? { 'Content-Type': 'text/plain' } : {}, body: method === 'POST' ? '{}' : undefined });
      expectEnvelope(reply, status, status);
      assert.equal(reply.type, 'application/json', `${method} ${path}`);
    }
    // v2's unknown paths keep being typed by Accept, with the v2 type first.
    assert.equal((await call(`${proxy.url}/no/such/path`)).type, 'application/vnd.kafka.v2+json');
  });

  test('the client may set the request id; it is echoed back', async () => {
    const reply = await call(`${proxy.url}/`, { headers: { 'X-Request-Id': 'abc-123' } });
    assert.equal(reply.headers.get('x-request-id'), 'abc-123');
    const generated = await call(`${proxy.url}/`);
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});
