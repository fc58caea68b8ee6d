/**
 * What every benchmark script shares: timestamped log lines on stderr, and a run that always
 * cleans up — each clean-up step on its own (one failing must not leave a broker or a proxy
 * running), the temp dir removed, Ctrl-C included — and then exits (kafkajs and agent timers may
 * linger; the run is over).
 */
import { rmSync } from 'node:fs';

export function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 23)}] ${message}`);
}

/** A positive number from the environment (BENCH_SECONDS and the like), else the fallback. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

/** The caller's KAFKA_REST_* settings, passed on to the proxy under test. */
export function inheritedProxySettings(): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('KAFKA_REST_') && value !== undefined) settings[name] = value;
  }
  return settings;
}

export type CleanUpStep = [what: string, step: () => Promise<unknown>];

export interface Run {
  main: () => Promise<void>;
  /** Asked at clean-up time, so it sees what main started. */
  cleanUpSteps: () => CleanUpStep[];
  /** The temp dir to remove, if one was made. */
  dir: () => string | undefined;
}

export async function runBenchmark({ main, cleanUpSteps, dir }: Run): Promise<never> {
  let cleaning: Promise<void> | null = null;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const [what, step] of cleanUpSteps()) {
        try {
          await step();
        } catch (error) {
          log(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const made = dir();
      if (made) rmSync(made, { recursive: true, force: true });
    })());
  process.once('SIGINT', () => {
    log('interrupted, cleaning up…');
    void cleanUp().finally(() => process.exit(130));
  });
  let exitCode = 0;
  try {
    await main();
  } catch (error) {
    log(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    exitCode = 1;
  } finally {
    await cleanUp();
  }
  process.exit(exitCode);
}

/** Prints a table: the first row is the header, the first column left-aligned, the rest right. */
export function printRows(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  console.log();
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
}
