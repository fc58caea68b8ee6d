/**
 * A production install: what package.json's `files` names (the built dist/, bin/, migrations, the
 * OpenAPI document, the Kafka pom) plus the manifest and lock file, installed with
 * `npm ci --omit=dev` in a directory of its own. It runs the proxy with no TypeScript tooling at
 * all, and without Maven it says in one line what to do instead of fetching Kafka's jars.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { build } from '../../scripts/build.ts';
import { freePort } from '../../src/broker/free-port.ts';
import { bootstrapServers, createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { createConsumer, post, readUntil } from '../helpers/consumer.ts';
import { call, JSON_FORMAT, produce } from '../helpers/proxy.ts';

const JSONSCHEMA = 'application/vnd.kafka.jsonschema.v2+json';
const REGISTRY = 'application/vnd.schemaregistry.v1+json';
const ESC = '\u001b';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (spawn, so the test's event loop stays free for a slow compile). */
function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** pino's JSON lines, and any line that is not one (a stack trace would be). */
function logLines(text: string): { logged: Array<{ level: number; msg: string }>; other: string[] } {
  const logged: Array<{ level: number; msg: string }> = [];
  const other: string[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    try {
      logged.push(JSON.parse(line));
    } catch {
      other.push(line);
    }
  }
  return { logged, other };
}

let root: string;
let app: string;
let npmOutput: string;

function properties(name: string, settings: Record<string, string>): string {
  const file = join(root, name);
  writeFileSync(file, Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n'));
  return file;
}

/** A PATH with only the given programs: no mvn, no java, no npm, no tsx. */
function pathWith(programs: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(root, 'path-'));
  for (const [name, script] of Object.entries(programs)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

before(
  async () => {
    await build();
    root = mkdtempSync(join(tmpdir(), 'kafka-rest-production-'));
    app = join(root, 'app');
    mkdirSync(app);
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] };
    for (const entry of ['package.json', 'package-lock.json', '.npmrc', ...manifest.files]) {
      cpSync(entry, join(app, entry), { recursive: true });
    }
    // better-sqlite3 compiles from source here; the packages themselves come from npm's cache.
    const install = await run('npm', ['ci', '--omit=dev', '--prefer-offline'], { cwd: app, timeoutMs: 9 * 60_000 });
    npmOutput = install.stdout + install.stderr;
    assert.equal(install.code, 0, npmOutput);
  },
  { timeout: 10 * 60_000 },
);
after(() => rmSync(root, { recursive: true, force: true }));

