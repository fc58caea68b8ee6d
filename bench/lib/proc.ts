/**
 * Reads a process's memory and CPU time from /proc (Linux only). The benchmark runs the proxy as
 * a child process precisely so these numbers are the proxy's own, not the load generator's.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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

/** Busy CPU seconds of the whole machine, all cores together (from /proc/stat). */
export function readMachineBusySeconds(): number {
  try {
    const first = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal …: busy here = user+nice+system+irq+softirq
    // (steal is time the hypervisor gave to someone else, not work done on this machine).
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = first.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Pids of the direct children of `parentPid` whose command name is `comm` (e.g. the broker's java). */
export function childPids(parentPid: number, comm: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parentPid && name === comm) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

export interface CpuUse {
  /** Each as % of one core over the measured interval. */
  proxyCpuPct: number;
  brokerCpuPct: number;
  benchCpuPct: number;
  /** Busy time of the whole machine; minus the three above, it shows whether something else competed. */
  machineCpuPct: number;
  /**
   * Machine busy time outside those three: interrupts, or other programs competing for the cores.
   * Approximate: /proc/stat is sampled on the timer tick while per-process times are exact, so
   * under light, bursty load it can come out a little negative.
   */
  otherCpuPct: number;
  /** When the proxy is several processes (workers=N: the primary, then each worker): each one's share, in that order. */
  proxyPartsCpuPct?: number[];
}

/** The proxy's process: one pid, or (workers=N) a function naming the primary and its workers, asked at begin(). */
export type ProxyPids = number | (() => number[]);

/**
 * CPU used by the proxy, the broker, this process and the whole machine between begin() and
 * end(). The benchmark shares the cores with everything it measures, so this says where the
 * time went and whether a run was CPU-bound.
 */
export class CpuMeter {
  private start = { proxy: [] as number[], broker: 0, machine: 0, wall: 0 };
  private pids: number[] = [];
  private selfStart = process.cpuUsage();

  constructor(
    private readonly proxyPids: ProxyPids,
    private readonly brokerPid: number | null,
  ) {}

  begin(): void {
    this.pids = typeof this.proxyPids === 'number' ? [this.proxyPids] : this.proxyPids();
    this.start = { ...this.read(), wall: performance.now() };
    this.selfStart = process.cpuUsage();
  }

  end(): CpuUse {
    const wall = (performance.now() - this.start.wall) / 1000;
    const now = this.read();
    const self = process.cpuUsage(this.selfStart);
    const pct = (seconds: number) => round((100 * seconds) / wall);
    const parts = now.proxy.map((seconds, i) => seconds - (this.start.proxy[i] ?? 0));
    const use = {
      proxyCpuPct: pct(parts.reduce((a, b) => a + b, 0)),
      brokerCpuPct: pct(now.broker - this.start.broker),
      benchCpuPct: pct((self.user + self.system) / 1e6),
      machineCpuPct: pct(now.machine - this.start.machine),
    };
    return {
      ...use,
      otherCpuPct: round(use.machineCpuPct - use.proxyCpuPct - use.brokerCpuPct - use.benchCpuPct),
      ...(parts.length > 1 ? { proxyPartsCpuPct: parts.map(pct) } : {}),
    };
  }

  private read() {
    return {
      proxy: this.pids.map((pid) => readCpuSeconds(pid) ?? 0),
      broker: this.brokerPid === null ? 0 : (readCpuSeconds(this.brokerPid) ?? 0),
      machine: readMachineBusySeconds(),
    };
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

/**
 * How many established TCP connections on local `port` each process holds (from /proc/net/tcp{,6}
 * and each process's fds). With workers=N the primary accepts and hands each connection to a
 * worker, so this says how the load generator's keep-alive connections were spread over them.
 */
export function connectionsOnPort(pids: number[], port: number): number[] {
  const established = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const localPort = parseInt(fields[1]!.split(':')[1] ?? '', 16);
      if (localPort === port && fields[3] === '01') established.add(fields[9]!);
    }
  }
  return pids.map((pid) => {
    let count = 0;
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (match && established.has(match[1]!)) count++;
        } catch {
          // the fd closed while we looked
        }
      }
    } catch {
      // the process is gone
    }
    return count;
  });
}
