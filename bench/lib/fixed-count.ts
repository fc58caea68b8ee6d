/**
 * Request-per-batch loads (v2 batched produce, native kafkajs `sendBatch`) run for a fixed number
 * of records instead of a fixed time, in the same shape as a v3 stream load (v3-stream.ts), so the
 * three can be merged over rounds and compared record for record. Every record of a request is
 * answered when the request is, so each request's latency counts once per record.
 */
import { closedLoop, type OpResult } from './load.ts';
import type { StreamLoad } from './v3-stream.ts';

/** Longer than any run: the record count ends it, not the clock. */
const NO_DEADLINE_S = 3_600;

export async function fixedCountLoad(options: { concurrency: number; total: number; recordsPerOp: number; op: () => Promise<OpResult> }): Promise<StreamLoad> {
  const { concurrency, total, recordsPerOp, op } = options;
  const perRequest: number[] = [];
  const timed = async () => {
    const t0 = performance.now();
    try {
      return await op();
    } finally {
      perRequest.push(performance.now() - t0);
    }
  };
  const stats = await closedLoop({ concurrency, seconds: NO_DEADLINE_S, op: timed, maxOps: Math.ceil(total / recordsPerOp) });
  const latencies = new Float64Array(perRequest.length * recordsPerOp);
  perRequest.forEach((ms, i) => latencies.fill(ms, i * recordsPerOp, (i + 1) * recordsPerOp));
  return {
    okRecords: stats.okRecords,
    recordErrors: stats.recordErrors,
    requestErrors: stats.requestErrors,
    unanswered: 0,
    elapsedS: stats.elapsedS,
    latencies,
    errorSamples: stats.errorSamples,
  };
}

/** Several loads of one scenario (the rounds) as one: rates over the summed time, percentiles over every record. */
export function mergeLoads(loads: StreamLoad[]): StreamLoad {
  const sum = (f: (l: StreamLoad) => number) => loads.reduce((n, l) => n + f(l), 0);
  const latencies = new Float64Array(sum((l) => l.latencies.length));
  let at = 0;
  for (const l of loads) {
    latencies.set(l.latencies, at);
    at += l.latencies.length;
  }
  const errorSamples: Record<string, number> = {};
  for (const l of loads) for (const [k, v] of Object.entries(l.errorSamples)) errorSamples[k] = (errorSamples[k] ?? 0) + v;
  return {
    okRecords: sum((l) => l.okRecords),
    recordErrors: sum((l) => l.recordErrors),
    requestErrors: sum((l) => l.requestErrors),
    unanswered: sum((l) => l.unanswered),
    elapsedS: sum((l) => l.elapsedS),
    latencies,
    errorSamples,
  };
}
