/**
 * The load-balancer tests put Debian's nginx in front of proxies. Installing the package would
 * also start a system service, so when nginx is not installed the package is only downloaded
 * (apt-get download) and unpacked into <repo>/.nginx (dpkg -x), whose usr/sbin/nginx runs as is.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SYSTEM_NGINX = '/usr/sbin/nginx';
export const UNPACKED = join(new URL('../', import.meta.url).pathname, '.nginx');
const UNPACKED_NGINX = join(UNPACKED, 'usr/sbin/nginx');
const INSTRUCTION = "nginx is missing: install Debian's nginx package (apt-get install nginx), or run the tests as root with apt-get so they fetch it into .nginx/";

/** The path of a runnable nginx binary; fetches Debian's package into .nginx/ when there is none. */
export function ensureNginx(): string {
  if (existsSync(SYSTEM_NGINX)) return SYSTEM_NGINX;
  if (existsSync(UNPACKED_NGINX)) return UNPACKED_NGINX;
  if (!existsSync('/usr/bin/apt-get') || !existsSync('/usr/bin/dpkg')) throw new Error(INSTRUCTION);
  console.log('# fetching nginx for the load-balancer tests (apt-get download, dpkg -x into .nginx/)…');
  try {
    unpack(download());
  } catch (error) {
    throw new Error(`${INSTRUCTION} (${firstLine(error)})`, { cause: error });
  }
  if (!runs(UNPACKED_NGINX)) throw new Error(`${INSTRUCTION} (${UNPACKED_NGINX} does not run)`);
  return UNPACKED_NGINX;
}

/** Downloads nginx's .deb into a temporary directory, updating the package lists once if needed. */
function download(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-deb-'));
  // apt fetches as its unprivileged _apt user, which must be able to write there.
  chmodSync(dir, 0o777);
  const apt = (args: string[]) => execFileSync('apt-get', args, { cwd: dir, stdio: 'pipe', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    apt(['download', 'nginx']);
  } catch {
    apt(['update', '-qq']);
    apt(['download', 'nginx']);
  }
  const deb = readdirSync(dir).find((file) => file.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download nginx left no .deb');
  return join(dir, deb);
}

function unpack(deb: string): void {
  try {
    execFileSync('dpkg', ['-x', deb, UNPACKED], { stdio: 'pipe' });
  } finally {
    rmSync(join(deb, '..'), { recursive: true, force: true });
  }
}

function runs(binary: string): boolean {
  try {
    execFileSync(binary, ['-v'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function firstLine(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
  return (stderr || String(error)).split('\n')[0]!;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(ensureNginx());
