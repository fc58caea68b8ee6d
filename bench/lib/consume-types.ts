/**
 * What the consume benchmark's scenarios share: the data set they read, the error samples they
 * keep, and the shape of a run's result (a REST run adds its per-read figures).
 */
import type { CpuUse } from './proc.ts';
import { round, type LatencySummary } from './load.ts';
import type { OffsetTracker } from './http-consume.ts';

/** The pre-produced records every scenario reads, all of them, exactly once. */
export interface DataSet {
  topic: string;
  records: number;
  partitions: number;
  valueBytes: number;
  /** Length of a value's base64 text, as a binary records response carries it. */
  base64Chars: number;
  highWatermarks: number[];
}

export const MAX_SAMPLES = 8;

/** Distinct error messages with counts, at most a few. */
export class Samples {
  readonly counts: Record<string, number> = {};
  total = 0;
  add(message: string): void {
    this.total++;
    const key = message.slice(0, 300);
    if (key in this.counts) this.counts[key]!++;
    else if (Object.keys(this.counts).length < MAX_SAMPLES) this.counts[key] = 1;
  }
}

export interface ConsumeRun {
  records: number;
  distinct: number;
  duplicates: number;
  unexpected: number;
  badValues: number;
  complete: boolean;
  /** From the first read (REST) / the group join (native) to the last record. */
  elapsedS: number;
  recordsPerSec: number;
  mibPerSec: number;
  /** Including instance creation and subscription (REST) / connect, subscribe and join (native). */
  elapsedWithSetupS: number;
  setupMs: number;
  cpu: CpuUse | null;
  errors: Samples;
}

export interface RestConsumeRun extends ConsumeRun {
  instances: number;
  /** Distinct records each instance got (they must add up to the data set). */
  perInstance: number[];
  requests: number;
  emptyResponses: number;
  recordsPerResponse: number;
  /** Records per non-empty read: smallest, median, largest. */
  recordsPerRead: { min: number; p50: number; max: number };
  wireMiB: number;
  wireMiBPerSec: number;
  readLatency: LatencySummary;
  /** Reads that ran into the request timeout (≥ 90 % of it): how many, records they brought, seconds spent in them. */
  slowReads: { count: number; records: number; seconds: number };
  clientParseMs: number;
  /** Records a last short read per instance still returned once all had arrived (must be 0). */
  extraRecordsAfterAll: number | null;
  deleteStatus: number | null;
}

export interface SseConsumeRun extends ConsumeRun {
  events: number;
  errorEvents: number;
  wireMiB: number;
  wireMiBPerSec: number;
  clientParseMs: number;
  /** ms from sending the request to the response headers. */
  headersMs: number;
  status: number;
  deleteStatus: number | null;
}

/** A run's exactness: every (partition, offset) once, nothing else, every value as produced. */
export function exact(run: ConsumeRun | null, records: number, extra?: number | null): boolean {
  return !!run && run.distinct === records && run.duplicates === 0 && run.unexpected === 0 && run.badValues === 0 && (extra === undefined || extra === 0);
}

/** The exactness and rate figures every scenario reports, from what its tracker saw in `elapsedS`. */
export function tally(tracker: OffsetTracker, data: DataSet, elapsedS: number) {
  const okRecords = tracker.distinct;
  const perSec = (n: number) => (elapsedS > 0 ? n / elapsedS : 0);
  return {
    records: okRecords + tracker.duplicates,
    distinct: tracker.distinct,
    duplicates: tracker.duplicates,
    unexpected: tracker.unexpected,
    badValues: tracker.badValues,
    complete: tracker.distinct === data.records,
    elapsedS: round(elapsedS, 3),
    recordsPerSec: Math.round(perSec(okRecords)),
    mibPerSec: round(perSec((okRecords * data.valueBytes) / 2 ** 20), 1),
  };
}
