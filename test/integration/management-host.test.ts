/**
 * The management listener checks the Host header (issue 12, item 6): a DNS-rebinding page reaches
 * 127.0.0.1 under its own name and is refused; the listener's own names are served.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

function get(url: string, host: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Host: host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text.startsWith('{') ? JSON.parse(text) : text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('management Host check', () => {
  let proxy: TestProxy;
  let management: string;
  let port: string;
  before(async () => {
    proxy = await startTestProxy({ 'management.allowed.hosts': 'ops.example.com' });
    management = proxy.managementUrls[0]!;
    port = new URL(management).port;
  });
  after(() => proxy.close());

  it('serves its loopback names and the allowed hosts, with or without a port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost', 'ops.example.com', `OPS.example.com:${port}`]) {
      const reply = await get(`${management}/inspector/api/actors`, host);
      assert.equal(reply.status, 200, host);
    }
  });

  it('refuses any other name with 403 and the envelope, on every route', async () => {
    for (const path of ['/inspector', '/inspector/api/actors', '/metrics', '/health/live', '/nowhere']) {
      const reply = await get(`${management}${path}`, `rebound.attacker.example:${port}`);
      assert.equal(reply.status, 403, path);
      assert.equal(reply.body.error_code, 403);
      assert.match(reply.body.message, /management\.allowed\.hosts/);
    }
    assert.equal((await get(`${management}/metrics`, `127.0.0.1.attacker.example:${port}`)).status, 403, 'a name that only starts like a loopback one');
  });

  it('does not check the Host of the REST API', async () => {
    const reply = await get(`${proxy.url}/health/live`, 'anything.example');
    assert.equal(reply.status, 200);
  });
});
