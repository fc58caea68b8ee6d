/**
 * `workers=2`: two proxy processes on one set of ports, one proxy cluster between them. Produce
 * and the consumer flow work whichever worker a connection lands on; a worker that is SIGKILLed is
 * started again while the other serves its instances; SIGTERM to the primary stops everything.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bootstrapServers, createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, readUntil, records, text } from '../helpers/consumer.ts';
import { logLines } from '../helpers/journal-processes.ts';
import { spawnProxy, type ProxyProcess } from '../helpers/process.ts';
import { stopWorkers, until, workerPids } from '../helpers/workers.ts';
import { produce } from '../helpers/proxy.ts';
import { freePort } from '../../src/broker/free-port.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-workers-'));
let proxy: ProxyProcess | null = null;

after(() => stopWorkers(proxy, dir));



describe('workers=2', () => {
  it('serves produce and consumers from both processes, restarts a killed worker, and stops on SIGTERM', async () => {
    proxy = await spawnProxy(dir, {
      'bootstrap.servers': bootstrapServers(),
      'journal.path': join(dir, 'journal.db'),
      'schema.registry.listeners': `http://127.0.0.1:${await freePort()}`,
      workers: '2',
      'cluster.name': `w-${randomUUID().slice(0, 8)}`,
      'cluster.sessions.partitions': '6',
      'cluster.sessions.replication.factor': '1',
      'cluster.session.timeout.ms': '6000',
    });
    const running = proxy;
    await until(() => workerPids(running.output()).size === 2, 'both workers to listen');
    const topic = await createTopic(uniqueTopic('workers'), 1);
    const sent = await produce(running, `/topics/${topic}`, { records: Array.from({ length: 20 }, (_, i) => ({ value: b64(`r${i}`) })) });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const group = `wg-${randomUUID()}`;
    const bases = [];
    for (let i = 0; i < 6; i++) bases.push(await createConsumer(running.url, group + i, { name: `i${i}`, 'auto.offset.reset': 'earliest' }));
    for (const base of bases) assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
    // The last response of each instance: if its owner is killed before that read's acknowledgement
    // reached the sessions topic, those records are the only ones that may come again.
    const lastResponse = new Map<string, string[]>();
    for (const base of bases) {
      const got: string[] = [];
      while (got.length < 20) {
        const reply = await records(base, 'timeout=500');
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        const values = (reply.body as Array<{ value: string }>).map((r) => text(r.value)!);
        if (values.length > 0) lastResponse.set(base, values);
        got.push(...values);
      }
      assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => `r${i}`));
    }
    // Both processes own sessions: each took a share of the sessions topic.
    const shares = logLines(running.output()).filter((l) => l.msg === 'proxy cluster ownership changed').map((l) => l.id);
    assert.deepEqual([...new Set(shares)].sort(), ['w0', 'w1']);

    const pids = workerPids(running.output());
    process.kill(pids.get('w1')!, 'SIGKILL');
    await until(() => logLines(running.output()).some((l) => l.msg.startsWith('a proxy worker exited')), 'the primary to notice');
    // The instances stay usable meanwhile and after the worker is back.
    const more = await produce(running, `/topics/${topic}`, { records: [{ value: b64('after') }] });
    assert.equal(more.status, 200);
    for (const base of bases) {
      const got = (await readUntil(base, 1)).map((r) => text(r.value)!);
      for (let more = 0; !got.includes('after') && more < 20; more++) got.push(...(await readUntil(base, 1)).map((r) => text(r.value)!));
      assert.ok(got.includes('after'), `the new record arrived: ${got.join(',')}`);
      const again = got.filter((value) => value !== 'after');
      assert.ok(again.every((value) => lastResponse.get(base)!.includes(value)), `only the last response may come again: ${again.join(',')}`);
    }
    await until(() => workerPids(running.output()).get('w1') !== pids.get('w1') && workerPids(running.output()).has('w1'), 'w1 to be started again');

    running.child.kill('SIGTERM');
    const { code } = await running.exited;
    assert.equal(code, 0);
    for (const pid of workerPids(running.output()).values()) assert.throws(() => process.kill(pid, 0), 'every worker has exited');
  });
});
