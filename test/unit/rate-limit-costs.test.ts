import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costOf, costsType, endpointGroup, endpointName } from '../../src/http/rate-limit/costs.ts';
import { allowedHosts, hostOf } from '../../src/http/management/host-check.ts';

const parse = (raw: string) => {
  const parsed = costsType.parse(raw);
  if (!parsed.ok) throw new Error(parsed.reason ?? 'invalid');
  return parsed.value;
};

describe('rate.limit.costs', () => {
  it("reads Confluent's example", () => {
    assert.deepEqual([...parse('api.v3.clusters.*=1,api.v3.brokers.list=2')], [
      ['api.v3.clusters.*', 1],
      ['api.v3.brokers.list', 2],
    ]);
  });

  it('accepts blanks, empty items and an empty value', () => {
    assert.deepEqual([...parse(' api.v2.consumers.* = 0 , ,api.v3.produce.produce-to-topic=5 ')], [
      ['api.v2.consumers.*', 0],
      ['api.v3.produce.produce-to-topic', 5],
    ]);
    assert.equal(parse('').size, 0);
  });

  it('refuses what is not endpoint=cost', () => {
    for (const raw of ['api.v3.topics.list', 'api.v3.topics.list=-1', 'api.v3.topics.list=two', '=3', 'a b=1']) {
      const parsed = costsType.parse(raw);
      assert.equal(parsed.ok, false, raw);
    }
  });
});

describe('endpoint names', () => {
  it("names this proxy's routes as Confluent does", () => {
    assert.equal(endpointName('GET', '/v3/clusters'), 'api.v3.clusters.list');
    assert.equal(endpointName('GET', '/v3/clusters/abc/brokers'), 'api.v3.brokers.list');
    assert.equal(endpointName('POST', '/v3/clusters/abc/topics/t/records'), 'api.v3.produce.produce-to-topic');
    assert.equal(endpointName('POST', '/v3/clusters/abc/topics/t/records:batch'), 'api.v3.batch-produce.produce-to-topic');
    assert.equal(endpointName('GET', '/v3/clusters/abc/topics/-/configs'), 'api.v3.topic-configs.list');
    // The all-brokers and all-topics variants have names of their own in Confluent's resources.
    assert.equal(endpointName('GET', '/v3/clusters/abc/brokers/-/configs'), 'api.v3.brokers-configs.list');
    assert.equal(endpointName('GET', '/v3/clusters/abc/brokers/1/configs'), 'api.v3.broker-configs.list');
    assert.equal(endpointName('POST', '/v3/clusters/abc/topics/-/configs:alter'), 'api.v3.topic-configs.alter-multi');
    assert.equal(endpointName('POST', '/v3/clusters/abc/topics/t/configs:alter'), 'api.v3.topic-configs.alter');
    assert.equal(endpointName('PATCH', '/v3/clusters/abc/topics/t'), 'api.v3.topics.partitions');
    assert.equal(endpointName('GET', '/v3/clusters/abc/topics/t/partitions/0/offset'), 'api.v3.partitions.list.offsets');
    assert.equal(endpointGroup('api.v3.partitions.list.offsets'), 'api.v3.partition-offsets.*');
    assert.equal(endpointName('GET', '/v3/clusters/abc/topics/t/partitions/0/reassignment'), 'api.v3.partition-reassignments.get');
    assert.equal(endpointName('POST', '/consumers/g'), 'api.v2.consumers.create');
    assert.equal(endpointName('HEAD', '/topics'), 'api.v2.topics.list');
    assert.equal(endpointName('GET', '/nowhere'), null);
    assert.equal(endpointGroup('api.v3.topics.list'), 'api.v3.topics.*');
  });

  it('costs by own name, then by format-less name, then by group, else the default; health is free', () => {
    const costs = parse('api.v3.clusters.*=3,api.v3.clusters.get=7,api.v2.produce-to-topic.binary=4,api.v2.consumers.consume-json=6,api.v2.topics.*=0');
    assert.equal(costOf({ method: 'GET', path: '/v3/clusters' }, costs, 1), 3);
    assert.equal(costOf({ method: 'GET', path: '/v3/clusters/x' }, costs, 1), 7);
    assert.equal(costOf({ method: 'POST', path: '/topics/t', contentType: 'application/vnd.kafka.binary.v2+json' }, costs, 1), 4);
    assert.equal(costOf({ method: 'POST', path: '/topics/t', contentType: 'application/vnd.kafka.json.v2+json' }, costs, 1), 1);
    assert.equal(costOf({ method: 'GET', path: '/consumers/g/instances/i/records', accept: 'application/vnd.kafka.json.v2+json' }, costs, 1), 6);
    assert.equal(costOf({ method: 'GET', path: '/topics' }, costs, 1), 0);
    assert.equal(costOf({ method: 'GET', path: '/health/ready' }, costs, 1), 0);
    assert.equal(costOf({ method: 'GET', path: '/nowhere' }, costs, 2), 2, 'unknown paths cost the default');
  });

  it('never charges v3 produce, whatever the costs say (Confluent marks it @DoNotRateLimit; its own limits apply)', () => {
    const costs = parse('api.v3.produce.produce-to-topic=5,api.v3.batch-produce.*=5,api.v3.partition-offsets.*=4');
    assert.equal(costOf({ method: 'POST', path: '/v3/clusters/c/topics/t/records' }, costs, 1), 0);
    assert.equal(costOf({ method: 'POST', path: '/v3/clusters/c/topics/t/records:batch' }, costs, 1), 0);
    assert.equal(costOf({ method: 'GET', path: '/v3/clusters/c/topics/t/partitions/0/offset' }, costs, 1), 4, 'by its own group');
  });
});

describe('management Host check', () => {
  it('takes the port off a Host header', () => {
    assert.equal(hostOf('Example.com:8083'), 'example.com');
    assert.equal(hostOf('[::1]:8083'), '[::1]');
    assert.equal(hostOf('localhost'), 'localhost');
  });

  it('allows the listener hosts, the loopback names on loopback, and the extra names', () => {
    assert.deepEqual([...allowedHosts([new URL('http://127.0.0.1:8083')], [])].sort(), ['127.0.0.1', 'localhost', '[::1]'].sort());
    assert.deepEqual([...allowedHosts([new URL('http://10.0.0.5:8083')], ['Ops.Example.com'])].sort(), ['10.0.0.5', 'ops.example.com']);
    assert.ok(!allowedHosts([new URL('http://0.0.0.0:8083')], []).has('0.0.0.0'));
  });
});
