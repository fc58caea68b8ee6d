/**
 * For the journal protection tests: real proxy processes on one journal (through spawnProxy, with
 * a management listener for /metrics), a process expected to refuse to start, and readers for
 * pino's JSON lines and Prometheus samples.
 */
import { spawn } from 'node:child_process';
import { freePort } from '../../src/broker/free-port.ts';
import { bootstrapServers } from './cluster.ts';
import { spawnProxy, type ProxyProcess } from './process.ts';

export interface JournalProxy extends ProxyProcess {
  managementUrl: string;
}

export async function startJournalProxy(dir: string, journal: string, extra: Record<string, string> = {}): Promise<JournalProxy> {
  const managementUrl = `http://127.0.0.1:${await freePort()}`;
  const proxy = await spawnProxy(dir, {
    'bootstrap.servers': bootstrapServers(),
    'journal.path': journal,
    'management.listeners': managementUrl,
    'log.level': 'info',
    ...extra,
  });
  return { ...proxy, managementUrl };
}

export async function kill(proxy: ProxyProcess): Promise<void> {
  proxy.child.kill('SIGKILL');
  await proxy.exited;
}

export interface Refusal {
  /** Exit code, or null when the process started after all (it is then killed). */
  code: number | null;
  started: boolean;
  output: string;
}

/**
 * Runs `node --import tsx src/main.ts` configured by KAFKA_REST_* variables until it exits, or
 * until it says it is listening (then it is killed and `started` is true).
 */
export async function runExpectingRefusal(settings: Record<string, string>): Promise<Refusal> {
  const env: Record<string, string> = { ...process.env } as Record<string, string>;
  for (const key of Object.keys(env)) if (key.startsWith('KAFKA_REST_')) delete env[key];
  for (const [key, value] of Object.entries(settings)) env[`KAFKA_REST_${key.toUpperCase().replaceAll('.', '_')}`] = value;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  return new Promise((resolve) => {
    let started = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!started && output.includes('kafka-rest proxy listening')) {
        started = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(deadline);
      resolve({ code: started ? null : code, started, output });
    });
  });
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's JSON lines in a process's output (other lines are skipped). */
export function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as LogLine];
      } catch {
        return [];
      }
    });
}

/** One Prometheus sample from a /metrics page, e.g. `kafka_rest_journal_lost_events`; undefined when absent. */
export async function metric(managementUrl: string, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${managementUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}
