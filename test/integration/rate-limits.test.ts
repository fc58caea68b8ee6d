/**
 * Limits under load (issue 12, item 4): the request rate limit (rate.limit.*), the v3 produce
 * limits (api.v3.produce.rate.limit.*), the cap on consumer instances and on connections. Counts
 * are checked against the token-bucket arithmetic for the measured span of the run, never
 * against durations.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { call, startTestProxy, V2, type TestProxy } from '../helpers/proxy.ts';
import { produceStream, recordsPath } from '../helpers/v3-produce.ts';

const RATE_LIMITED = 'Request rate limit exceeded: The rate limit of requests per second has been exceeded.';
const post = (url: string, body: unknown) => call(url, { method: 'POST', headers: { 'Content-Type': V2 }, body });

describe('rate.limit.permits.per.sec under a bounded flood', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({ 'rate.limit.enable': 'true', 'rate.limit.permits.per.sec': '20', 'rate.limit.costs': 'api.v2.brokers.list=0' });
  });
  after(() => proxy.close());

  it('answers at most the bucket plus its refill, and 429 with Retry-After and the envelope to the rest', async () => {
    const total = 400;
    const parallel = 40;
    const replies: Awaited<ReturnType<typeof call>>[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < total) {
          next++;
          replies.push(await call(`${proxy.url}/`, { headers: { Accept: V2 } }));
        }
      }),
    );
    const elapsedSec = (performance.now() - started) / 1000;
    const ok = replies.filter((r) => r.status === 200);
    const limited = replies.filter((r) => r.status === 429);
    assert.equal(ok.length + limited.length, total, 'every request is answered 200 or 429');
    // The bucket holds 20 and gains 20 a second: no more can have passed in the span of the run.
    const most = 20 + Math.ceil(elapsedSec * 20) + 1;
    assert.ok(ok.length >= 20, `the full bucket lets 20 through (${ok.length})`);
    assert.ok(ok.length <= most, `${ok.length} answered in ${elapsedSec.toFixed(2)} s; the bucket allows ${most}`);
    assert.ok(limited.length >= total - most, `${limited.length} refused`);
    for (const reply of limited) {
      assert.deepEqual(reply.body, { error_code: 429, message: RATE_LIMITED });
      assert.match(reply.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    }
  });

  it('never limits an endpoint whose cost is 0, nor the health checks', async () => {
    // Empty the bucket first, then the free endpoints still answer.
    await Promise.all(Array.from({ length: 60 }, () => call(`${proxy.url}/`, { headers: { Accept: V2 } })));
    const brokers = await Promise.all(Array.from({ length: 30 }, () => call(`${proxy.url}/brokers`, { headers: { Accept: V2 } })));
    assert.deepEqual(new Set(brokers.map((r) => r.status)), new Set([200]));
    const health = await Promise.all(Array.from({ length: 30 }, () => call(`${proxy.url}/health/live`)));
    assert.deepEqual(new Set(health.map((r) => r.status)), new Set([200]));
  });
});

describe('api.v3.produce.rate.limit.* and consumer.instances.max', () => {
  let bytes: TestProxy;
  let count: TestProxy;
  before(async () => {
    [bytes, count] = await Promise.all([
      startTestProxy({ 'api.v3.produce.rate.limit.enabled': 'true', 'api.v3.produce.rate.limit.max.bytes.per.sec': '1', 'consumer.instances.max': '2' }),
      startTestProxy({ 'api.v3.produce.rate.limit.enabled': 'true', 'api.v3.produce.rate.limit.max.requests.per.sec': '1' }),
    ]);
  });
  after(() => Promise.all([bytes.close(), count.close()]));

  it('byte limit 1: the first record is refused in its entry, the request itself is 200', async () => {
    const topic = await createTopic(uniqueTopic('v3-rate-bytes'));
    const reply = await produceStream(`${bytes.url}${recordsPath('any', topic)}`, [{ value: { type: 'STRING', data: 'hello' } }]);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.entries, [{ error_code: 429, message: RATE_LIMITED }]);
  });

  it('count limit 1: the second request’s record is refused, unless a second has passed', async () => {
    const topic = await createTopic(uniqueTopic('v3-rate-count'));
    const started = performance.now();
    const first = await produceStream(`${count.url}${recordsPath('any', topic)}`, [{ value: { type: 'STRING', data: 'a' } }]);
    const second = await produceStream(`${count.url}${recordsPath('any', topic)}`, [{ value: { type: 'STRING', data: 'b' } }]);
    const elapsedSec = (performance.now() - started) / 1000;
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.equal(first.entries[0].error_code, 200, JSON.stringify(first.entries));
    const admitted = [first, second].filter((r) => r.entries[0].error_code === 200).length;
    assert.ok(admitted <= 1 + Math.floor(elapsedSec), `${admitted} admitted in ${elapsedSec.toFixed(2)} s at 1 a second`);
    if (admitted === 1) assert.deepEqual(second.entries, [{ error_code: 429, message: RATE_LIMITED }]);
  });

  it('count limit 1 within one stream: the records after the first are refused and the stream goes on', async () => {
    const topic = await createTopic(uniqueTopic('v3-rate-stream'));
    const started = performance.now();
    const reply = await produceStream(`${count.url}${recordsPath('any', topic)}`, Array.from({ length: 5 }, (_, i) => ({ value: { type: 'STRING', data: `r${i}` } })));
    const elapsedSec = (performance.now() - started) / 1000;
    assert.equal(reply.entries.length, 5, 'one entry per record');
    const admitted = reply.entries.filter((e) => e.error_code === 200).length;
    assert.ok(admitted <= 1 + Math.ceil(elapsedSec) + 1, `${admitted} admitted in ${elapsedSec.toFixed(2)} s`);
    for (const entry of reply.entries.filter((e) => e.error_code !== 200)) assert.deepEqual(entry, { error_code: 429, message: RATE_LIMITED });
  });

  it('consumer.instances.max=2: a third instance is 429 (42903) until one is deleted', async () => {
    const group = uniqueTopic('limited-group');
    const a = await post(`${bytes.url}/consumers/${group}`, { name: 'a' });
    const b = await post(`${bytes.url}/consumers/${group}`, { name: 'b' });
    assert.deepEqual([a.status, b.status], [200, 200]);
    const c = await post(`${bytes.url}/consumers/${group}`, { name: 'c' });
    assert.equal(c.status, 429);
    assert.equal(c.body.error_code, 42903);
    assert.match(c.body.message, /consumer\.instances\.max/);
    const duplicate = await post(`${bytes.url}/consumers/${group}`, { name: 'a' });
    assert.equal(duplicate.status, 409, 'a duplicate name is still a conflict, not a limit');
    const deleted = await call(`${bytes.url}/consumers/${group}/instances/a`, { method: 'DELETE', headers: { 'Content-Type': V2 } });
    assert.equal(deleted.status, 204);
    const again = await post(`${bytes.url}/consumers/${group}`, { name: 'c' });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    await call(`${bytes.url}/consumers/${group}/instances/b`, { method: 'DELETE', headers: { 'Content-Type': V2 } });
    await call(`${bytes.url}/consumers/${group}/instances/c`, { method: 'DELETE', headers: { 'Content-Type': V2 } });
  });
});

describe('server.connection.limit', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({ 'server.connection.limit': '1' });
  });
  after(() => proxy.close());

  const get = (agent: Agent) =>
    new Promise<{ status: number; connection: string | undefined; body: any }>((resolve, reject) => {
      const req = request(`${proxy.url}/`, { agent, headers: { Accept: V2 } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end();
    });

  it('serves one connection and answers the requests of another 429 (42902), closing it', async () => {
    const first = new Agent({ keepAlive: true, maxSockets: 1 });
    const second = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await get(first)).status, 200);
      const refused = await get(second);
      assert.equal(refused.status, 429);
      assert.equal(refused.body.error_code, 42902);
      assert.equal(refused.connection, 'close');
      assert.equal((await get(first)).status, 200, 'the connection within the limit is still served');
    } finally {
      first.destroy();
      second.destroy();
    }
  });
});
