/**
 * Runs the proxy as a child process (`node --import tsx src/main.ts`) configured by KAFKA_REST_*
 * variables, waits until it answers HTTP (or HTTPS), and stops it with SIGTERM. A child process,
 * not an in-process proxy, so its RSS and CPU are measurable apart from the load generator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
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

/** An https listener instead of http: how the readiness check trusts and authenticates to it. */
export interface HttpsReadiness {
  /** PEM CA certificates the proxy's certificate chains to. */
  ca: Buffer;
  /** Authorization header for the readiness request, when authentication is on (a proxy that refuses it fails the start, not the run). */
  authorization?: string;
}

/** `settings` are proxy properties whose keys contain no `_` (they become KAFKA_REST_* variables). */
export async function startProxyProcess(
  settings: Record<string, string>,
  options: { readyTimeoutMs?: number; nodeArgs?: string[]; https?: HttpsReadiness } = {},
): Promise<ProxyProcess> {
  const { readyTimeoutMs = 60_000, nodeArgs = [] } = options;
  const port = await freePort();
  const url = `${options.https ? 'https' : 'http'}://127.0.0.1:${port}`;
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
    const status = options.https ? httpsStatus(options.https) : httpStatus;
    await waitUntilServing(`${url}/topics`, status, () => exitCode !== undefined, readyTimeoutMs);
  } catch (error) {
    await proxy.stop(5_000);
    throw error;
  }
  return proxy;
}

/** Polls GET /topics (a metadata call, so Kafka is reachable too) until it answers 200. */
async function waitUntilServing(url: string, status: (url: string) => Promise<number>, hasExited: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('the proxy process exited during start-up (its output is above)');
    try {
      const answered = await status(url);
      if (answered === 200) return;
      last = `HTTP ${answered}`;
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

async function httpStatus(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.status;
}

function httpsStatus({ ca, authorization }: HttpsReadiness): (url: string) => Promise<number> {
  return (url) =>
    new Promise((resolve, reject) => {
      const req = https.get(url, { agent: false, ca, headers: authorization ? { Authorization: authorization } : {} }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.setTimeout(2_000, () => req.destroy(new Error('no answer within 2000 ms')));
      req.on('error', reject);
    });
}
