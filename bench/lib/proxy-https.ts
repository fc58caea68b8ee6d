/**
 * The proxy as a child process with an https listener (proxy-process.ts always listens on http):
 * same environment rules (the caller's KAFKA_REST_* pass through, `settings` win, log level warn,
 * no management or registry listener), ready once GET /topics answers 200 over TLS, with the
 * credentials the benchmark will use, so a proxy that refuses them fails the start rather than
 * the run. Stops with SIGTERM, SIGKILL after a timeout.
 */
import { spawn } from 'node:child_process';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/broker/free-port.ts';
import type { ProxyProcess } from './proxy-process.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAX_ECHOED_LINES = 40;

export interface HttpsReadiness {
  /** PEM CA certificates the proxy's certificate chains to. */
  ca: Buffer;
  /** Authorization header for the readiness request, when authentication is on. */
  authorization?: string;
  readyTimeoutMs?: number;
}

/** `settings` are proxy properties (they become KAFKA_REST_* variables); the listener is https on a free port. */
export async function startHttpsProxy(settings: Record<string, string>, readiness: HttpsReadiness): Promise<ProxyProcess> {
  const port = await freePort();
  const url = `https://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { KAFKA_REST_LOG_LEVEL: 'warn', KAFKA_REST_MANAGEMENT_LISTENERS: '', KAFKA_REST_SCHEMA_REGISTRY_LISTENERS: '', ...process.env };
  for (const [key, value] of Object.entries({ ...settings, listeners: url })) env[`KAFKA_REST_${key.toUpperCase().replaceAll('.', '_')}`] = value;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

  let gone = false;
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code, signal) => {
      gone = true;
      done(code ?? (signal ? -1 : null));
    }),
  );
  const stop = async (timeoutMs = 30_000) => {
    if (gone) return exited;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(killer);
    }
  };

  const proxy: ProxyProcess = { pid, url, outputLines: () => lines, stop };
  try {
    await waitUntilServing(url, readiness, () => gone);
  } catch (error) {
    await stop(5_000);
    throw error;
  }
  return proxy;
}

async function waitUntilServing(url: string, { ca, authorization, readyTimeoutMs = 60_000 }: HttpsReadiness, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('the proxy process exited during start-up (its output is above)');
    try {
      const status = await getStatus(`${url}/topics`, ca, authorization);
      if (status === 200) return;
      last = `HTTP ${status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error(`the proxy did not serve GET /topics within ${readyTimeoutMs} ms (last: ${last})`);
}

function getStatus(url: string, ca: Buffer, authorization: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent: false, ca, headers: authorization ? { Authorization: authorization } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(2_000, () => req.destroy(new Error('no answer within 2000 ms')));
    req.on('error', reject);
  });
}