describe('a production install (npm ci --omit=dev of the built package)', () => {
  test('has the runtime dependencies, no TypeScript tooling, and installs without noise', () => {
    // (@types/node is not among them: protobufjs depends on it.)
    for (const dev of ['typescript', 'tsx', '@types/better-sqlite3', '@kafkajs/confluent-schema-registry', 'playwright-core']) {
      assert.equal(existsSync(join(app, 'node_modules', dev)), false, `${dev} is a devDependency`);
    }
    for (const runtime of ['ajv', 'ajv-formats', 'better-sqlite3', 'kafkajs']) {
      assert.equal(existsSync(join(app, 'node_modules', runtime, 'package.json')), true, `${runtime} is installed`);
    }
    assert.equal(existsSync(join(app, '.kafka')), false, 'no Kafka jars are fetched at install time');
    assert.equal(npmOutput.includes(ESC), false, npmOutput);
    assert.doesNotMatch(npmOutput, /warn/i);
  });

  test('serves JSON and JSON Schema records against an existing cluster, and stops on SIGTERM', async () => {
    const listener = `http://127.0.0.1:${await freePort()}`;
    const registry = `http://127.0.0.1:${await freePort()}`;
    const file = properties('existing-cluster.properties', {
      'bootstrap.servers': bootstrapServers(),
      listeners: listener,
      'management.listeners': '',
      'schema.registry.listeners': registry,
      'journal.path': join(root, 'journal.db'),
      'log.level': 'info',
    });
    const proxy = await startProxy(file, listener);
    try {
      const topic = await createTopic(uniqueTopic('production-json'), 1);
      const sent = [{ n: 1, text: 'one' }, { n: 2, text: 'two' }];
      const reply = await produce({ url: listener }, `/topics/${topic}`, { records: sent.map((value) => ({ value })) }, JSON_FORMAT);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const consumer = await createConsumer(listener, uniqueTopic('production-group'), { format: 'json', 'auto.offset.reset': 'earliest' });
      assert.equal((await post(`${consumer}/subscription`, { topics: [topic] })).status, 204);
      assert.deepEqual((await readUntil(consumer, 2, 30_000, JSON_FORMAT)).map((r) => r.value), sent);
      assert.equal((await call(consumer, { method: 'DELETE', headers: { 'Content-Type': 'application/vnd.kafka.v2+json' } })).status, 204);

      // JSON Schema validation is ajv's work: it must be installed as a dependency to run here.
      const schemaTopic = await createTopic(uniqueTopic('production-jsonschema'), 1);
      const schema = JSON.stringify({ type: 'object', properties: { id: { type: 'integer' }, at: { type: 'string', format: 'date-time' } }, required: ['id'] });
      const registered = await call(`${registry}/subjects/${schemaTopic}-value/versions`, {
        method: 'POST',
        headers: { 'Content-Type': REGISTRY },
        body: { schemaType: 'JSON', schema },
      });
      assert.equal(registered.status, 200, JSON.stringify(registered.body));
      const id = registered.body.id as number;
      const good = await produce({ url: listener }, `/topics/${schemaTopic}`, { value_schema_id: id, records: [{ value: { id: 7, at: '2024-01-02T03:04:05Z' } }] }, JSONSCHEMA);
      assert.equal(good.status, 200, JSON.stringify(good.body));
      assert.equal(good.body.value_schema_id, id);
      const bad = await produce({ url: listener }, `/topics/${schemaTopic}`, { value_schema_id: id, records: [{ value: { id: 8, at: 'yesterday' } }] }, JSONSCHEMA);
      assert.equal(bad.status, 400, 'a date-time format that ajv-formats rejects');
      const schemaConsumer = await createConsumer(listener, uniqueTopic('production-schema-group'), { format: 'jsonschema', 'auto.offset.reset': 'earliest' });
      assert.equal((await post(`${schemaConsumer}/subscription`, { topics: [schemaTopic] })).status, 204);
      assert.deepEqual((await readUntil(schemaConsumer, 1, 30_000, JSONSCHEMA)).map((r) => r.value), [{ id: 7, at: '2024-01-02T03:04:05Z' }]);
    } finally {
      proxy.child.kill('SIGTERM');
    }
    const { code } = await proxy.exited;
    assert.equal(code, 0, proxy.output());
    const { logged } = logLines(proxy.output());
    assert.ok(logged.some((line) => line.msg === 'kafka-rest proxy stopped'), proxy.output());
  });

  test('without bootstrap.servers and without Maven, start-up stops with one line saying what to do', async () => {
    const file = properties('embedded.properties', {
      listeners: `http://127.0.0.1:${await freePort()}`,
      'management.listeners': '',
      'schema.registry.listeners': '',
      'journal.path': join(root, 'embedded-journal.db'),
      'embedded.broker.dir': join(root, 'embedded-kafka'),
    });
    const started = await run(process.execPath, ['bin/kafka-rest-start.js', file], { cwd: app, env: { PATH: pathWith() } });
    const output = started.stdout + started.stderr;
    assert.equal(started.code, 1, output);
    const { logged, other } = logLines(output);
    assert.deepEqual(other, [], 'nothing but log lines: no stack trace');
    const fatal = logged.filter((line) => line.level === 60);
    assert.deepEqual(
      fatal.map((line) => line.msg),
      [
        `Kafka's jars are not in ${join(app, '.kafka', 'libs')} and Maven (mvn) is not installed: install Maven, or set bootstrap.servers to use an existing Kafka cluster`,
      ],
    );
    assert.equal(existsSync(join(app, '.kafka', 'libs')), false);
  });

  test('kafka:fetch without Maven says so in one line and exits 1', async () => {
    const fetched = await run(process.execPath, ['scripts/kafka/fetch.js'], { cwd: app, env: { PATH: pathWith() } });
    assert.equal(fetched.code, 1, fetched.stdout + fetched.stderr);
    assert.deepEqual(fetched.stderr.trim().split('\n'), [
      `kafka-rest: Kafka's jars are not in ${join(app, '.kafka', 'libs')} and Maven (mvn) is not installed: install Maven, or set bootstrap.servers to use an existing Kafka cluster`,
    ]);
  });

  test('a Maven that fails leaves no jars and one line with its first error and where its output went', async () => {
    const unreachable =
      '[ERROR] Failed to execute goal on project local-kafka-broker: Could not transfer artifact org.apache.kafka:kafka_2.13:pom:4.1.2 from/to central (https://repo.maven.apache.org/maven2): repo.maven.apache.org: Temporary failure in name resolution';
    const mvn = `printf '\\033[0m${unreachable}\\n[ERROR] \\n[ERROR] Re-run Maven using the -X switch\\n\\033[0m' >&2\nexit 1`;
    try {
      const fetched = await run(process.execPath, ['scripts/kafka/fetch.js'], { cwd: app, env: { PATH: pathWith({ mvn }) } });
      assert.equal(fetched.code, 1, fetched.stdout + fetched.stderr);
      const log = join(app, '.kafka', 'maven.log');
      const lines = fetched.stderr.trim().split('\n');
      assert.equal(lines.length, 1, fetched.stderr);
      assert.equal(
        lines[0],
        `kafka-rest: Maven exited with code 1 while fetching Kafka's jars into ${join(app, '.kafka', 'libs')} (its output is in ${log}): ${unreachable.replace('[ERROR] ', '')}; check that Maven Central is reachable, or set bootstrap.servers to use an existing Kafka cluster`,
      );
      assert.match(readFileSync(log, 'utf8'), /Temporary failure in name resolution/);
      assert.equal(readFileSync(log, 'utf8').includes(ESC), false, 'the saved output has no colour codes');
      assert.deepEqual(readdirSync(join(app, '.kafka')), ['maven.log'], 'no libs, no marker, no half-fetched folder');
    } finally {
      rmSync(join(app, '.kafka'), { recursive: true, force: true });
    }
  });

  test('kafka:fetch runs Maven quietly once per pom, and again when the pom changes', async () => {
    const calls = join(root, 'mvn-calls');
    // Copies one "jar" into -DoutputDirectory and records its arguments, one call per line.
    const mvn = [
      `echo "$*" >> '${calls}'`,
      'for arg in "$@"; do case "$arg" in -DoutputDirectory=*) out="${arg#-DoutputDirectory=}";; esac; done',
      'echo jar > "$out/kafka_2.13-4.1.2.jar"',
    ].join('\n');
    const env = { PATH: pathWith({ mvn }) };
    const libs = join(app, '.kafka', 'libs');
    const pom = join(app, 'scripts', 'kafka', 'pom.xml');
    const original = readFileSync(pom);
    try {
      const first = await run(process.execPath, ['scripts/kafka/fetch.js'], { cwd: app, env });
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(first.stdout.trim().split('\n'), [`fetching Apache Kafka's jars into ${libs} with Maven`, `Apache Kafka's jars are in ${libs}`]);
      assert.deepEqual(readdirSync(libs), ['kafka_2.13-4.1.2.jar']);
      assert.equal(readFileSync(join(app, '.kafka', 'pom.sha256'), 'utf8'), createHash('sha256').update(original).digest('hex'));
      const args = readFileSync(calls, 'utf8').trim().split(' ');
      for (const quiet of ['-q', '-B', '--no-transfer-progress', '-Dstyle.color=never']) assert.ok(args.includes(quiet), `mvn ${args.join(' ')}`);

      const again = await run(process.execPath, ['scripts/kafka/fetch.js'], { cwd: app, env });
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(again.stdout.trim().split('\n'), [`Apache Kafka's jars are in ${libs}`]);
      assert.equal(readFileSync(calls, 'utf8').trim().split('\n').length, 1, 'Maven ran once');

      appendFileSync(pom, '<!-- another Kafka version -->\n');
      const changed = await run(process.execPath, ['scripts/kafka/fetch.js'], { cwd: app, env });
      assert.equal(changed.code, 0, changed.stderr);
      assert.equal(readFileSync(calls, 'utf8').trim().split('\n').length, 2, 'a changed pom fetches again');
      assert.deepEqual(readdirSync(join(app, '.kafka')).sort(), ['libs', 'pom.sha256'], 'the staging folder is gone');
    } finally {
      writeFileSync(pom, original);
      rmSync(join(app, '.kafka'), { recursive: true, force: true });
    }
  });

  test('a bin without its build says to build, in one line', async () => {
    const unbuilt = join(root, 'unbuilt');
    mkdirSync(unbuilt);
    cpSync(join(app, 'bin'), join(unbuilt, 'bin'), { recursive: true });
    cpSync(join(app, 'package.json'), join(unbuilt, 'package.json'));
    const started = await run(process.execPath, ['bin/kafka-rest-start.js'], { cwd: unbuilt });
    assert.equal(started.code, 1);
    assert.equal(started.stdout, '');
    assert.equal(started.stderr, 'kafka-rest is not built: run `npm run build` (or `npm start`, which builds first)\n');
  });
});

interface StartedProxy {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `node bin/kafka-rest-start.js <file>` from the install, once it answers on `url`. */
async function startProxy(file: string, url: string): Promise<StartedProxy> {
  const child = spawn(process.execPath, ['bin/kafka-rest-start.js', file], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (await fetch(`${url}/`).then((r) => r.ok, () => false)) return { child, output: () => output, exited };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  await exited;
  throw new Error(`the installed proxy did not start:\n${output}`);
}
