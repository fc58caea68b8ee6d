/**
 * Apache Kafka's runtime jars for the embedded broker, fetched from Maven Central by running
 * Maven on scripts/kafka/pom.xml into the package's git-ignored .kafka/libs. Nothing fetches them
 * at install time: an install that talks to an existing cluster needs neither Java nor Maven.
 * They are fetched when an embedded broker is first wanted, or ahead of time with
 * `npm run kafka:fetch` (e.g. while building an image).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartupError } from '../startup-error.ts';

// src/broker/ and dist/broker/ are both two levels below the package root.
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where the fetched Kafka distribution lives: a git-ignored folder at the package root. */
export const kafkaHome = join(packageRoot, '.kafka');
export const kafkaLibs = join(kafkaHome, 'libs');
/** The pom naming the broker's artifacts; its hash marks which pom produced kafkaLibs. */
export const kafkaPom = join(packageRoot, 'scripts', 'kafka', 'pom.xml');

const marker = join(kafkaHome, 'pom.sha256');
const mavenLog = join(kafkaHome, 'maven.log');
const NO_CLUSTER_HINT = 'or set bootstrap.servers to use an existing Kafka cluster';

// ESC [ … m, built from its code so the source holds no control character.
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

let fetching: Promise<string> | null = null;

/**
 * Makes sure kafkaLibs holds the jars the current pom names, fetching them with Maven when it does
 * not; resolves to kafkaLibs. Idempotent, and concurrent callers in one process share one fetch.
 * Every failure is a StartupError whose message says what to do.
 */
export function ensureKafkaJars(options: { log?: (line: string) => void } = {}): Promise<string> {
  fetching ??= fetchWhenStale(options.log ?? (() => {})).finally(() => {
    fetching = null;
  });
  return fetching;
}

async function fetchWhenStale(log: (line: string) => void): Promise<string> {
  const pomHash = await hashOfPom();
  if (await isCurrent(pomHash)) return kafkaLibs;
  await mkdir(kafkaHome, { recursive: true });
  // Maven fills a private folder that then replaces kafkaLibs in one rename, so another process
  // never sees a half-filled kafkaLibs, and an interrupted fetch leaves the old one intact.
  const staging = await mkdtemp(join(kafkaHome, 'libs-fetching-'));
  try {
    log(`fetching Apache Kafka's jars into ${kafkaLibs} with Maven`);
    await runMaven(staging);
    // Another process may have finished the same fetch meanwhile: its result is as good as ours.
    if (await isCurrent(pomHash)) return kafkaLibs;
    try {
      await replaceLibs(staging);
    } catch (error) {
      if (await isCurrent(pomHash)) return kafkaLibs;
      throw new StartupError(`Kafka's jars could not be put in ${kafkaLibs}: ${(error as Error).message}`, { cause: error });
    }
    await writeFile(marker, pomHash);
    log(`Apache Kafka's jars are in ${kafkaLibs}`);
    return kafkaLibs;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function hashOfPom(): Promise<string> {
  try {
    return createHash('sha256').update(await readFile(kafkaPom)).digest('hex');
  } catch (error) {
    throw new StartupError(
      `Kafka's jars are not in ${kafkaLibs} and ${kafkaPom}, which names them, cannot be read: reinstall the package, ${NO_CLUSTER_HINT}`,
      { cause: error },
    );
  }
}

async function isCurrent(pomHash: string): Promise<boolean> {
  if (!existsSync(kafkaLibs)) return false;
  return (await readFile(marker, 'utf8').catch(() => '')) === pomHash;
}

async function replaceLibs(staging: string): Promise<void> {
  const previous = `${staging}-previous`;
  await rename(kafkaLibs, previous).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(staging, kafkaLibs);
  await rm(previous, { recursive: true, force: true });
}

/**
 * `mvn dependency:copy-dependencies`, quiet and colourless; its output is kept and written to
 * maven.log only when it fails, so a successful fetch prints nothing into the proxy's log.
 */
function runMaven(outputDirectory: string): Promise<void> {
  const args = [
    '-q',
    '-B',
    '--no-transfer-progress',
    '-Dstyle.color=never',
    '-f',
    kafkaPom,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${outputDirectory}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    let spawnFailed = false;
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnFailed = true;
      if (error.code === 'ENOENT') {
        reject(
          new StartupError(
            `Kafka's jars are not in ${kafkaLibs} and Maven (mvn) is not installed: install Maven, ${NO_CLUSTER_HINT}`,
            { cause: error },
          ),
        );
      } else reject(new StartupError(`Maven (mvn) could not be run to fetch Kafka's jars: ${error.message}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      if (spawnFailed) return;
      if (code === 0) return resolve();
      // Maven 3.8 writes colour resets even in batch mode with style.color=never.
      const text = Buffer.concat(output).toString('utf8').replace(ANSI_COLOUR, '');
      const outcome = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
      writeFile(mavenLog, text).then(
        () => reject(new StartupError(mavenFailure(outcome, text, `its output is in ${mavenLog}`))),
        () => reject(new StartupError(mavenFailure(outcome, text, 'its output could not be saved'))),
      );
    });
  });
}

/** One line: what Maven said first went wrong (usually Maven Central being unreachable). */
function mavenFailure(outcome: string, output: string, where: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const errors = lines.filter((line) => line.startsWith('[ERROR]')).map((line) => line.replace(/^\[ERROR\]\s*/, ''));
  const said = errors.find(Boolean) ?? lines.at(-1);
  const reason = said ? `: ${truncate(said, 400)}` : '';
  return `Maven ${outcome} while fetching Kafka's jars into ${kafkaLibs} (${where})${reason}; check that Maven Central is reachable, ${NO_CLUSTER_HINT}`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
