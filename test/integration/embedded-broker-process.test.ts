/**
 * The proxy with its embedded broker, started the way the README says: `npm start` forwards
 * SIGTERM to the proxy; Ctrl-C (SIGINT to the foreground process group) reaches the proxy but not
 * the broker, which is stopped after the consumers have left their groups; a second copy fails at
 * once without touching the first one's files; a broker orphaned by a SIGKILLed proxy is stopped
 * by the next start; native clients reach the broker on the port it prints.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../../src/broker/free-port.ts';
import { alive, indexOf, startServer, waitUntilGone, writeProperties, type ServerProcess } from '../helpers/server-process.ts';

let dir: string;
let props: Record<string, string>;
let file: string;
let restUrl: string;
const started: ServerProcess[] = [];
const brokerPids: number[] = [];

/** The environment without KAFKA_REST_* variables of the test run itself. */
const cleanEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KAFKA_REST_')));

function start(command: string, args: string[], options: { detached?: boolean; env?: NodeJS.ProcessEnv } = {}): ServerProcess {
  const server = startServer(command, args, { env: cleanEnv(), ...options });
  started.push(server);
  return server;
}

async function ready(server: ServerProcess): Promise<{ brokerPid: number; proxyPid: number; bootstrap: string }> {
  const broker = await server.waitFor(/embedded Kafka broker ready/);
  const brokerPid = Number(broker.brokerPid);
  brokerPids.push(brokerPid);
  const listening = await server.waitFor(/kafka-rest proxy listening/);
  return { brokerPid, proxyPid: listening.pid, bootstrap: String(broker.bootstrapServers) };
}

const json = async (path: string, init?: RequestInit) => {
  const response = await fetch(`${restUrl}${path}`, init);
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
};

const v2 = (body: unknown, type = 'application/vnd.kafka.v2+json'): RequestInit => ({ method: 'POST', headers: { 'content-type': type }, body: JSON.stringify(body) });

const digest = (path: string) => `${statSync(path).mtimeMs}:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-rest-embedded-'));
  const restPort = await freePort();
  restUrl = `http://127.0.0.1:${restPort}`;
  props = {
    listeners: restUrl,
    'management.listeners': `http://127.0.0.1:${await freePort()}`,
    'schema.registry.listeners': '',
    'journal.path': join(dir, 'journal.db'),
    'embedded.broker.dir': join(dir, 'kafka'),
    'embedded.broker.port': String(await freePort()),
    'embedded.broker.num.partitions': '3',
    'shutdown.timeout.ms': '10000',
  };
  file = writeProperties(dir, 'proxy.properties', props);
});

