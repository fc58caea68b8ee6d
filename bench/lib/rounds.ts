/**
 * Closed-loop scenarios measured in rounds, the order reversed every other round (A B C, C B A, …),
 * so that a machine getting busier or quieter during the run, or a broker still warming up, weighs
 * on every scenario alike instead of on whichever ran first: what matters are the ratios between
 * them. Each round warms a scenario up before measuring it; the rounds of a scenario are merged
 * (records over total time, percentiles over all requests, CPU weighted by time).
 */
import { closedLoop, round, summarize, type OpResult, type RunStats } from './load.ts';
import type { CpuMeter, CpuUse } from './proc.ts';
import { log } from './harness.ts';

export interface RoundScenario {
  name: string;
  op: () => Promise<OpResult>;
  /** The CPU of this scenario's proxy (or none), the broker and this process. */
  cpu: CpuMeter;
}

export interface Merged extends CpuUse {
  stats: RunStats;
  /** Errors during the warm-ups, which are not measured but must not fail silently either. */
  warmupErrors: number;
  /** Records/s of each round, in the order the rounds ran. */
  perRound: number[];
}

export interface RoundOptions {
  rounds: number;
  /** Measured seconds per scenario per round. */
  seconds: number;
  /** Before each scenario in the first round; later rounds warm up for at most a second (connections idle since the last round may have closed). */
  warmupSeconds: number;
  concurrency: number;
}

const CPU_KEYS = ['proxyCpuPct', 'brokerCpuPct', 'benchCpuPct', 'machineCpuPct', 'otherCpuPct'] as const;

export async function inRounds(scenarios: RoundScenario[], { rounds, seconds, warmupSeconds, concurrency }: RoundOptions): Promise<Map<string, Merged>> {
  const parts = new Map<string, Array<{ stats: RunStats; latencies: number[]; cpu: CpuUse; warmupErrors: number }>>(scenarios.map((s) => [s.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? scenarios : [...scenarios].reverse();
    for (const s of order) {
      const warmup = await closedLoop({ concurrency, seconds: r === 0 ? warmupSeconds : Math.min(1, warmupSeconds), op: s.op });
      const warmupErrors = warmup.requestErrors + warmup.recordErrors;
      if (warmupErrors > 0) log(`!!! ${s.name}: ${warmupErrors} errors during warm-up: ${JSON.stringify(warmup.errorSamples)}`);
      // closedLoop keeps only percentiles; the raw latencies are kept here so rounds merge exactly.
      const latencies: number[] = [];
      const op = async () => {
        const t0 = performance.now();
        try {
          return await s.op();
        } finally {
          latencies.push(performance.now() - t0);
        }
      };
      s.cpu.begin();
      const stats = await closedLoop({ concurrency, seconds, op });
      const cpu = s.cpu.end();
      const errors = stats.requestErrors + stats.recordErrors;
      log(
        `round ${r + 1} ${s.name}: ${stats.recordsPerSec} records/s, p50 ${stats.latency.p50Ms} ms, p99 ${stats.latency.p99Ms} ms, ` +
          `cpu % proxy ${cpu.proxyCpuPct} broker ${cpu.brokerCpuPct} bench ${cpu.benchCpuPct} other ${cpu.otherCpuPct}` +
          `${errors ? `  !!! ${errors} ERRORS ${JSON.stringify(stats.errorSamples)}` : ''}`,
      );
      parts.get(s.name)!.push({ stats, latencies, cpu, warmupErrors });
    }
  }
  return new Map([...parts].map(([name, runs]) => [name, merge(runs)]));
}

function merge(runs: Array<{ stats: RunStats; latencies: number[]; cpu: CpuUse; warmupErrors: number }>): Merged {
  const sum = (f: (s: RunStats) => number) => runs.reduce((n, r) => n + f(r.stats), 0);
  const elapsedS = sum((s) => s.elapsedS);
  const okRecords = sum((s) => s.okRecords);
  const requests = sum((s) => s.requests);
  const errorSamples: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.stats.errorSamples)) errorSamples[k] = (errorSamples[k] ?? 0) + v;
  const stats: RunStats = {
    requests,
    okRecords,
    recordErrors: sum((s) => s.recordErrors),
    requestErrors: sum((s) => s.requestErrors),
    elapsedS: round(elapsedS, 3),
    recordsPerSec: elapsedS > 0 ? Math.round(okRecords / elapsedS) : 0,
    requestsPerSec: elapsedS > 0 ? Math.round(requests / elapsedS) : 0,
    latency: summarize(runs.flatMap((r) => r.latencies)),
    errorSamples,
  };
  const cpu = Object.fromEntries(CPU_KEYS.map((k) => [k, elapsedS > 0 ? round(runs.reduce((n, r) => n + r.cpu[k] * r.stats.elapsedS, 0) / elapsedS, 1) : 0])) as unknown as CpuUse;
  return { stats, ...cpu, warmupErrors: runs.reduce((n, r) => n + r.warmupErrors, 0), perRound: runs.map((r) => r.stats.recordsPerSec) };
}
