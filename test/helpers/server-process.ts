/**
 * The proxy started the way users start it — `npm start -- file` or the bin entry — as a child
 * process whose JSON log lines the test reads: to find the broker's pid, to wait for a message, to
 * check the order of the shutdown steps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LogLine {
  level: number;
  msg: string;
  pid: number;
  [field: string]: unknown;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines so far (stdout lines that parse). */
  lines(): LogLine[];
  /** Resolves with the first log line whose message matches; rejects if the process exits first. */
  waitFor(message: RegExp, timeoutMs?: number): Promise<LogLine>;
}

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;

export function writeProperties(dir: string, name: string, properties: Record<string, string>): string {
  const file = join(dir, name);
  writeFileSync(file, Object.entries(properties).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return file;
}

/** `detached` puts it in a process group of its own, so a test can play Ctrl-C: kill(-pid, 'SIGINT'). */
export function startServer(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; detached?: boolean; cwd?: string } = {}): ServerProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    detached: options.detached ?? false,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  const parsed: LogLine[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
    let newline: number;
    while ((newline = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, newline);
      stdout = stdout.slice(newline + 1);
      try {
        const value = JSON.parse(line) as LogLine;
        if (value && typeof value.msg === 'string') parsed.push(value);
      } catch {
        // npm's banner, build output
      }
    }
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      setImmediate(notify);
    }),
  );
  return {
    child,
    exited,
    output: () => output,
    lines: () => [...parsed],
    waitFor: (message, timeoutMs = 180_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = parsed.find((line) => message.test(line.msg));
          if (found) return done(() => resolve(found));
          if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`exited before logging ${message}:\n${output}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no log line matching ${message} within ${timeoutMs} ms:\n${output}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      }),
  };
}

/** Whether a process with this pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Index of the first log line matching `message`, -1 when there is none. */
export const indexOf = (lines: LogLine[], message: RegExp): number => lines.findIndex((line) => message.test(line.msg));

export async function waitUntilGone(pid: number, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}
