/**
 * What the embedded broker leaves on disk about its process: a pid file, for stopping a broker
 * whose proxy was killed (the broker runs in its own process group, so it outlives a SIGKILLed
 * proxy), and broker.log, whose first error line says why a start failed.
 */
import { existsSync, readFileSync } from 'node:fs';

const ORPHAN_STOP_MS = 30_000;

/**
 * Stops the broker recorded in `pidFile` if it still runs *this* directory's server.properties
 * (a recycled pid belongs to someone else and is left alone). Returns its pid, or null.
 */
export async function stopOrphan(pidFile: string, propertiesFile: string): Promise<number | null> {
  const pid = readPid(pidFile);
  if (pid === null || !runs(pid, propertiesFile)) return null;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + ORPHAN_STOP_MS;
  while (alive(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
  if (alive(pid)) signal(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((done) => setTimeout(done, 50));
  return pid;
}

/** `: <first ERROR/FATAL message>` from the end of broker.log, or '' when there is none. */
export function brokerLogProblem(logFile: string): string {
  if (!existsSync(logFile)) return '';
  const tail = readFileSync(logFile, 'utf8').split('\n').slice(-400);
  // Lines look like `[2026-12-01 10:00:00,000] ERROR Exiting Kafka due to fatal exception (kafka.Kafka$)`.
  const line = tail.find((l) => / (ERROR|FATAL) /.test(l) && !/Exiting Kafka/.test(l)) ?? tail.find((l) => / (ERROR|FATAL) /.test(l));
  if (!line) return '';
  const message = line.replace(/^\[[^\]]*\] (ERROR|FATAL) /, '').replace(/ \([\w.$]+\)$/, '');
  return `: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}`;
}

function readPid(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/** Whether `pid` is a running broker started on `propertiesFile` (Linux /proc; elsewhere: unknown → no). */
function runs(pid: number, propertiesFile: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes('kafka.Kafka') && args.includes(propertiesFile);
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return runsAtAll(pid);
  } catch {
    return false;
  }
}

// A zombie (exited, not yet reaped by its former parent) still answers kill(0).
function runsAtAll(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
