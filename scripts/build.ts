/**
 * `npm run build`: compiles src/ to dist/ with tsconfig.build.json and copies the files tsc does
 * not (the inspector's page), so dist/ mirrors src/ and every `new URL('../..', import.meta.url)`
 * path resolves the same from both. The new tree is built beside dist/ and swapped in at the end:
 * a proxy starting from dist/ meanwhile never reads a half-written file.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

export interface BuildResult {
  /** tsc reported type errors (it still emits: the tree runs, but should not ship). */
  typeErrors: boolean;
}

export async function build(): Promise<BuildResult> {
  const staging = mkdtempSync(join(root, '.dist-building-'));
  try {
    const code = await run(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', staging]);
    // tsc's exit code 2 means "errors, but output generated"; anything else non-zero means no output.
    if (code !== 0 && code !== 2) throw new Error(`tsc failed (exit code ${code})`);
    copyAssets(join(root, 'src'), staging);
    swapIn(staging);
    return { typeErrors: code === 2 };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Everything under src/ that is not TypeScript, at the same relative path. */
function copyAssets(from: string, to: string): void {
  for (const file of readdirSync(from, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.ts')) continue;
    const source = join(from, file);
    if (!statSync(source).isFile()) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(source, join(to, file));
  }
}

/** Replaces dist/ by the new tree; a concurrent build that swapped first simply loses to this one. */
function swapIn(staging: string): void {
  for (let attempt = 0; ; attempt++) {
    const previous = `${staging}-previous`;
    try {
      if (existsSync(dist)) renameSync(dist, previous);
      renameSync(staging, dist);
      rmSync(previous, { recursive: true, force: true });
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= 5 || (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw error;
      rmSync(previous, { recursive: true, force: true });
    }
  }
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { typeErrors } = await build();
  if (typeErrors) {
    console.error('build: type errors (above); dist/ was written but should not be shipped');
    process.exit(1);
  }
}
