import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSkipped, parsePathSpec, type PathSpec } from '../../src/http/auth/path-spec.ts';

const specs = (...items: string[]): PathSpec[] =>
  items.map((item) => {
    const spec = parsePathSpec(item);
    assert.equal(typeof spec, 'object', String(spec));
    return spec as PathSpec;
  });

describe('Jetty path specs of authentication.skip.paths', () => {
  it('matches an exact spec only on that path', () => {
    const skip = specs('/health/live');
    assert.equal(isSkipped(skip, '/health/live'), true);
    assert.equal(isSkipped(skip, '/health/live/'), false);
    assert.equal(isSkipped(skip, '/health/ready'), false);
    assert.equal(isSkipped(skip, '/health'), false);
  });

  it('matches a prefix spec on the prefix itself and below it, not on a longer name', () => {
    const skip = specs('/v3/*');
    assert.equal(isSkipped(skip, '/v3'), true);
    assert.equal(isSkipped(skip, '/v3/'), true);
    assert.equal(isSkipped(skip, '/v3/clusters/x'), true);
    assert.equal(isSkipped(skip, '/v3x'), false);
    assert.equal(isSkipped(skip, '/topics'), false);
  });

  it('skips everything with /*, which ties with the global constraint and wins as in Jetty', () => {
    assert.equal(isSkipped(specs('/*'), '/topics/a'), true);
  });

  it('never lets a suffix spec win over the global /* (servlet precedence: prefix before suffix)', () => {
    assert.equal(isSkipped(specs('*.json'), '/openapi.json'), false);
  });

  it('authenticates everything when no skip path is given', () => {
    assert.equal(isSkipped([], '/'), false);
    assert.equal(isSkipped([], '/health/live'), false);
  });

  it('refuses specs Jetty refuses', () => {
    for (const bad of ['health', '/v3*', '/a/*/b', '*', '*.a/b', '/a*b']) {
      assert.equal(typeof parsePathSpec(bad), 'string', bad);
    }
  });
});
