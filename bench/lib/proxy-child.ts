/**
 * The proxy as a child process on a port the caller chooses, for benchmarks that kill it and start
 * it again on the same journal and port (proxy-process.ts picks a fresh port and always waits for
 * readiness; this one returns right after spawn so a restart can be timed from that moment).
 *
 * Same environment rules as proxy-process.ts: the caller's KAFKA_REST_* variables pass through,
 * `settings` win, the log level defaults to warn.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_ECHOED_LINES = 40;

export interface ProxyChild {
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  /** performance.now() just before spawn(). */
  readonly spawnedAt: number;
  /** Resolves with the exit code (-1 when killed by a signal). */
  readonly exited: Promise<number | null>;
  hasExited(): boolean;
  /** Log lines written so far, and how many at pino level warn (40) and error/fatal (≥ 50). */
  output(): { lines: number; warn: number; error: number; samples: string[] };
  /** SIGKILL: no shutdown at all, as a crash. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Proxy property → env name, as proxy-process.ts does: `journal.path` → KAFKA_REST_JOURNAL_PATH. */
const envName = (key: string) => `KAFKA_REST_${key.toUpperCase().replaceAll('.', '_')}`;

export function spawnProxyChild(settings: Record<string, string>, options: { port: number; label?: string; nodeArgs?: string[] }): ProxyChild {
  const { port, label = 'proxy', nodeArgs = [] } = options;
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { KAFKA_REST_LOG_LEVEL: 'warn', KAFKA_REST_MANAGEMENT_LISTENERS: '', KAFKA_REST_SCHEMA_REGISTRY_LISTENERS: '', ...process.env };
  for (const [key, value] of Object.entries({ ...settings, listeners: url })) env[envName(key)] = value;

  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not spawn the proxy process');
  const pid = child.pid;

  let lines = 0;
  let warn = 0;
  let error = 0;
  const samples: string[] = [];
  let partial = '';
  const echo = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      lines++;
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
      if (level >= 50) error++;
      else if (level === 40) warn++;
      if (samples.length < 10) samples.push(line.slice(0, 400));
      if (lines <= MAX_ECHOED_LINES) console.error(`[${label}] ${line.slice(0, 600)}`);
      else if (lines === MAX_ECHOED_LINES + 1) console.error(`[${label}] … further output only counted`);
    }
  };
  child.stdout?.on('data', echo);
  child.stderr?.on('data', echo);

  let gone = false;
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code, signal) => {
      gone = true;
      done(code ?? (signal ? -1 : null));
    }),
  );

  return {
    pid,
    url,
    port,
    spawnedAt,
    exited,
    hasExited: () => gone,
    output: () => ({ lines, warn, error, samples: [...samples] }),
    kill: async () => {
      if (!gone) child.kill('SIGKILL');
      await exited;
    },
    stop: async (timeoutMs = 30_000) => {
      if (gone) return exited;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

/**
 * Polls `GET {url}{path}` every `intervalMs` (fresh connection each time) until it answers
 * `status`; returns performance.now() of that answer. Throws if the process exits or on timeout.
 */
export async function waitForStatus(
  proxy: Pick<ProxyChild, 'url' | 'hasExited'>,
  path: string,
  options: { status?: number; timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const { status = 200, timeoutMs = 60_000, intervalMs = 10 } = options;
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';
  while (performance.now() < deadline) {
    if (proxy.hasExited()) throw new Error(`the proxy process exited before answering GET ${path} (its output is above)`);
    try {
      const got = await getOnce(`${proxy.url}${path}`, 2_000);
      if (got === status) return performance.now();
      last = `HTTP ${got}`;
    } catch (error) {
      last = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
    }
    await new Promise((done) => setTimeout(done, intervalMs));
  }
  throw new Error(`the proxy did not answer GET ${path} with ${status} within ${timeoutMs} ms (last: ${last})`);
}

function getOnce(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { Accept: 'application/vnd.kafka.v2+json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
