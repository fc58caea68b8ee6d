/**
 * The consume benchmark's table: one block per throughput scenario (each against the native run
 * made right before it), then memory and recovery, then every missed target and error, loudly.
 */
import type { IdleResult, RecoveryResult } from './consume-idle.ts';
import type { ConsumeRun, RestConsumeRun, Samples, SseConsumeRun } from './consume-types.ts';
import { printRows } from './harness.ts';

export interface Throughput<R extends ConsumeRun> {
  name: string;
  run: R | null;
  native: ConsumeRun | null;
  ratio: number;
  target: number;
  exact: boolean;
  nativeExact: boolean;
  pass: boolean;
}

export interface Report {
  records: number;
  rest: Array<Throughput<RestConsumeRun>>;
  sse: Throughput<SseConsumeRun> | { skipped: string } | null;
  memory: (Omit<IdleResult, 'baseUris'> & { target: number; pass: boolean }) | null;
  recovery: (RecoveryResult & { target: number; pass: boolean }) | null;
  coldStartRootMs: number;
  sectionErrors: Record<string, string>;
}

const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
const fmt = (n: number | undefined) => (n === undefined ? '-' : n.toLocaleString('en-US'));
const cpuText = (r: ConsumeRun | null) => (r?.cpu ? `${r.cpu.proxyCpuPct} / ${r.cpu.brokerCpuPct} / ${r.cpu.benchCpuPct} / ${r.cpu.otherCpuPct}` : '-');

function common(t: Throughput<ConsumeRun>, records: number): string[][] {
  const { run, native } = t;
  const n = t.name;
  return [
    [`${n}: records/s (after join)`, fmt(run?.recordsPerSec), fmt(native?.recordsPerSec), '', ''],
    [`${n}: MiB/s of values`, String(run?.mibPerSec ?? '-'), String(native?.mibPerSec ?? '-'), '', ''],
    [`${n}: seconds for all records (incl. set-up)`, `${run?.elapsedS ?? '-'} (${run?.elapsedWithSetupS ?? '-'})`, `${native?.elapsedS ?? '-'} (${native?.elapsedWithSetupS ?? '-'})`, '', ''],
    [`${n}: proxy / native`, String(t.ratio), '', `≥ ${t.target}`, verdict(t.pass)],
    [
      `${n}: distinct (partition,offset) of ${fmt(records)}`,
      run ? `${fmt(run.distinct)} dup ${run.duplicates} bad ${run.unexpected + run.badValues}` : '-',
      native ? `${fmt(native.distinct)} dup ${native.duplicates} bad ${native.unexpected + native.badValues}` : '-',
      `= ${fmt(records)}`,
      `${verdict(t.exact)} / ${verdict(t.nativeExact)}`,
    ],
    [`${n}: CPU % of a core: proxy / broker / bench / other`, cpuText(run), cpuText(native), '', ''],
  ];
}

