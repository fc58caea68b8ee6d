/**
 * `npm test`: builds dist/ (process-level tests run the real bin, which runs the built code; the
 * tests themselves import the sources through tsx), makes sure Kafka's jars and Chromium (for the
 * inspector's browser test) are there, starts one local Kafka broker for the whole suite (free
 * ports, temporary directory, topic auto-creation off so missing-topic behaviour is testable),
 * runs every test file with Node's test runner against it, then stops the broker and removes the
 * directory. Tests that need to stop or restart a broker start their own.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKafkaJars } from '../src/broker/kafka-jars.ts';
import { LocalBroker } from '../src/broker/local-broker.ts';
import { build } from './build.ts';
import { ensureChromium } from './ensure-chromium.ts';
import { TEST_BROKER_PROPERTIES } from '../test/helpers/own-broker.ts';

// Node 20's runner does not expand globs, so the files are listed here: unit tests first.
const given = process.argv.slice(2);
const files = given.length > 0 ? given : ['test/unit', 'test/integration'].flatMap(testFiles);

function testFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .sort()
    .map((file) => join(dir, file));
}

// Type errors do not stop the tests (tsx never checked them either); the static checks below fail the run.
if ((await build()).typeErrors) console.warn('# build: type errors (above); testing anyway');
// The whole suite also runs the type checker over tests, benchmarks and scripts, and the linter.
const staticChecks = given.length > 0 ? [] : [check('typecheck', ['node_modules/typescript/bin/tsc', '--noEmit']), check('lint', ['node_modules/eslint/bin/eslint.js', '.'])];
await ensureKafkaJars({ log: (line) => console.log(`# ${line}`) });
ensureChromium();
const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-test-'));
const started = Date.now();
const broker = await LocalBroker.start({ dir, autoCreateTopics: false, properties: { ...TEST_BROKER_PROPERTIES, 'num.partitions': '3' } });
console.log(`# test broker ${broker.bootstrapServers} ready in ${Date.now() - started} ms (${dir})`);

const runner = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=240000', ...files],
  { stdio: 'inherit', env: { ...process.env, TEST_KAFKA_BOOTSTRAP: broker.bootstrapServers } },
);
const stopRunner = (signal: NodeJS.Signals) => runner.kill(signal);
process.on('SIGINT', stopRunner);
process.on('SIGTERM', stopRunner);
const code = await new Promise<number>((resolve) => runner.once('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await broker.stop();
rmSync(dir, { recursive: true, force: true });
const failedChecks = (await Promise.all(staticChecks)).filter((failed) => failed !== null);
for (const failed of failedChecks) console.log(`# ${failed}`);
process.exit(code || (failedChecks.length > 0 ? 1 : 0));

/** Runs a static check beside the tests; resolves to null when clean, else what failed with its output. */
async function check(name: string, args: string[]): Promise<string | null> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [exitCode] = (await once(child, 'exit')) as [number | null];
  if (exitCode === 0) return null;
  return `${name} failed (npm run ${name}):\n${output.trim()}`.replaceAll('\n', '\n# ');
}
