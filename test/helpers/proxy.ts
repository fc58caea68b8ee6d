/**
 * Starts the real proxy in-process on a random loopback port against the suite's broker, with
 * its own temporary journal. Settings are given as Confluent-style properties.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { startProxy, type RunningProxy } from '../../src/proxy.ts';
import { bootstrapServers } from './cluster.ts';
import { assertDocumented } from './openapi-check.ts';

export interface TestProxy extends RunningProxy {
  url: string;
  dir: string;
}

export async function startTestProxy(properties: Record<string, string> = {}): Promise<TestProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-proxy-'));
  const env: Record<string, string> = {};
  const settings: Record<string, string> = {
    listeners: 'http://127.0.0.1:0',
    'management.listeners': 'http://127.0.0.1:0',
    'schema.registry.listeners': 'http://127.0.0.1:0',
    'bootstrap.servers': bootstrapServers(),
    'journal.path': join(dir, 'journal.db'),
    'log.level': process.env.TEST_LOG_LEVEL ?? 'silent',
    'producer.max.block.ms': '5000',
    ...properties,
  };
  for (const [key, value] of Object.entries(settings)) env[`KAFKA_REST_${key.toUpperCase().replaceAll('.', '_')}`] = value;
  const config = loadConfig({ env });
  const proxy = await startProxy(config, pino({ level: config.logLevel }));
  return {
    ...proxy,
    url: proxy.urls[0]!,
    dir,
    close: async () => {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const V2 = 'application/vnd.kafka.v2+json';
export const BINARY = 'application/vnd.kafka.binary.v2+json';
export const JSON_FORMAT = 'application/vnd.kafka.json.v2+json';

export interface Reply {
  status: number;
  type: string | null;
  body: any; // JSON from the wire: each test checks the shape it expects
  headers: Headers;
}

/** One HTTP call; the body is sent as JSON unless it is already a string. */
export async function call(
  url: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) return callWithNodeHttp(url, method, headers, body);
  const response = await fetch(url, {
    method,
    headers,
    // Bytes, not a string: fetch would add `Content-Type: text/plain` to a string body.
    body: body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });
  return checkedV3({ status: response.status, type: response.headers.get('content-type'), body: parseBody(await response.text()), headers: response.headers }, method, url);
}

/** Every v3 answer a test sees is also checked against docs/openapi.json (v2's are, in openapi.test.ts). */
function checkedV3(reply: Reply, method: string, url: string): Reply {
  if (/^\/v3(\/|$)/.test(new URL(url).pathname)) assertDocumented(method, url, reply.status, reply.type, reply.body);
  return reply;
}

/** A response body as JSON, or its raw text when it is not JSON (some tests check non-JSON answers); undefined when empty. */
export function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** fetch refuses a body on GET, which Confluent's GET .../offsets needs: node:http does not. */
function callWithNodeHttp(url: string, method: string, headers: Record<string, string>, body: unknown): Promise<Reply> {
  const payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, 'Content-Length': String(payload.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const parsed = parseBody(Buffer.concat(chunks).toString());
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') responseHeaders.set(k, v);
        try {
          resolve(checkedV3({ status: res.statusCode!, type: res.headers['content-type'] ?? null, body: parsed, headers: responseHeaders }, method, url));
        } catch (error) {
          reject(error as Error);
        }
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export function produce(proxy: { url: string }, path: string, body: unknown, contentType = BINARY): Promise<Reply> {
  return call(`${proxy.url}${path}`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
}
