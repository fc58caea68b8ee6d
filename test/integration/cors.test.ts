/**
 * CORS with rest-utils' keys (issue 12, item 5): preflights answered before the router, simple
 * requests (GET too) and errors carrying Access-Control-Allow-Origin, other origins left without.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { call, startTestProxy, V2, type TestProxy } from '../helpers/proxy.ts';

const APP = 'https://app.example.com';

describe('access.control.allow.origin with a list', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({
      'access.control.allow.origin': `${APP},https://*.tools.example.com`,
      'access.control.allow.methods': 'GET,POST,DELETE',
      'access.control.allow.headers': 'Content-Type,Accept,Authorization',
    });
  });
  after(() => proxy.close());

  const preflight = (origin: string, method: string, headers = 'content-type') =>
    call(`${proxy.url}/consumers/g/instances/i`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
    });

  it('answers a preflight 204 with the allowed methods and headers', async () => {
    const reply = await preflight(APP, 'DELETE', 'content-type, authorization');
    assert.equal(reply.status, 204);
    assert.equal(reply.headers.get('access-control-allow-origin'), APP);
    assert.equal(reply.headers.get('access-control-allow-methods'), 'GET,POST,DELETE');
    assert.equal(reply.headers.get('access-control-allow-headers'), 'Content-Type,Accept,Authorization');
    assert.equal(reply.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(reply.headers.get('access-control-max-age'), '1800');
    assert.match(reply.headers.get('vary') ?? '', /Origin/);
  });

  it('matches a wildcard entry', async () => {
    const reply = await preflight('https://ops.tools.example.com', 'GET');
    assert.equal(reply.headers.get('access-control-allow-origin'), 'https://ops.tools.example.com');
  });

  it('gives no Allow-* headers for a method or header that is not allowed', async () => {
    for (const reply of [await preflight(APP, 'PUT'), await preflight(APP, 'POST', 'x-secret')]) {
      assert.equal(reply.status, 204);
      assert.equal(reply.headers.get('access-control-allow-methods'), null);
      assert.equal(reply.headers.get('access-control-allow-headers'), null);
    }
  });

  it("leaves a preflight from another origin to the router's OPTIONS answer, without CORS headers", async () => {
    const reply = await preflight('https://evil.example.net', 'DELETE');
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('allow') ?? '', /DELETE/);
    assert.equal(reply.headers.get('access-control-allow-origin'), null);
    assert.match(reply.headers.get('vary') ?? '', /Origin/);
  });

  it('puts Access-Control-Allow-Origin on a GET and on an error', async () => {
    const ok = await call(`${proxy.url}/`, { headers: { Origin: APP, Accept: V2 } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
    const missing = await call(`${proxy.url}/consumers/g/instances/nobody/subscription`, { headers: { Origin: APP, Accept: V2 } });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 40403);
    assert.equal(missing.headers.get('access-control-allow-origin'), APP);
  });

  it('sends nothing to a request without Origin or from another origin', async () => {
    assert.equal((await call(`${proxy.url}/`, { headers: { Accept: V2 } })).headers.get('access-control-allow-origin'), null);
    assert.equal((await call(`${proxy.url}/`, { headers: { Accept: V2, Origin: 'https://evil.example.net' } })).headers.get('access-control-allow-origin'), null);
  });
});

describe('access.control.allow.origin=* with the defaults', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy({ 'access.control.allow.origin': '*' });
  });
  after(() => proxy.close());

  it("answers any origin with *, Jetty's default methods and headers, and no credentials", async () => {
    const reply = await call(`${proxy.url}/topics/t`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://anywhere.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'Content-Type' },
    });
    assert.equal(reply.status, 204);
    assert.equal(reply.headers.get('access-control-allow-origin'), '*');
    assert.equal(reply.headers.get('access-control-allow-methods'), 'GET,POST,HEAD');
    assert.equal(reply.headers.get('access-control-allow-headers'), 'X-Requested-With,Content-Type,Accept,Origin');
    assert.equal(reply.headers.get('access-control-allow-credentials'), null);
    const get = await call(`${proxy.url}/`, { headers: { Origin: 'https://anywhere.example', Accept: V2 } });
    assert.equal(get.headers.get('access-control-allow-origin'), '*');
  });
});

describe('without access.control.allow.origin', () => {
  let proxy: TestProxy;
  before(async () => {
    proxy = await startTestProxy();
  });
  after(() => proxy.close());

  it('sends no CORS headers and leaves OPTIONS to the router', async () => {
    const reply = await call(`${proxy.url}/`, { method: 'OPTIONS', headers: { Origin: APP, 'Access-Control-Request-Method': 'GET' } });
    assert.equal(reply.status, 200);
    assert.match(reply.headers.get('allow') ?? '', /GET/);
    assert.equal(reply.headers.get('access-control-allow-origin'), null);
  });
});
