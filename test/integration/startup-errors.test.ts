/**
 * The common mistakes of starting the proxy each end in one sentence saying what to do and exit
 * code 1 — no stack trace, no JVM arguments: no Java, a JAVA_HOME that points nowhere, a port that
 * is taken. And a Confluent `kafka-rest.properties` starts the proxy, with one warning per key that
 * has no effect here.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort } from '../../src/broker/free-port.ts';
import { startServer, writeProperties, type ServerProcess } from '../helpers/server-process.ts';

let dir: string;
const started: ServerProcess[] = [];

const cleanEnv = (): NodeJS.ProcessEnv => Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KAFKA_REST_')));

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'kafka-rest-startup-'));
});
after(() => {
  for (const server of started) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function embeddedProperties(name: string): Promise<string> {
  return writeProperties(dir, `${name}.properties`, {
    listeners: `http://127.0.0.1:${await freePort()}`,
    'management.listeners': '',
    'schema.registry.listeners': '',
    'journal.path': join(dir, name, 'journal.db'),
    'embedded.broker.dir': join(dir, name, 'kafka'),
  });
}

/** Runs the bin entry to its end; returns its exit code and output. */
async function run(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; fatal: string[] }> {
  const server = startServer(process.execPath, ['bin/kafka-rest-start.js', file], { env });
  started.push(server);
  const { code } = await server.exited;
  return { code, output: server.output(), fatal: server.lines().filter((line) => line.level >= 50).map((line) => line.msg) };
}

function assertOneSentence(result: { code: number | null; output: string; fatal: string[] }, message: RegExp): void {
  assert.equal(result.code, 1, result.output);
  assert.equal(result.fatal.length, 1, result.output);
  assert.match(result.fatal[0]!, message);
  assert.doesNotMatch(result.output, /\n\s+at |-Xmx|-cp /, 'no stack trace, no JVM command line');
}

test('without Java on PATH, the embedded broker is refused with what to install', async () => {
  // A PATH with node and nothing else.
  const bin = join(dir, 'bin-without-java');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const { JAVA_HOME: _home, ...env } = cleanEnv();
  const result = await run(await embeddedProperties('no-java'), { ...env, PATH: bin });
  assertOneSentence(result, /Java is not installed .*Java 17 or newer.*bootstrap\.servers/);
});

test('a JAVA_HOME without a java is named', async () => {
  const result = await run(await embeddedProperties('bad-java-home'), { ...cleanEnv(), JAVA_HOME: join(dir, 'no-such-jdk') });
  assertOneSentence(result, /JAVA_HOME is .*no-such-jdk.* does not exist/);
});

test('a taken port is named with its setting, before anything starts', async () => {
  const taken: Server = createServer();
  const port = await new Promise<number>((resolve) => taken.listen(0, '127.0.0.1', () => resolve((taken.address() as { port: number }).port)));
  try {
    const file = writeProperties(dir, 'taken.properties', {
      listeners: `http://127.0.0.1:${await freePort()}`,
      'management.listeners': `http://127.0.0.1:${port}`,
      'schema.registry.listeners': '',
      'journal.path': join(dir, 'taken', 'journal.db'),
      'embedded.broker.dir': join(dir, 'taken', 'kafka'),
    });
    const result = await run(file, cleanEnv());
    assertOneSentence(result, new RegExp(`127\\.0\\.0\\.1:${port} \\(management\\.listeners\\) is already in use`));
    assert.doesNotMatch(result.output, /starting an embedded Kafka broker/);
  } finally {
    taken.close();
  }
});

test("a Confluent production kafka-rest.properties starts the proxy, with one warning per key that does nothing here", async () => {
  const port = await freePort();
  const server = startServer(process.execPath, ['bin/kafka-rest-start.js', 'test/fixtures/confluent/production.properties'], {
    env: {
      ...cleanEnv(),
      KAFKA_REST_BOOTSTRAP_SERVERS: process.env.TEST_KAFKA_BOOTSTRAP!,
      KAFKA_REST_LISTENERS: `http://127.0.0.1:${port}`,
      KAFKA_REST_MANAGEMENT_LISTENERS: '',
      KAFKA_REST_JOURNAL_PATH: join(dir, 'confluent', 'journal.db'),
      // What Kubernetes injects into every pod when a Service is named kafka-rest.
      KAFKA_REST_PORT: 'tcp://10.96.0.12:8082',
      KAFKA_REST_SERVICE_HOST: '10.96.0.12',
      KAFKA_REST_SERVICE_PORT: '8082',
    },
  });
  started.push(server);
  await server.waitFor(/kafka-rest proxy listening/, 60_000);
  const warnings = server.lines().filter((line) => line.level === 40).map((line) => line.msg);
  for (const key of ['zookeeper.connect', 'consumer.threads', 'ssl.keystore.location', 'consumer.max.poll.records', 'client.sasl.kerberos.service.name', 'KAFKA_REST_PORT', 'KAFKA_REST_SERVICE_HOST']) {
    assert.equal(warnings.filter((w) => w.includes(key)).length, 1, `one warning about ${key}:\n${warnings.join('\n')}`);
  }
  // The deprecated `port` lost to listeners (set here through the environment), and said so.
  assert.ok(warnings.some((w) => /\bport\b/.test(w) && w.includes('listeners')), warnings.join('\n'));
  const topics = await fetch(`http://127.0.0.1:${port}/topics`);
  assert.equal(topics.status, 200);
  server.child.kill('SIGTERM');
  assert.equal((await server.exited).code, 0, server.output());
});
