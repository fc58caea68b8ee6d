/**
 * Finds the Java runtime the embedded broker runs on, and says in one sentence what to do when
 * there is none or it is too old — instead of a `spawn java ENOENT` with a dump of JVM arguments.
 * `JAVA_HOME` wins over `PATH`, as in Kafka's own start scripts.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { StartupError } from '../startup-error.ts';

const execFileAsync = promisify(execFile);

/** Kafka 4.x brokers need Java 17 (KIP-1013). */
export const MIN_JAVA_VERSION = 17;

const OR_EXTERNAL = 'or set bootstrap.servers to use an existing Kafka cluster';

export interface JavaRuntime {
  readonly path: string;
  readonly version: number;
}

export async function findJava(env: NodeJS.ProcessEnv = process.env): Promise<JavaRuntime> {
  const path = javaPath(env);
  let output: string;
  try {
    // `java -version` writes to stderr.
    const { stdout, stderr } = await execFileAsync(path, ['-version'], { timeout: 30_000 });
    output = `${stderr}${stdout}`;
  } catch (error) {
    throw new StartupError(`${path} -version failed (${(error as Error).message.split('\n')[0]}): the embedded Kafka broker needs a working Java ${MIN_JAVA_VERSION}+; reinstall it, ${OR_EXTERNAL}`, { cause: error });
  }
  const version = parseJavaVersion(output);
  if (version === null) throw new StartupError(`could not tell the version of ${path} from "${output.split('\n')[0]}": the embedded Kafka broker needs Java ${MIN_JAVA_VERSION}+`);
  if (version < MIN_JAVA_VERSION) {
    throw new StartupError(`${path} is Java ${version}; the embedded Kafka broker needs Java ${MIN_JAVA_VERSION} or newer: install it (and point JAVA_HOME at it), ${OR_EXTERNAL}`);
  }
  return { path, version };
}

/** The `java` to run: `$JAVA_HOME/bin/java`, else the first executable `java` on PATH. */
export function javaPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JAVA_HOME) {
    const path = join(env.JAVA_HOME, 'bin', 'java');
    if (!executable(path)) throw new StartupError(`JAVA_HOME is ${env.JAVA_HOME} but ${path} does not exist: point JAVA_HOME at a Java ${MIN_JAVA_VERSION}+ installation, or unset it to use the java on PATH`);
    return path;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, 'java');
    if (executable(path)) return path;
  }
  throw new StartupError(`Java is not installed (no java on PATH and JAVA_HOME is not set): the embedded Kafka broker needs Java ${MIN_JAVA_VERSION} or newer; install it, ${OR_EXTERNAL}`);
}

/** `openjdk version "17.0.13"` → 17; `java version "1.8.0_402"` → 8. */
export function parseJavaVersion(output: string): number | null {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return null;
  const major = Number(match[1]);
  return major === 1 && match[2] !== undefined ? Number(match[2]) : major;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
