/**
 * Journal append benchmark: appends/s of `Journal.append` on a file journal in a temporary
 * directory, with a payload shaped like a consumer's `Delivered` event (positions of 6 partitions).
 * Runs BENCH_JOURNAL_ROUNDS (5) rounds of BENCH_JOURNAL_APPENDS (50000) appends and prints each
 * round's rate and the median. No broker needed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../src/journal/journal.ts';

const appends = Number(process.env.BENCH_JOURNAL_APPENDS ?? 50_000);
const rounds = Number(process.env.BENCH_JOURNAL_ROUNDS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-bench-journal-'));
const payload = {
  positions: Object.fromEntries(Array.from({ length: 6 }, (_, p) => [`bench-topic:${p}`, 123_456 + p])),
  at: Date.now(),
};
try {
  const journal = Journal.open(join(dir, 'journal.db'));
  const rates: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < appends; i++) journal.append(`consumer-${i % 10}`, 'consumer', 'Delivered', payload);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      rates.push(appends / seconds);
      console.log(`round ${round + 1}: ${Math.round(appends / seconds)} appends/s (${((seconds / appends) * 1e6).toFixed(1)} µs each)`);
    }
  } finally {
    journal.close();
  }
  const median = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
  console.log(`median: ${Math.round(median)} appends/s`);
  console.log(`BENCH_RESULT ${JSON.stringify({ appends, rounds, medianAppendsPerSecond: Math.round(median) })}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
