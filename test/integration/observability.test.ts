/**
 * Metrics scrape cleanly and stay bounded whatever paths clients send; readiness follows the
 * broker (false while it is down, true again after) and liveness does not.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalBroker } from '../../src/broker/local-broker.ts';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { createConsumer, post, readUntil } from '../helpers/consumer.ts';
import { call, produce, startTestProxy } from '../helpers/proxy.ts';

const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)$/;

test('/metrics parses as Prometheus text, with bounded labels, while traffic runs', async () => {
  const proxy = await startTestProxy();
  try {
    const topic = await createTopic(uniqueTopic('metrics'), 1);
    await produce(proxy, `/topics/${topic}`, { records: [{ value: 'YQ==' }, { value: 'Yg==' }] });
    await produce(proxy, `/topics/${topic}`, { records: [{ value: 'YQ==', partition: 9 }] });
    const base = await createConsumer(proxy.url, uniqueTopic('g'), { 'auto.offset.reset': 'earliest' });
    await post(`${base}/subscription`, { topics: [topic] });
    await readUntil(base, 2);
    // Many distinct raw paths: none of them may become a label value.
    const junk = Array.from({ length: 50 }, () => randomUUID());
    await Promise.all(junk.map((id) => call(`${proxy.url}/no/such/${id}`)));
    await Promise.all(junk.slice(0, 10).map((id) => call(`${proxy.url}/consumers/g/instances/${id}/records`)));

    const scrape = await call(`${proxy.managementUrls[0]}/metrics`);
    assert.equal(scrape.status, 200);
    assert.match(scrape.type ?? '', /^text\/plain/);
    const text = scrape.body as string;
    const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
    for (const line of samples) assert.match(line, SAMPLE, line);
    for (const id of junk) assert.ok(!text.includes(id), 'no raw path in any label');

    const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
    for (const route of routes) assert.ok(route === 'unmatched' || route!.startsWith('/'), route);
    assert.ok(routes.has('/consumers/:group/instances/:instance/records'));
    assert.ok(routes.has('unmatched'));
    const value = (pattern: RegExp) => Number(text.match(pattern)?.[1] ?? NaN);
    assert.equal(value(new RegExp(`kafka_rest_produced_records_total\\{topic="${topic}"\\} (\\d+)`)), 2);
    assert.equal(value(/kafka_rest_produce_errors_total\{error_code="40402"\} (\d+)/), 1);
    assert.equal(value(new RegExp(`kafka_rest_consumed_records_total\\{topic="${topic}"\\} (\\d+)`)), 2);
    assert.equal(value(/kafka_rest_producer_slots\{state="ready"\} (\d+)/), 4);
    assert.equal(value(/kafka_rest_consumer_instances\{state="subscribed"\} (\d+)/), 1);
    assert.ok(value(/kafka_rest_journal_append_seconds_count (\d+)/) > 0);
    assert.ok(text.includes('process_cpu_seconds_total'), 'process metrics');

    const series = samples.length;
    await Promise.all(Array.from({ length: 50 }, () => call(`${proxy.url}/no/such/${randomUUID()}`)));
    const again = (await call(`${proxy.managementUrls[0]}/metrics`)).body as string;
    const growth = again.split('\n').filter((line) => line && !line.startsWith('#')).length - series;
    assert.ok(growth <= 0, `50 more unknown paths add no series (grew by ${growth})`);
  } finally {
    await proxy.close();
  }
});

test('readiness turns false while the broker is down and true after; liveness stays true', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-ready-'));
  const broker = await LocalBroker.start({ dir, autoCreateTopics: false });
  const proxy = await startTestProxy({ 'bootstrap.servers': broker.bootstrapServers });
  const ready = () => call(`${proxy.url}/health/ready`);
  const until = async (status: number) => {
    const deadline = Date.now() + 60_000;
    let reply = await ready();
    while (reply.status !== status && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      reply = await ready();
    }
    return reply;
  };
  try {
    const up = await until(200);
    assert.deepEqual(up.body, { status: 'ready', checks: { broker: true, journal: true } });
    await broker.stop();
    const down = await until(503);
    assert.equal(down.status, 503);
    assert.deepEqual(down.body, { status: 'unready', checks: { broker: false, journal: true } });
    assert.deepEqual((await call(`${proxy.url}/health/live`)).body, { status: 'live' });
    assert.equal((await call(`${proxy.managementUrls[0]}/health/ready`)).status, 503, 'also on the management listener');
    await broker.resume();
    const back = await until(200);
    assert.equal(back.body.status, 'ready');
  } finally {
    await proxy.close();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
