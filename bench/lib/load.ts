/**
 * Load drivers: a closed loop (N workers, each sends again as soon as its answer arrives: measures
 * throughput) and an open loop (requests start on a fixed schedule whatever the answers do:
 * measures latency without the driver slowing down when the server does).
 */

/** What one operation (one HTTP request, one kafkajs send) achieved. */
export interface OpResult {
  /** Records acknowledged with an offset. */
  okRecords: number;
  /** Records the server answered for, but with an error (error_code != null) or without an offset. */
  recordErrors: number;
  /** Why the whole operation failed (HTTP status, socket error, thrown kafkajs error), else null. */
  requestError: string | null;
  /** First per-record error message, to show what went wrong. */
  recordErrorSample?: string;
}

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface RunStats {
  requests: number;
  okRecords: number;
  recordErrors: number;
  requestErrors: number;
  elapsedS: number;
  recordsPerSec: number;
  requestsPerSec: number;
  latency: LatencySummary;
  /** Distinct error messages with their counts (at most a few, so the output stays readable). */
  errorSamples: Record<string, number>;
  /** Open loop only: scheduled requests skipped because too many were still in flight. */
  skipped?: number;
}

/** A worker that fails stops this long before retrying, so a dead server does not become a busy loop. */
const FAILURE_PAUSE_MS = 10;
const MAX_ERROR_SAMPLES = 5;

class Tally {
  requests = 0;
  okRecords = 0;
  recordErrors = 0;
  requestErrors = 0;
  readonly latencies: number[] = [];
  readonly errorSamples: Record<string, number> = {};

  add(result: OpResult, latencyMs: number): void {
    this.requests++;
    this.okRecords += result.okRecords;
    this.recordErrors += result.recordErrors;
    this.latencies.push(latencyMs);
    if (result.requestError !== null) {
      this.requestErrors++;
      this.noteError(result.requestError);
    }
    if (result.recordErrorSample !== undefined) this.noteError(`record: ${result.recordErrorSample}`);
  }

  private noteError(message: string): void {
    const key = message.slice(0, 200);
    if (key in this.errorSamples) this.errorSamples[key]!++;
    else if (Object.keys(this.errorSamples).length < MAX_ERROR_SAMPLES) this.errorSamples[key] = 1;
  }

  stats(elapsedMs: number): RunStats {
    const elapsedS = elapsedMs / 1000;
    return {
      requests: this.requests,
      okRecords: this.okRecords,
      recordErrors: this.recordErrors,
      requestErrors: this.requestErrors,
      elapsedS: round(elapsedS, 3),
      recordsPerSec: Math.round(this.okRecords / elapsedS),
      requestsPerSec: Math.round(this.requests / elapsedS),
      latency: summarize(this.latencies),
      errorSamples: this.errorSamples,
    };
  }
}

/** Never lets an operation's rejection escape: it becomes a request error. */
async function settle(op: () => Promise<OpResult>): Promise<OpResult> {
  try {
    return await op();
  } catch (error) {
    return { okRecords: 0, recordErrors: 0, requestError: describeError(error) };
  }
}

/**
 * `concurrency` workers run `op` back to back until `seconds` have passed (or `maxOps` operations
 * were started); then the ones in flight finish. Rate = records acknowledged / time to the last answer.
 */
export async function closedLoop(options: { concurrency: number; seconds: number; op: () => Promise<OpResult>; maxOps?: number }): Promise<RunStats> {
  const { concurrency, seconds, op, maxOps = 10_000_000 } = options;
  const tally = new Tally();
  let started = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline && started < maxOps) {
      started++;
      const t0 = performance.now();
      const result = await settle(op);
      tally.add(result, performance.now() - t0);
      if (result.requestError !== null) await sleep(FAILURE_PAUSE_MS);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tally.stats(performance.now() - start);
}

/**
 * Starts `rate` operations per second for `seconds`, on schedule. Latency is measured from the
 * scheduled start, so time a request spends waiting for a free connection or behind a slow one
 * counts (no coordinated omission). Beyond `maxInFlight` outstanding operations new ones are
 * skipped and reported, which keeps memory bounded if the server stalls.
 */
export async function openLoop(options: { rate: number; seconds: number; op: () => Promise<OpResult>; maxInFlight?: number }): Promise<RunStats> {
  const { rate, seconds, op } = options;
  const maxInFlight = options.maxInFlight ?? Math.max(100, rate * 10);
  const total = Math.floor(rate * seconds);
  const intervalMs = 1000 / rate;
  const tally = new Tally();
  const inFlight = new Set<Promise<void>>();
  let skipped = 0;
  const start = performance.now();
  for (let i = 0; i < total; ) {
    const now = performance.now();
    for (; i < total && start + i * intervalMs <= now; i++) {
      if (inFlight.size >= maxInFlight) {
        skipped++;
        continue;
      }
      const scheduled = start + i * intervalMs;
      const done: Promise<void> = settle(op).then((result) => {
        tally.add(result, performance.now() - scheduled);
        inFlight.delete(done);
      });
      inFlight.add(done);
    }
    // setTimeout(1) wakes every ~1 ms; requests due in between start together on the next tick.
    if (i < total) await sleep(Math.min(1, start + i * intervalMs - performance.now()));
  }
  await Promise.all(inFlight);
  const stats = tally.stats(performance.now() - start);
  return { ...stats, skipped, requestErrors: stats.requestErrors + skipped };
}

export function summarize(latencies: number[]): LatencySummary {
  if (latencies.length === 0) return { p50Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 };
  const sorted = Float64Array.from(latencies).sort();
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const sum = sorted.reduce((a, b) => a + b, 0);
  return { p50Ms: round(at(50), 2), p99Ms: round(at(99), 2), maxMs: round(sorted[sorted.length - 1]!, 2), meanMs: round(sum / sorted.length, 2) };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `${error.name}${code ? ` ${code}` : ''}: ${error.message}`;
  }
  return String(error);
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, Math.max(0, ms)));

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** a ÷ b to 3 decimals, as the benchmarks' ratios are reported; 0 without a b to divide by. */
export function ratio(a: number, b: number): number {
  return b > 0 ? round(a / b, 3) : 0;
}
