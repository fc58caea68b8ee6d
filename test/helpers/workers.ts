/** For tests of `workers=N` proxies (one spawned primary): waiting on its log, its worker pids, clean-up. */
import { rmSync } from 'node:fs';
import { logLines } from './journal-processes.ts';
import type { ProxyProcess } from './process.ts';

/** pid of each worker id (`w0`, `w1`…), from their log lines (the latest start wins). */
export function workerPids(output: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of logLines(output)) if (typeof line.id === 'string' && line.msg === 'kafka-rest proxy listening') pids.set(line.id, Number(line.pid));
  return pids;
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops the primary (and with it its workers) if it still runs, and removes the test's directory. */
export async function stopWorkers(proxy: ProxyProcess | null, dir: string): Promise<void> {
  if (proxy && proxy.child.exitCode === null) {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
