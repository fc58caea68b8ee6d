/**
 * One throughput scenario, as bench/produce.ts and bench/cluster.ts run it: a warm-up (not
 * measured, but its errors are reported), then the measured run with the proxy's CPU (and, when a
 * sampler is given, its RSS peak) over the measured part only.
 */
import { log } from './harness.ts';
import type { RunStats } from './load.ts';
import { round } from './load.ts';
import type { CpuMeter, CpuUse, RssSampler } from './proc.ts';

export interface Measured extends CpuUse {
  stats: RunStats;
  /** Errors seen during the warm-up, which is not measured but must not fail silently either. */
  warmupErrors: number;
  /** Peak RSS of the proxy during the measured run; 0 without a sampler. */
  proxyRssPeakMiB: number;
}

export interface MeasureOptions {
  warmupSeconds: number;
  seconds: number;
  cpu: CpuMeter;
  sampler?: RssSampler;
}

export async function measure(label: string, run: (seconds: number) => Promise<RunStats>, { warmupSeconds, seconds, cpu, sampler }: MeasureOptions): Promise<Measured> {
  log(`${label}: warm-up ${warmupSeconds}s…`);
  const warmup = await run(warmupSeconds);
  const warmupErrors = warmup.requestErrors + warmup.recordErrors;
  if (warmupErrors > 0) log(`!!! ${label}: ${warmupErrors} errors during warm-up: ${JSON.stringify(warmup.errorSamples)}`);
  sampler?.resetWindow();
  cpu.begin();
  const stats = await run(seconds);
  const usage = cpu.end();
  const peak = sampler?.resetWindow() ?? 0;
  const errors = stats.requestErrors + stats.recordErrors;
  const parts = usage.proxyPartsCpuPct ? ` (${usage.proxyPartsCpuPct.join(' + ')})` : '';
  log(
    `${label}: ${stats.recordsPerSec} records/s, ${stats.requestsPerSec} req/s, p50 ${stats.latency.p50Ms} ms, p99 ${stats.latency.p99Ms} ms, ` +
      `cpu % proxy ${usage.proxyCpuPct}${parts} broker ${usage.brokerCpuPct} bench ${usage.benchCpuPct} other ${usage.otherCpuPct}${errors ? `  !!! ${errors} ERRORS ${JSON.stringify(stats.errorSamples)}` : ''}`,
  );
  return { stats, warmupErrors, ...usage, proxyRssPeakMiB: round(peak / 1024, 1) };
}

/** Errors of a measured scenario, its warm-up included. */
export const measuredErrors = (m: Measured) => m.stats.requestErrors + m.stats.recordErrors + m.warmupErrors;
