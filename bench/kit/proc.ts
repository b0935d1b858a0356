// What the benchmarks read from procfs (Linux; undefined elsewhere): a child's CPU time and memory,
// and the whole machine's CPU time for the "machine busy" figure, other processes included.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

export interface MemoryStatus {
  /** VmRSS: resident set size now. */
  rssBytes: number;
  /** VmHWM: the peak resident set size since the process started. */
  peakRssBytes: number;
}

/** Reads /proc/<pid>/status; undefined where there is no procfs (not Linux) or the process is gone. */
export function readMemoryStatus(pid: number): MemoryStatus | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const field = (name: string): number | undefined => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  };
  const rssBytes = field("VmRSS");
  const peakRssBytes = field("VmHWM");
  if (rssBytes === undefined || peakRssBytes === undefined) return undefined;
  return { rssBytes, peakRssBytes };
}

let clockTicksPerSecond: number | undefined;

function clockTicks(): number {
  if (clockTicksPerSecond === undefined) {
    try {
      clockTicksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicksPerSecond = 100;
    }
  }
  return clockTicksPerSecond;
}

/** utime + stime from /proc/<pid>/stat, in seconds; undefined where there is no procfs or the process is gone. */
export function readCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces) start at field 3, "state".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / clockTicks();
}

export interface MachineTicks {
  /** Clock ticks all CPUs spent neither idle nor waiting for I/O. */
  busy: number;
  /** All clock ticks of all CPUs. */
  total: number;
}

/** Busy and total CPU ticks since boot; undefined without procfs. */
export function machineCpu(): MachineTicks | undefined {
  let line: string | undefined;
  try {
    line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0];
  } catch {
    return undefined;
  }
  // cpu user nice system idle iowait irq softirq steal ...
  const ticks = (line ?? "").trim().split(/\s+/).slice(1).map(Number);
  if (ticks.length < 5 || ticks.some((tick) => !Number.isFinite(tick))) return undefined;
  const total = ticks.slice(0, 8).reduce((sum, tick) => sum + tick, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busy: total - idle, total };
}

/** `after - before`; undefined when either is. */
export function ticksBetween(
  before: MachineTicks | undefined,
  after: MachineTicks | undefined,
): MachineTicks | undefined {
  return before === undefined || after === undefined
    ? undefined
    : { busy: after.busy - before.busy, total: after.total - before.total };
}
