/**
 * A real load balancer for tests that put several proxies behind one address: Debian's nginx
 * (scripts/ensure-nginx.ts) in the foreground, round robin over loopback upstreams, configured the
 * way a deployment's balancer would be (streamed bodies, dead upstreams skipped), with every file
 * it writes — config, logs, pid, temp bodies — in a temporary directory of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ensureNginx } from '../../scripts/ensure-nginx.ts';
import { freePort } from '../../src/broker/free-port.ts';

export interface Balancer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The nginx master's pid. */
  readonly pid: number;
  /** Rewrites the upstream list and reloads (SIGHUP); resolves once the new configuration answers. */
  setUpstreams(upstreams: string[]): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s), waits for the exit, removes the temporary directory. */
  stop(): Promise<void>;
}

/** A request with this Host reaches nginx itself, which answers its config's generation; any other goes upstream. */
const GENERATION_HOST = 'balancer-generation.invalid';
const START_ATTEMPTS = 5;
const READY_TIMEOUT_MS = 10_000;

/** `upstreams` are 'http://127.0.0.1:<port>'; `dir` is where the balancer's own temporary directory goes. */
export async function startBalancer(upstreams: string[], options: { dir?: string } = {}): Promise<Balancer> {
  const nginx = ensureNginx();
  const dir = mkdtempSync(join(options.dir ?? tmpdir(), 'nginx-balancer-'));
  let generation = 0;
  const token = () => `${basename(dir)}-${generation}`;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    rmSync(errorLog(dir), { force: true });
    generation++;
    writeConfig(dir, port, upstreams, token());
    const nginxProcess = spawnNginx(nginx, dir, port);
    try {
      await listening(nginxProcess);
      await answers(nginxProcess, token());
      return running(nginxProcess, (next) => {
        generation++;
        writeConfig(dir, port, next, token());
        return token();
      });
    } catch (error) {
      await terminate(nginxProcess);
      const bindFailed = /bind\(\) to .* failed|Address already in use/.test(nginxProcess.output());
      if (bindFailed && attempt < START_ATTEMPTS) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
}

/** One nginx master this helper started. */
interface NginxProcess {
  child: ChildProcess;
  exited: Promise<unknown>;
  dir: string;
  port: number;
  /** Its stderr and error.log so far. */
  output(): string;
}

function spawnNginx(nginx: string, dir: string, port: number): NginxProcess {
  const child = spawn(nginx, ['-p', `${dir}/`, '-c', configFile(dir), '-e', errorLog(dir)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  return { child, exited, dir, port, output: () => stderr + readLog(dir) };
}

function running(nginx: NginxProcess, reconfigure: (upstreams: string[]) => string): Balancer {
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${nginx.port}`,
    pid: nginx.child.pid!,
    async setUpstreams(upstreams) {
      const expected = reconfigure(upstreams);
      const oldWorkers = workers(nginx.child.pid!);
      process.kill(nginx.child.pid!, 'SIGHUP');
      await answers(nginx, expected);
      // The new worker answering is not enough: until the old one has its QUIT it still accepts too.
      await retired(nginx, oldWorkers);
    },
    stop: () => (stopped ??= terminate(nginx).then(() => rmSync(nginx.dir, { recursive: true, force: true }))),
  };
}

const configFile = (dir: string) => join(dir, 'nginx.conf');
const errorLog = (dir: string) => join(dir, 'error.log');

function readLog(dir: string): string {
  return existsSync(errorLog(dir)) ? readFileSync(errorLog(dir), 'utf8') : '';
}

function upstreamAddress(upstream: string): string {
  const url = new URL(upstream);
  if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1' || !url.port) throw new Error(`upstream must be http://127.0.0.1:<port>, not ${upstream}`);
  return `127.0.0.1:${url.port}`;
}

function writeConfig(dir: string, port: number, upstreams: string[], generation: string): void {
  if (upstreams.length === 0) throw new Error('the balancer needs at least one upstream');
  const servers = upstreams.map((upstream) => `      server ${upstreamAddress(upstream)} max_fails=1 fail_timeout=2s;`);
  const path = (name: string) => JSON.stringify(join(dir, name));
  const lines = [
    'daemon off;',
    'worker_processes 1;',
    // As root, nginx would switch its worker to nobody, which cannot enter this directory.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    `pid ${path('nginx.pid')};`,
    `error_log ${path('error.log')} notice;`,
    'events { worker_connections 1024; }',
    'http {',
    `  access_log ${path('access.log')};`,
    `  client_body_temp_path ${path('client_body_temp')};`,
    `  proxy_temp_path ${path('proxy_temp')};`,
    `  fastcgi_temp_path ${path('fastcgi_temp')};`,
    `  uwsgi_temp_path ${path('uwsgi_temp')};`,
    `  scgi_temp_path ${path('scgi_temp')};`,
    '  upstream backends {',
    ...servers,
    '      keepalive 16;',
    '  }',
    '  server {',
    `    listen 127.0.0.1:${port} default_server;`,
    '    client_max_body_size 0;',
    '    location / {',
    '      proxy_pass http://backends;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_set_header Host $http_host;',
    '      proxy_buffering off;',
    '      proxy_request_buffering off;',
    '      proxy_read_timeout 300s;',
    '      proxy_connect_timeout 2s;',
    '      proxy_next_upstream error timeout non_idempotent;',
    '      proxy_next_upstream_tries 0;',
    '    }',
    '  }',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    `    server_name ${GENERATION_HOST};`,
    `    location / { return 200 "${generation}"; }`,
    '  }',
    '}',
  ];
  writeFileSync(configFile(dir), lines.join('\n') + '\n');
}

const hasExited = ({ child }: NginxProcess) => child.exitCode !== null || child.signalCode !== null;

function exitedError(nginx: NginxProcess, what: string): Error {
  return new Error(`nginx exited (${nginx.child.exitCode ?? nginx.child.signalCode}) ${what}:\n${nginx.output()}`);
}

/** Resolves once a TCP connection to the port opens; rejects if nginx exits first. */
async function listening(nginx: NginxProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited(nginx)) throw exitedError(nginx, 'before listening');
    if (await connects(nginx.port)) return;
    await sleep(50);
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${nginx.port} within ${READY_TIMEOUT_MS} ms:\n${nginx.output()}`);
}

/** Resolves once a fresh connection gets this config generation back (the port is nginx's, a reload done). */
async function answers(nginx: NginxProcess, generation: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited(nginx)) throw exitedError(nginx, `before answering generation ${generation}`);
    if ((await generationAt(nginx.port)) === generation) return;
    await sleep(50);
  }
  throw new Error(`nginx on 127.0.0.1:${nginx.port} did not answer generation ${generation} within ${READY_TIMEOUT_MS} ms:\n${nginx.output()}`);
}

/** The master's worker processes, from /proc (no cache processes: nothing is cached). */
function workers(masterPid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => parentOf(pid) === masterPid && commandLine(pid).includes('worker process'));
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** '' once the process is gone (or a zombie). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Resolves once each of these workers has exited or is "shutting down": nginx sets that title and
 * closes the worker's listening sockets in one step, so from then on only new workers accept.
 */
async function retired(nginx: NginxProcess, pids: number[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const accepting = () => pids.filter((pid) => commandLine(pid).includes('worker process') && !commandLine(pid).includes('shutting down'));
  while (accepting().length > 0) {
    if (hasExited(nginx)) throw exitedError(nginx, 'during a reload');
    if (Date.now() > deadline) throw new Error(`nginx workers ${accepting().join(', ')} still accept after a reload:\n${nginx.output()}`);
    await sleep(20);
  }
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function generationAt(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host: GENERATION_HOST }, agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? body : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** SIGTERM to the pid this helper started, SIGKILL after 5 s; resolves once it has exited. */
async function terminate(nginx: NginxProcess): Promise<void> {
  if (hasExited(nginx)) return;
  nginx.child.kill('SIGTERM');
  const timer = setTimeout(() => nginx.child.kill('SIGKILL'), 5_000);
  await nginx.exited;
  clearTimeout(timer);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
