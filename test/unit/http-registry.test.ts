import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CachedRegistry } from '../../src/registry/cached-registry.ts';
import { HttpRegistry, REGISTRY_UNREACHABLE } from '../../src/registry/http-registry.ts';
import { RegistryError, type SchemaRegistry } from '../../src/registry/schema-registry.ts';

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Handler = (seen: Seen) => { status: number; body: unknown; raw?: boolean } | 'hang';

/** A scripted fake of the registry's HTTP API on 127.0.0.1 (test only). */
class FakeRegistryServer {
  readonly seen: Seen[] = [];
  handler: Handler = () => ({ status: 404, body: { error_code: 404, message: 'HTTP 404 Not Found' } });
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const seen = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.seen.push(seen);
        const answer = this.handler(seen);
        if (answer === 'hang') return; // never answers
        res.writeHead(answer.status, { 'Content-Type': answer.raw ? 'text/plain' : 'application/vnd.schemaregistry.v1+json' });
        res.end(answer.raw ? String(answer.body) : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function assertRegistryError(promise: Promise<unknown>, errorCode: number, status: number, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RegistryError, `expected a RegistryError, got ${String(error)}`);
    assert.equal(error.errorCode, errorCode);
    assert.equal(error.status, status);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

const fake = new FakeRegistryServer();
before(() => fake.start());
after(() => fake.stop());
beforeEach(() => {
  fake.seen.length = 0;
});

describe('HttpRegistry', () => {
  test('register posts the schema to /subjects/{subject}/versions and returns the id', async () => {
    fake.handler = () => ({ status: 200, body: { id: 17 } });
    const registry = new HttpRegistry({ url: `${fake.url}/`, timeoutMs: 2000 });
    assert.equal(await registry.register('orders-value', { schemaType: 'AVRO', schema: '"int"' }), 17);
    assert.equal(
      await registry.register('my topic/x-key', {
        schemaType: 'PROTOBUF',
        schema: 'syntax = "proto3"; message M {}',
        references: [{ name: 'a.proto', subject: 'a', version: 1 }],
      }),
      17,
    );
    const [avro, proto] = fake.seen;
    assert.equal(avro!.method, 'POST');
    assert.equal(avro!.path, '/subjects/orders-value/versions');
    assert.equal(avro!.headers['content-type'], 'application/vnd.schemaregistry.v1+json');
    assert.match(String(avro!.headers['accept']), /application\/vnd\.schemaregistry\.v1\+json/);
    assert.equal(avro!.headers['authorization'], undefined);
    assert.deepEqual(JSON.parse(avro!.body), { schema: '"int"' }, 'schemaType left out for AVRO, as Confluent clients do');
    assert.equal(proto!.path, '/subjects/my%20topic%2Fx-key/versions');
    assert.deepEqual(JSON.parse(proto!.body), {
      schema: 'syntax = "proto3"; message M {}',
      schemaType: 'PROTOBUF',
      references: [{ name: 'a.proto', subject: 'a', version: 1 }],
    });
  });

  test('getById: a missing schemaType means AVRO; references default to []', async () => {
    fake.handler = ({ path }) =>
      path === '/schemas/ids/3'
        ? { status: 200, body: { schema: '"string"' } }
        : { status: 200, body: { schema: '{}', schemaType: 'JSON', references: [{ name: 'r', subject: 's', version: 2 }] } };
    const registry = new HttpRegistry({ url: fake.url });
    assert.deepEqual(await registry.getById(3), { id: 3, schemaType: 'AVRO', schema: '"string"', references: [] });
    assert.deepEqual(await registry.getById(4), {
      id: 4,
      schemaType: 'JSON',
      schema: '{}',
      references: [{ name: 'r', subject: 's', version: 2 }],
    });
    assert.deepEqual(
      fake.seen.map((s) => `${s.method} ${s.path}`),
      ['GET /schemas/ids/3', 'GET /schemas/ids/4'],
    );
  });

  test('getVersion: numbered and latest', async () => {
    fake.handler = ({ path }) => ({
      status: 200,
      body: { subject: 't-value', version: path.endsWith('latest') ? 5 : 2, id: 9, schema: '"int"' },
    });
    const registry = new HttpRegistry({ url: fake.url });
    assert.deepEqual(await registry.getVersion('t-value', 2), {
      subject: 't-value',
      version: 2,
      id: 9,
      schemaType: 'AVRO',
      schema: '"int"',
      references: [],
    });
    assert.equal((await registry.getVersion('t-value', 'latest')).version, 5);
    assert.deepEqual(
      fake.seen.map((s) => s.path),
      ['/subjects/t-value/versions/2', '/subjects/t-value/versions/latest'],
    );
  });

  test('error envelopes become RegistryError(error_code, message, status)', async () => {
    const registry = new HttpRegistry({ url: fake.url });
    fake.handler = () => ({ status: 404, body: { error_code: 40403, message: 'Schema 99 not found' } });
    await assertRegistryError(registry.getById(99), 40403, 404, 'Schema 99 not found');
    fake.handler = () => ({ status: 404, body: { error_code: 40401, message: "Subject 'x' not found." } });
    await assertRegistryError(registry.getVersion('x', 1), 40401, 404, "Subject 'x' not found.");
    fake.handler = () => ({ status: 409, body: { error_code: 409, message: 'Schema being registered is incompatible with an earlier schema' } });
    await assertRegistryError(registry.register('x', { schemaType: 'AVRO', schema: '"int"' }), 409, 409, /incompatible/);
    fake.handler = () => ({ status: 422, body: { error_code: 42201, message: 'Invalid schema' } });
    await assertRegistryError(registry.register('x', { schemaType: 'AVRO', schema: '"int"' }), 42201, 422, 'Invalid schema');
    fake.handler = () => ({ status: 403, body: { error_code: 40301, message: 'User is denied operation Read on Subject: x' } });
    await assertRegistryError(registry.getVersion('x', 'latest'), 40301, 403, /denied/);
  });

  test('answers without an envelope are still clear errors', async () => {
    const registry = new HttpRegistry({ url: fake.url });
    fake.handler = () => ({ status: 502, body: 'Bad gateway from the load balancer', raw: true });
    await assertRegistryError(registry.getById(1), 502, 502, 'Schema registry answered GET /schemas/ids/1 with HTTP 502: Bad gateway from the load balancer');
    fake.handler = () => ({ status: 200, body: 'not json', raw: true });
    await assertRegistryError(registry.getById(1), 50002, 502, /not a JSON object/);
    fake.handler = () => ({ status: 200, body: { nothing: true } });
    await assertRegistryError(registry.getById(1), 50002, 502, /unexpected body/);
  });

  test('an unreachable registry (closed port) is a clear "unreachable" error', async () => {
    const port = await closedPort();
    const registry = new HttpRegistry({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000 });
    await assertRegistryError(
      registry.getById(1),
      REGISTRY_UNREACHABLE,
      503,
      new RegExp(`^Schema registry unreachable at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
  });

  test('a registry that does not answer in time is unreachable too', async () => {
    fake.handler = () => 'hang';
    const registry = new HttpRegistry({ url: fake.url, timeoutMs: 150 });
    // The registry never answers: only the 150 ms timeout can produce this error.
    await assertRegistryError(registry.getById(1), REGISTRY_UNREACHABLE, 503, `Schema registry unreachable at ${fake.url}: no answer within 150 ms`);
  });

  test('several URLs: the next one is tried when one cannot be reached', async () => {
    fake.handler = () => ({ status: 200, body: { schema: '"int"' } });
    const port = await closedPort();
    const registry = new HttpRegistry({ url: `http://127.0.0.1:${port}, ${fake.url}` });
    assert.equal((await registry.getById(1)).schema, '"int"');
    assert.equal(fake.seen.length, 1);
  });

  test('basic auth is sent on every request', async () => {
    fake.handler = () => ({ status: 200, body: { id: 1 } });
    const registry = new HttpRegistry({ url: fake.url, basicAuth: { username: 'alice', password: 's3cr:t' } });
    await registry.register('s', { schemaType: 'JSON', schema: '{}' });
    assert.equal(fake.seen[0]!.headers['authorization'], `Basic ${Buffer.from('alice:s3cr:t').toString('base64')}`);
  });

  test('bad URLs are refused up front', () => {
    assert.throws(() => new HttpRegistry({ url: '' }), /at least one URL/);
    assert.throws(() => new HttpRegistry({ url: 'localhost:8081' }), /must start with http/);
  });
});

describe('CachedRegistry', () => {
  function counting(): { registry: SchemaRegistry; count: () => number } {
    fake.handler = ({ method, path }) => {
      if (method === 'POST') return { status: 200, body: { id: 5 } };
      if (path.startsWith('/schemas/ids/')) return { status: 200, body: { schema: '"int"' } };
      if (path.endsWith('/latest')) return { status: 200, body: { subject: 's', version: fake.seen.length, id: 5, schema: '"int"' } };
      return { status: 200, body: { subject: 's', version: 1, id: 6, schema: '"long"' } };
    };
    return { registry: new HttpRegistry({ url: fake.url }), count: () => fake.seen.length };
  }

  test('ids are cached forever; concurrent calls share one request', async () => {
    const { registry, count } = counting();
    const cached = new CachedRegistry(registry);
    const [a, b] = await Promise.all([cached.getById(5), cached.getById(5)]);
    assert.deepEqual(a, b);
    await cached.getById(5);
    assert.equal(count(), 1);
    await cached.getById(7);
    assert.equal(count(), 2);
  });

  test('(subject, schema) → id is cached; another subject or schema asks again', async () => {
    const { registry, count } = counting();
    const cached = new CachedRegistry(registry);
    assert.equal(await cached.register('s', { schemaType: 'AVRO', schema: '"int"' }), 5);
    assert.equal(await cached.register('s', { schemaType: 'AVRO', schema: '"int"' }), 5);
    assert.equal(count(), 1);
    await cached.register('t', { schemaType: 'AVRO', schema: '"int"' });
    await cached.register('s', { schemaType: 'AVRO', schema: '"long"' });
    assert.equal(count(), 3);
  });

  test('numbered versions are cached and fill the id cache; latest is kept for the TTL only', async () => {
    const { registry, count } = counting();
    let now = 1_000;
    const cached = new CachedRegistry(registry, { latestTtlMs: 30_000, now: () => now });
    await cached.getVersion('s', 1);
    await cached.getVersion('s', 1);
    assert.deepEqual(await cached.getById(6), { id: 6, schemaType: 'AVRO', schema: '"long"', references: [] });
    assert.equal(count(), 1);
    const first = await cached.getVersion('s', 'latest');
    now += 29_000;
    assert.equal((await cached.getVersion('s', 'latest')).version, first.version);
    assert.equal(count(), 2);
    now += 2_000;
    await cached.getVersion('s', 'latest');
    assert.equal(count(), 3);
  });

  test('failures are not cached', async () => {
    let fail = true;
    fake.handler = () => (fail ? { status: 500, body: { error_code: 50001, message: 'Error in the backend data store' } } : { status: 200, body: { schema: '"int"' } });
    const cached = new CachedRegistry(new HttpRegistry({ url: fake.url }));
    await assertRegistryError(cached.getById(1), 50001, 500, 'Error in the backend data store');
    fail = false;
    assert.equal((await cached.getById(1)).schema, '"int"');
    await cached.getById(1);
    assert.equal(fake.seen.length, 2);
  });
});
