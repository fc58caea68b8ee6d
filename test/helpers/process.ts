/**
 * Runs the real proxy as a child process (bin/kafka-rest-start.js) for tests that need signals:
 * graceful shutdown and, later, crash recovery.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/broker/free-port.ts';

export interface ProxyProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function spawnProxy(dir: string, properties: Record<string, string>): Promise<ProxyProcess> {
  const file = join(dir, 'proxy.properties');
  const settings = { listeners: `http://127.0.0.1:${await freePort()}`, 'management.listeners': '', 'schema.registry.listeners': '', 'log.level': 'info', ...properties };
  writeFileSync(file, Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n'));
  const child = spawn(process.execPath, ['bin/kafka-rest-start.js', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = settings.listeners.replace('0.0.0.0', '127.0.0.1');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const up = await fetch(`${url}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { url, child, output: () => output, exited };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`proxy did not start:\n${output}`);
}
