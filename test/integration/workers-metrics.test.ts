/**
 * `/metrics` with `workers=2`: whichever worker takes the scrape, it answers the sum of both
 * workers' metrics (gathered by the primary), not its own share; and a scrape that cannot be
 * gathered is refused after a bounded wait.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bootstrapServers, createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { b64 } from '../helpers/consumer.ts';
import { logLines } from '../helpers/journal-processes.ts';
import { spawnProxy, type ProxyProcess } from '../helpers/process.ts';
import { stopWorkers, until, workerPids } from '../helpers/workers.ts';
import { freePort } from '../../src/broker/free-port.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-workers-metrics-'));
let proxy: ProxyProcess | null = null;

after(() => stopWorkers(proxy, dir));

/** One request on a connection of its own, so node:cluster hands each to the next worker. */
function fresh(url: string, method: string, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(url, { method, agent: false, headers: payload ? { 'Content-Type': 'application/vnd.kafka.binary.v2+json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The value of one sample of the Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}


describe('workers=2 metrics', () => {
  it('every scrape answers both workers together, whichever worker takes it', async () => {
    const managementPort = await freePort();
    proxy = await spawnProxy(dir, {
      'bootstrap.servers': bootstrapServers(),
      'journal.path': join(dir, 'journal.db'),
      'management.listeners': `http://127.0.0.1:${managementPort}`,
      'schema.registry.listeners': `http://127.0.0.1:${await freePort()}`,
      workers: '2',
      'cluster.name': `wm-${randomUUID().slice(0, 8)}`,
      'cluster.sessions.partitions': '4',
      'cluster.sessions.replication.factor': '1',
    });
    const running = proxy;
    await until(() => workerPids(running.output()).size === 2, 'both workers to listen');
    const topic = await createTopic(uniqueTopic('workers-metrics'), 1);

    const requests = 12;
    for (let i = 0; i < requests; i++) {
      const answer = await fresh(`${running.url}/topics/${topic}`, 'POST', { records: [{ value: b64(`r${i}`) }] });
      assert.equal(answer.status, 200, answer.text);
    }
    // Both workers served some of them, so a worker's own count would be short of the total. (The
    // log lines come through a pipe, a little after the answers.)
    const served = () => logLines(running.output()).filter((l) => l.msg === 'request' && l.url === `/topics/${topic}`);
    await until(() => served().length === requests, 'every produce request in the log');
    assert.deepEqual([...new Set(served().map((l) => l.id))].sort(), ['w0', 'w1']);

    const scrapes = 4;
    for (let i = 0; i < scrapes; i++) {
      const metrics = await fresh(`http://127.0.0.1:${managementPort}/metrics`, 'GET');
      assert.equal(metrics.status, 200, metrics.text);
      assert.equal(sample(metrics.text, 'http_requests_total{method="POST",route="/topics/:topic",status="200"}'), requests);
      assert.equal(sample(metrics.text, `kafka_rest_produced_records_total{topic="${topic}"}`), requests);
      // A gauge every worker sees the same is not doubled.
      assert.equal(sample(metrics.text, 'kafka_rest_cluster_members'), 2);
    }
    const scraped = () => logLines(running.output()).filter((l) => l.msg === 'request' && l.url === '/metrics');
    await until(() => scraped().length === scrapes, 'every scrape in the log');
    assert.deepEqual([...new Set(scraped().map((l) => l.id))].sort(), ['w0', 'w1'], 'both workers answered scrapes');

    // A worker that cannot answer (stopped): a scrape is refused after a bounded wait, not answered
    // with the other worker's share alone, and works again once the worker is back.
    const w1 = workerPids(running.output()).get('w1')!;
    process.kill(w1, 'SIGSTOP');
    try {
      // One of the two connections reaches w0 (a stopped worker takes no connection off the queue).
      const scrapesWhileStopped = [0, 1].map(() => fresh(`http://127.0.0.1:${managementPort}/metrics`, 'GET'));
      const first = await Promise.race(scrapesWhileStopped);
      assert.equal(first.status, 503, first.text);
      assert.match(JSON.parse(first.text).message, /^The metrics of every worker could not be gathered: /);
      process.kill(w1, 'SIGCONT');
      for (const answer of await Promise.all(scrapesWhileStopped)) assert.ok([200, 503].includes(answer.status), `${answer.status} ${answer.text}`);
    } finally {
      process.kill(w1, 'SIGCONT');
    }
    const again = await fresh(`http://127.0.0.1:${managementPort}/metrics`, 'GET');
    assert.equal(again.status, 200, again.text);
    assert.equal(sample(again.text, `kafka_rest_produced_records_total{topic="${topic}"}`), requests);
  });
});
