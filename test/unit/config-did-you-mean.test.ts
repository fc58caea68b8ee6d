import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { didYouMean, editDistance } from '../../src/config/did-you-mean.ts';
import { problemsOf } from '../helpers/config-problems.ts';

const problemsOfEnv = (env: Record<string, string>): readonly string[] => problemsOf(() => loadConfig({ env }));

describe('editDistance', () => {
  it('counts inserts, deletes, replacements and swapped neighbours', () => {
    assert.equal(editDistance('bootstrap.servers', 'bootstrap.servers'), 0);
    assert.equal(editDistance('bootstrap.server', 'bootstrap.servers'), 1);
    assert.equal(editDistance('bootsrap.servers', 'bootstrap.servers'), 1);
    assert.equal(editDistance('boostrtap', 'bootstrap'), 2);
    assert.equal(editDistance('lsitener', 'listener'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', ''), 3);
  });
});

describe('didYouMean', () => {
  const known = ['bootstrap.servers', 'listeners', 'id', 'consumer.request.timeout.ms', 'consumer.request.max.bytes'];

  it('suggests the closest key within the tolerance of its length', () => {
    assert.equal(didYouMean('bootstrap.server', known), 'bootstrap.servers');
    assert.equal(didYouMean('BOOTSTRAP.SERVERS', known), 'bootstrap.servers');
    assert.equal(didYouMean('consumer.request.timeout', known), 'consumer.request.timeout.ms');
    assert.equal(didYouMean('listener', known), 'listeners');
  });

  it('suggests nothing for a key that only shares a few letters', () => {
    assert.equal(didYouMean('xy', known), null, 'two-letter keys must be nearly exact');
    assert.equal(didYouMean('ic', known), 'id');
    assert.equal(didYouMean('mystery', known), null);
    assert.equal(didYouMean('consumer.threads.max', known), null);
  });
});

describe('unknown keys', () => {
  it('get a suggestion over every known key, prefixed ones included', () => {
    const problems = problemsOfEnv({
      KAFKA_REST_BOOTSTRAP_SERVER: 'k:9092',
      KAFKA_REST_CONSUMER_REQUEST_TIMEOUT: '100',
      KAFKA_REST_CLIENT_SASL_MECHANISMS: 'PLAIN',
      KAFKA_REST_SCHEMA_REGISTRY_UR: 'http://sr:8081',
      KAFKA_REST_ZOOKEEPER_CONECT: 'zk:2181',
    });
    assert.deepEqual(
      problems.map((p) => /did you mean (\S+)\?$/.exec(p)?.[1]),
      ['bootstrap.servers', 'consumer.request.timeout.ms', 'client.sasl.mechanism', 'schema.registry.url', 'zookeeper.connect'],
    );
  });

  it('are reported under one heading, one line each', () => {
    let error: unknown;
    try {
      loadConfig({ env: { KAFKA_REST_BOOTSTRAP_SERVER: 'k:9092', KAFKA_REST_LISTENER: 'http://a:1' } });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ConfigError);
    const lines = error.message.split('\n');
    assert.equal(lines[0], 'invalid configuration (2 problems):');
    assert.equal(lines.filter((l) => l.includes('invalid configuration')).length, 1);
    assert.deepEqual(
      lines.slice(1).map((l) => l.replace(/ = .*did you mean/, ' … did you mean')),
      ['  - unknown key bootstrap.server … did you mean bootstrap.servers?', '  - unknown key listener … did you mean listeners?'],
    );
  });
});
