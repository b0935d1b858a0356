// The whole machine's CPU time from /proc/stat, for the benchmarks' "machine busy" figure: how
// busy all CPUs were during a run, other processes included.
import { readFileSync } from "node:fs";

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