export function printReport(r: Report): void {
  const rows: string[][] = [['metric', 'proxy', 'native kafkajs', 'target', 'verdict']];
  for (const t of r.rest) {
    const run = t.run;
    rows.push(...common(t, r.records));
    rows.push(
      [`${t.name}: records per instance`, run ? run.perInstance.map(fmt).join(' + ') : '-', '', '', ''],
      [`${t.name}: reads count / empty / records per read`, run ? `${run.requests} / ${run.emptyResponses} / ${run.recordsPerResponse}` : '-', '', '', ''],
      [`${t.name}: records per non-empty read min / p50 / max`, run ? `${run.recordsPerRead.min} / ${run.recordsPerRead.p50} / ${run.recordsPerRead.max}` : '-', '', '', ''],
      [`${t.name}: reads hitting the timeout: count / records / s`, run ? `${run.slowReads.count} / ${run.slowReads.records} / ${run.slowReads.seconds}` : '-', '', '', ''],
      [`${t.name}: read latency p50 / p99 / max (ms)`, run ? `${run.readLatency.p50Ms} / ${run.readLatency.p99Ms} / ${run.readLatency.maxMs}` : '-', '', '', ''],
      [`${t.name}: wire MiB/s, bench JSON.parse ms, extra after all`, run ? `${run.wireMiBPerSec}, ${run.clientParseMs}, ${run.extraRecordsAfterAll ?? '?'}` : '-', '', '= 0', ''],
    );
  }
  if (r.sse && 'skipped' in r.sse) rows.push(['SSE', `skipped: ${r.sse.skipped}`, '', '', '']);
  else if (r.sse) {
    const run = r.sse.run;
    rows.push(...common(r.sse, r.records));
    rows.push(
      [`${r.sse.name}: events / error events / headers after (ms)`, run ? `${fmt(run.events)} / ${run.errorEvents} / ${run.headersMs}` : '-', '', '', ''],
      [`${r.sse.name}: wire MiB/s, bench JSON.parse ms`, run ? `${run.wireMiBPerSec}, ${run.clientParseMs}` : '-', '', '', ''],
    );
  }
  const m = r.memory;
  const rec = r.recovery;
  if (m) {
    rows.push(
      [`b. proxy RSS before → after ${m.instances} instances, after GC (MiB)`, `${m.rssBeforeMiB} → ${m.rssAfterMiB}`, '', '', ''],
      ['b. RSS per idle instance, after GC (MiB)', String(m.mibPerInstance), '', `≤ ${m.target}`, verdict(m.pass)],
      ['b. same without forcing GC: before → after, per instance', `${m.raw.rssBeforeMiB} → ${m.raw.rssAfterMiB}, ${m.raw.mibPerInstance}`, '', '', ''],
      ['b. instances created / joined+read / set-up s', `${m.instances} / ${m.ready} / ${m.setupS}`, '', '', ''],
      ['c. cold start: spawn → GET / (ms)', String(r.coldStartRootMs), '', '', ''],
      ['c. restart: spawn → GET / (ms)', rec ? String(rec.rootMs) : '-', '', '', ''],
      ['c. restart: spawn → all instances read 200 (ms)', rec ? String(rec.allReadyMs ?? `never (${rec.ready} ready)`) : '-', '', rec ? `< ${rec.target}` : '', rec ? verdict(rec.pass) : 'FAIL'],
      ['c. per-instance ready p50 / max (ms)', rec ? `${rec.readyMs.p50Ms} / ${rec.readyMs.maxMs}` : '-', '', '', ''],
      ['c. 404s / other statuses / conn errors', rec ? `${rec.notFound} / ${JSON.stringify(rec.otherStatuses)} / ${rec.connectionErrors}` : '-', '', '0', ''],
      ['c. rejoined (all partitions assigned)', rec ? `${rec.rejoined} / ${m.instances}` : '-', '', '', ''],
      ['c. RSS after recovery, after GC (MiB)', rec ? String(rec.rssRecoveredMiB) : '-', '', '', ''],
    );
  }
  printRows(rows);
  console.log();

  const failed: string[] = [];
  const problems: string[] = [];
  const errorsOf = (what: string, samples: Samples | undefined) => samples?.total && problems.push(`${what}: ${JSON.stringify(samples.counts)}`);
  for (const t of [...r.rest, ...(r.sse && !('skipped' in r.sse) ? [r.sse] : [])] as Array<Throughput<ConsumeRun>>) {
    if (t.ratio < t.target) failed.push(`${t.name} ratio ${t.ratio} < ${t.target}`);
    if (!t.exact) failed.push(`${t.name} did not get exactly the produced (partition, offset) pairs`);
    errorsOf(`${t.name} errors`, t.run?.errors);
    errorsOf(`${t.name} native errors`, t.native?.errors);
  }
  if (m && !m.pass) failed.push('b. memory per idle instance');
  if (m && !rec?.pass) failed.push('c. recovery time');
  for (const [section, message] of Object.entries(r.sectionErrors)) problems.push(`${section}: ${message}`);
  if (m) errorsOf('b. set-up errors', m.errors);
  if (rec && (rec.notFound || rec.connectionErrors || Object.keys(rec.otherStatuses).length)) problems.push(`c. recovery answers: ${JSON.stringify(rec.errorSamples)}`);
  if (rec && Object.keys(rec.assignmentProblems).length) problems.push(`c. assignments after recovery: ${JSON.stringify(rec.assignmentProblems)}`);
  if (rec && Object.keys(rec.deleteProblems).length) problems.push(`c. deletes: ${JSON.stringify(rec.deleteProblems)}`);
  for (const p of problems) console.log(`!!! ${p}`);
  if (failed.length > 0) console.log(`\n!!!!!!!! TARGETS MISSED: ${failed.join('; ')} !!!!!!!!`);
  else console.log('all targets met');
  console.log();
}