after(async () => {
  for (const server of started) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  for (const pid of brokerPids) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A consumer instance subscribed to `topic`, with one read done: a live member of its group. */
async function joinGroup(group: string, topic: string): Promise<void> {
  assert.equal((await json(`/consumers/${group}`, v2({ name: 'c1', format: 'binary', 'auto.offset.reset': 'earliest' }))).status, 200);
  assert.equal((await json(`/consumers/${group}/instances/c1/subscription`, v2({ topics: [topic] }))).status, 204);
  const read = await fetch(`${restUrl}/consumers/${group}/instances/c1/records?timeout=3000`, { headers: { accept: 'application/vnd.kafka.binary.v2+json' } });
  assert.equal(read.status, 200);
}

test('npm start: the broker is on the printed port with the configured partitions; a second copy fails at once; SIGTERM to npm stops proxy then broker', async () => {
  const npm = start('npm', ['start', '--silent', '--', file]);
  const first = await ready(npm);
  assert.equal(first.bootstrap, `127.0.0.1:${props['embedded.broker.port']}`);

  // Topics the broker creates on first use get embedded.broker.num.partitions partitions.
  const produced = await json('/topics/auto', v2({ records: [{ value: 'aGVsbG8=' }] }, 'application/vnd.kafka.binary.v2+json'));
  assert.equal(produced.status, 200, JSON.stringify(produced.body));
  assert.equal((await json('/topics/auto/partitions')).body.length, 3);

  // A native client finds the broker at the printed address.
  const admin = new Kafka({ brokers: [first.bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  assert.ok((await admin.listTopics()).includes('auto'));
  await admin.disconnect();

  await joinGroup('npm-start-group', 'auto');

  // A second copy in the same folder: refused by the journal lock before anything is started or written.
  const serverProperties = join(props['embedded.broker.dir']!, 'server.properties');
  const before = digest(serverProperties);
  const same = start(process.execPath, ['bin/kafka-rest-start.js', file]);
  assert.equal((await same.exited).code, 1, same.output());
  assert.match(same.output(), /journal .* is in use by another kafka-rest process \(pid \d+/);
  assert.equal(indexOf(same.lines(), /starting an embedded Kafka broker/), -1, same.output());

  // Its own journal and ports but the same broker directory: refused by the directory's lock.
  const sameDir = writeProperties(dir, 'same-dir.properties', {
    ...props,
    listeners: `http://127.0.0.1:${await freePort()}`,
    'management.listeners': '',
    'journal.path': join(dir, 'other', 'journal.db'),
    'embedded.broker.port': String(await freePort()),
  });
  const dirCopy = start(process.execPath, ['bin/kafka-rest-start.js', sameDir]);
  assert.equal((await dirCopy.exited).code, 1, dirCopy.output());
  assert.match(dirCopy.output(), /embedded broker's directory .* is in use by another kafka-rest process/);

  // Its own journal and broker directory but the same REST port: refused before a broker is started.
  const otherDir = join(dir, 'second');
  const samePort = writeProperties(dir, 'same-port.properties', {
    ...props,
    'management.listeners': '',
    'journal.path': join(otherDir, 'journal.db'),
    'embedded.broker.dir': join(otherDir, 'kafka'),
    'embedded.broker.port': String(await freePort()),
  });
  const portCopy = start(process.execPath, ['bin/kafka-rest-start.js', samePort]);
  assert.equal((await portCopy.exited).code, 1, portCopy.output());
  assert.match(portCopy.output(), new RegExp(`127.0.0.1:${new URL(restUrl).port} \\(listeners\\) is already in use`));
  assert.equal(existsSync(join(otherDir, 'kafka', 'broker.log')), false, 'no broker was started');

  for (const refused of [same, dirCopy, portCopy]) {
    const fatal = refused.lines().filter((line) => line.level >= 50);
    assert.equal(fatal.length, 1, refused.output());
    assert.doesNotMatch(refused.output(), /\n\s+at /, 'no stack trace');
  }
  assert.equal(digest(serverProperties), before, "the running broker's server.properties was not touched");
  assert.equal((await json('/topics')).status, 200, 'the first copy still serves');

  npm.child.kill('SIGTERM');
  const { code } = await npm.exited;
  assert.equal(code, 0, npm.output());
  assert.ok(await waitUntilGone(first.proxyPid), 'the proxy exited with npm');
  assert.ok(await waitUntilGone(first.brokerPid), 'the broker exited with npm');
  assertOrderlyShutdown(npm);
});

test('a broker left running by a SIGKILLed proxy is stopped by the next start; Ctrl-C then stops the proxy before the broker', async () => {
  const killed = start(process.execPath, ['bin/kafka-rest-start.js', file], { detached: true });
  const orphaned = await ready(killed);
  process.kill(orphaned.proxyPid, 'SIGKILL');
  await killed.exited;
  assert.ok(alive(orphaned.brokerPid), 'the broker outlives a SIGKILLed proxy (own process group)');

  const next = start(process.execPath, ['bin/kafka-rest-start.js', file], { detached: true });
  const second = await ready(next);
  assert.ok(next.lines().some((line) => line.msg.includes(`stopped the embedded Kafka broker (pid ${orphaned.brokerPid})`)), next.output());
  assert.equal(alive(orphaned.brokerPid), false);
  assert.notEqual(second.brokerPid, orphaned.brokerPid);
  // The data survived both: the topic produced to in the first test is still there.
  assert.equal((await json('/topics/auto/partitions')).status, 200);
  await joinGroup('ctrl-c-group', 'auto');

  // Ctrl-C: SIGINT to the whole foreground process group.
  process.kill(-next.child.pid!, 'SIGINT');
  const { code } = await next.exited;
  assert.equal(code, 0, next.output());
  assert.ok(await waitUntilGone(second.brokerPid));
  assertOrderlyShutdown(next);
});

/** Proxy closed (consumers left their groups) before the broker was asked to stop, which it did on SIGTERM. */
function assertOrderlyShutdown(server: ServerProcess): void {
  const lines = server.lines();
  const stopped = indexOf(lines, /^kafka-rest proxy stopped$/);
  const stopping = indexOf(lines, /^stopping the embedded Kafka broker$/);
  const brokerStopped = indexOf(lines, /^embedded Kafka broker stopped$/);
  assert.ok(stopped >= 0 && stopping > stopped && brokerStopped > stopping, server.output());
  const problems = lines.slice(indexOf(lines, /^shutting down$/)).filter((line) => line.level >= 40);
  assert.deepEqual(problems.map((line) => line.msg), [], server.output());
}
