/**
 * Reads a process's memory and CPU time from /proc (Linux only). The benchmark runs the proxy as
 * a child process precisely so these numbers are the proxy's own, not the load generator's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Resident set size in KiB (VmRSS), or null once the process is gone. */
export function readRssKiB(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

// utime/stime in /proc/<pid>/stat are in clock ticks; ask once instead of assuming 100.
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds the process has used so far, or null once it is gone. */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after its closing ')' do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name, state is index 0, so utime (field 14) is index 11 and stime index 12.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Samples a process's VmRSS on an interval; keeps the overall peak and a resettable window peak. */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  peakKiB = 0;
  windowPeakKiB = 0;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Starts a new window (one scenario) and returns the peak of the one that ended. */
  resetWindow(): number {
    this.sample();
    const peak = this.windowPeakKiB;
    this.windowPeakKiB = 0;
    return peak;
  }

  sample(): number | null {
    const rss = readRssKiB(this.pid);
    if (rss !== null) {
      this.peakKiB = Math.max(this.peakKiB, rss);
      this.windowPeakKiB = Math.max(this.windowPeakKiB, rss);
    }
    return rss;
  }
}

/** CPU use of a process and of this one between two moments, as % of one core. */
export class CpuMeter {
  private childStart = 0;
  private selfStart = process.cpuUsage();
  private wallStart = 0;

  constructor(private readonly pid: number) {}

  begin(): void {
    this.childStart = readCpuSeconds(this.pid) ?? 0;
    this.selfStart = process.cpuUsage();
    this.wallStart = performance.now();
  }

  end(): { proxyCpuPct: number; benchCpuPct: number } {
    const wall = (performance.now() - this.wallStart) / 1000;
    const child = (readCpuSeconds(this.pid) ?? this.childStart) - this.childStart;
    const self = process.cpuUsage(this.selfStart);
    const selfSeconds = (self.user + self.system) / 1e6;
    return { proxyCpuPct: round((100 * child) / wall), benchCpuPct: round((100 * selfSeconds) / wall) };
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
