/**
 * The caller of the openapi integration tests: each call's status and error_code are asserted,
 * and its reply checked against docs/openapi.json (openapi-check.ts).
 */
import assert from 'node:assert/strict';
import { checkResponse } from './openapi-check.ts';
import { call, type Reply } from './proxy.ts';

/** What one documented call must answer. */
export interface Expect {
  headers?: Record<string, string>;
  body?: unknown;
  /** The status the call must get. */
  status: number;
  /** The `error_code` the body must carry. */
  code?: number;
}

/**
 * A caller for the openapi tests: `api(method, path, expect)` calls `base() + path` (or `path`
 * itself when it is a URL), asserts the status and error_code, and that the reply is what the
 * document says. `bodyHeaders` are sent with every call that has a body.
 */
export function documentedApi(base: () => string, bodyHeaders: Record<string, string> = {}) {
  return async (method: string, path: string, expect: Expect): Promise<Reply> => {
    const url = path.startsWith('http') ? path : `${base()}${path}`;
    const headers = expect.body === undefined ? expect.headers : { ...bodyHeaders, ...expect.headers };
    const reply = await call(url, { method, headers, body: expect.body });
    const seen = `${method} ${path} → ${reply.status} ${reply.type} ${JSON.stringify(reply.body)}`;
    assert.equal(reply.status, expect.status, seen);
    if (expect.code !== undefined) assert.equal(reply.body?.error_code, expect.code, seen);
    assert.deepEqual(checkResponse(method, url, reply.status, reply.type, reply.body), [], seen);
    return reply;
  };
}
