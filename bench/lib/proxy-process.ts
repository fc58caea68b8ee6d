/**
 * Runs the proxy as a child process (`node --import tsx src/main.ts`) configured by KAFKA_REST_*
 * variables, waits until it answers HTTP, and stops it with SIGTERM. A child process, not an
 * in-process proxy, so its RSS and CPU are measurable apart from the load generator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/broker/free-port.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Output lines echoed from the proxy before further ones are only counted (a noisy proxy must not flood the report). */
const MAX_ECHOED_LINES = 40;

export interface ProxyProcess {
  readonly pid: number;
  readonly url: string;
  /** Log lines the proxy wrote (at the configured level, warn by default). */
  readonly outputLines: () => number;
  stop(timeoutMs?: number): Promise<number | null>;
}

/** `settings` are proxy properties whose keys contain no `_` (they become KAFKA_REST_* variables). */
export async function startProxyProcess(
  settings: Record<string, string>,
  options: { readyTimeoutMs?: number; nodeArgs?: string[] } = {},
): Promise<ProxyProcess> {
  const { readyTimeoutMs = 60_000, nodeArgs = [] } = options;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The caller's KAFKA_REST_* variables pass through (tuning such as the pool size); `settings` win.
  const env: NodeJS.ProcessEnv = { KAFKA_REST_LOG_LEVEL: 'warn', KAFKA_REST_MANAGEMENT_LISTENERS: '', KAFKA_REST_SCHEMA_REGISTRY_LISTENERS: '', ...process.env };
  for (const [key, value] of Object.entries({ ...settings, listeners: url })) {
    env[`KAFKA_REST_${key.toUpperCase().replaceAll('.', '_')}`] = value;
  }
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('could not spawn the proxy process');
  const pid = child.pid;

  let lines = 0;
  const echo = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines++;
      if (lines <= MAX_ECHOED_LINES) console.error(`[proxy] ${line}`);
      else if (lines === MAX_ECHOED_LINES + 1) console.error('[proxy] … further output only counted');
    }
  };
  child.stdout?.on('data', echo);
  child.stderr?.on('data', echo);

  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      done(exitCode);
    }),
  );

  const proxy: ProxyProcess = { pid, url, outputLines: () => lines, stop: (timeoutMs = 30_000) => stopChild(child, exited, timeoutMs) };
  try {
    await waitUntilServing(url, () => exitCode !== undefined, readyTimeoutMs);
  } catch (error) {
    await proxy.stop(5_000);
    throw error;
  }
  return proxy;
}

/** Polls GET /topics (a metadata call, so Kafka is reachable too) until it answers 200. */
async function waitUntilServing(url: string, hasExited: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('the proxy process exited during start-up (its output is above)');
    try {
      const response = await fetch(`${url}/topics`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`the proxy did not serve GET /topics within ${timeoutMs} ms (last: ${last})`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  // A graceful shutdown that hangs must not hang the benchmark.
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await exited;
  } finally {
    clearTimeout(killer);
  }
}
