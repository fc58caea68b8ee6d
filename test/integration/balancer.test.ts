/**
 * The load balancer the multi-proxy tests stand behind (test/helpers/nginx.ts), checked against
 * plain node:http servers before anything relies on it: round robin, a dead upstream skipped,
 * a reload to other upstreams, a clean stop, and responses streamed rather than buffered.
 */
import assert from 'node:assert/strict';
import { createServer, request, type RequestListener, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startBalancer, type Balancer } from '../helpers/nginx.ts';

interface Upstream {
  server: Server;
  url: string;
}

async function startUpstream(handler: RequestListener): Promise<Upstream> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A server that answers its own name. */
const named = (name: string) => startUpstream((_req, res) => res.end(name));

function closeUpstream({ server }: Upstream): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** One GET on a connection of its own (no keep-alive across a reload). */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

async function bodies(url: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await get(url);
    assert.equal(reply.status, 200, `request ${i}: ${reply.body}`);
    seen.push(reply.body);
  }
  return seen;
}

describe('nginx balancer over two upstreams', () => {
  const upstreams: Upstream[] = [];
  let balancer: Balancer;
  before(async () => {
    upstreams.push(await named('a'), await named('b'));
    balancer = await startBalancer(upstreams.map((upstream) => upstream.url));
  });
  after(async () => {
    await balancer?.stop();
    await Promise.all(upstreams.map(closeUpstream));
  });

  it('alternates between both (round robin)', async () => {
    const seen = await bodies(balancer.url, 8);
    assert.deepEqual([...new Set(seen)].sort(), ['a', 'b']);
    for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1], `no alternation: ${seen.join(',')}`);
  });

  it('sends every request to the other upstream once one is closed', async () => {
    await closeUpstream(upstreams[0]!);
    assert.deepEqual(await bodies(balancer.url, 10), Array(10).fill('b'));
  });

  it('routes everything to the new upstream after setUpstreams', async () => {
    const c = await named('c');
    upstreams.push(c);
    await balancer.setUpstreams([c.url]);
    assert.deepEqual(await bodies(balancer.url, 6), Array(6).fill('c'));
  });

  it('stop() ends the nginx process', async () => {
    const { pid } = balancer;
    process.kill(pid, 0);
    await balancer.stop();
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });
});

describe('nginx balancer streaming', () => {
  let upstream: Upstream;
  let balancer: Balancer;
  let secondWritten = false;
  before(async () => {
    upstream = await startUpstream((_req, res) => {
      // Headers on their own first: nginx passes on body bytes that arrive with the headers even when buffering.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      setTimeout(() => {
        res.write('first\n');
        setTimeout(() => {
          secondWritten = true;
          res.end('second\n');
        }, 300);
      }, 100);
    });
    balancer = await startBalancer([upstream.url]);
  });
  after(async () => {
    await balancer?.stop();
    await closeUpstream(upstream);
  });

  it('passes the first chunk on before the upstream writes the second', async () => {
    const chunks: { text: string; secondWritten: boolean }[] = [];
    await new Promise<void>((resolve, reject) => {
      request(balancer.url, { agent: false }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (text: string) => chunks.push({ text, secondWritten }));
        res.on('end', resolve);
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    assert.deepEqual(chunks[0], { text: 'first\n', secondWritten: false });
    assert.equal(chunks.map((chunk) => chunk.text).join(''), 'first\nsecond\n');
  });
});

describe('nginx balancer backpressure', () => {
  // nginx forwards chunks promptly to a client that keeps reading whether or not it buffers; what
  // proxy_buffering off changes is that a client that stops reading stalls the upstream, instead
  // of nginx spooling the rest into proxy_temp (measured: ~8.5 MB in flight off, all of it on).
  const TOTAL = 128 * 1024 * 1024;
  const CHUNK = Buffer.alloc(64 * 1024, 'x');
  let upstream: Upstream;
  let balancer: Balancer;
  let written = 0;
  before(async () => {
    upstream = await startUpstream((_req, res) => {
      const pump = () => {
        while (written < TOTAL && !res.destroyed) {
          written += CHUNK.length;
          if (!res.write(CHUNK)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    balancer = await startBalancer([upstream.url]);
  });
  after(async () => {
    await balancer?.stop();
    await closeUpstream(upstream);
  });

  it('stalls the upstream while the client does not read (proxy_buffering off)', async () => {
    const req = request(balancer.url, { agent: false }, (res) => res.pause());
    req.on('error', () => {});
    req.end();
    // Until the upstream has stopped writing for half a second (or has written everything).
    let last = -1;
    let stableSince = Date.now();
    const deadline = Date.now() + 10_000;
    while (written < TOTAL && Date.now() < deadline && (written === 0 || Date.now() - stableSince < 500)) {
      if (written !== last) [last, stableSince] = [written, Date.now()];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    req.destroy();
    assert.ok(written > 0, 'the upstream was never asked');
    assert.ok(written < TOTAL / 2, `the upstream wrote ${written} bytes to a client that read none`);
  });
});
