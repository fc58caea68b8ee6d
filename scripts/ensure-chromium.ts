/**
 * The inspector's browser test drives Debian's Chromium with playwright-core (whose own browser
 * download cannot work without the internet). Installs the `chromium` package when it is missing
 * and this user may (root with apt-get); otherwise says how.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

export function ensureChromium(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    console.warn(`# ${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) for the browser test`);
    return false;
  }
  console.log('# installing chromium for the browser test (apt-get)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  return existsSync(CHROMIUM);
}

if (import.meta.url === `file://${process.argv[1]}`) ensureChromium();
