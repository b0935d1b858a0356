// The forwarding benchmark's figures over all rounds: throughput and CPU per escalation of each
// path's windows, and the ratios to the bound and to the channel alone.
import {
  cpuShare,
  mergeLatencies,
  ratioOf,
  summarizeLatencies,
  type AppProcess,
  type LatencySummary,
} from "../kit/index.js";
import type { Measurement } from "./measure.js";
import type { Probe } from "./probe.js";
import type { Window } from "./sampling.js";
import { AIM_RATIO, type PathName } from "./settings.js";

type CpuMs = Record<AppProcess | "total", number | undefined>;

export interface WindowSummary {
  count: number;
  seconds: number;
  perSec: number;
  /** CPU ms per create, per process, and their sum. */
  cpuMsPerEscalation: CpuMs;
  /** CPU seconds of the four processes per wall second over the machine's cores, in %. */
  busyPercent: number | undefined;
  /** The whole machine's CPUs busy, in %: the rest of busyPercent is other processes. */
  machineBusyPercent: number | undefined;
}

export interface Summary {
  path: PathName;
  escalations: number;
  whole: WindowSummary;
  steady: WindowSummary;
  inSandboxMs: LatencySummary;
  firstCreateSeconds: number;
  settleMs: number | undefined;
}

function summarizeWindows(windows: readonly Window[]): WindowSummary {
  const count = windows.reduce((sum, window) => sum + window.count, 0);
  const seconds = windows.reduce((sum, window) => sum + window.seconds, 0);
  const share = cpuShare(windows, count, seconds);
  return {
    count,
    seconds,
    perSec: count / seconds,
    cpuMsPerEscalation: share.msPerItem,
    busyPercent: share.busyPercent,
    machineBusyPercent: share.machineBusyPercent,
  };
}

export function summarize(path: PathName, measurements: readonly Measurement[]): Summary | undefined {
  const mine = measurements.filter((measurement) => measurement.path === path);
  if (mine.length === 0) return undefined;
  const settles = mine.map((measurement) => measurement.settleMs).filter((ms) => ms !== undefined);
  return {
    path,
    escalations: mine.reduce((sum, measurement) => sum + measurement.escalations, 0),
    whole: summarizeWindows(mine.map((measurement) => measurement.whole)),
    steady: summarizeWindows(mine.map((measurement) => measurement.steady)),
    inSandboxMs: summarizeLatencies(mergeLatencies(mine.map((measurement) => measurement.inSandbox))),
    firstCreateSeconds: mine.reduce((sum, measurement) => sum + measurement.firstCreateSeconds, 0) / mine.length,
    settleMs: settles.length === 0 ? undefined : settles.reduce((sum, ms) => sum + ms, 0) / settles.length,
  };
}

export interface Ratios {
  boundPerSec: number;
  /** forwarding steady /s over the bound: the aim. */
  forwardingToBound: number | undefined;
  /** forwarding steady /s over the channel's steady /s. */
  forwardingToChannel: number | undefined;
  channelToBound: number | undefined;
  /** The same over the whole runs. */
  wholeForwardingToBound: number | undefined;
  wholeForwardingToChannel: number | undefined;
  met: boolean;
}

export function ratiosOf(boundPerSec: number, forwarding: Summary | undefined, channel: Summary | undefined): Ratios {
  const forwardingToBound = ratioOf(forwarding?.steady.perSec, boundPerSec);
  return {
    boundPerSec,
    forwardingToBound,
    forwardingToChannel: ratioOf(forwarding?.steady.perSec, channel?.steady.perSec),
    channelToBound: ratioOf(channel?.steady.perSec, boundPerSec),
    wholeForwardingToBound: ratioOf(forwarding?.whole.perSec, boundPerSec),
    wholeForwardingToChannel: ratioOf(forwarding?.whole.perSec, channel?.whole.perSec),
    met: forwardingToBound !== undefined && forwardingToBound >= AIM_RATIO,
  };
}

/**
 * The host's own CPU per forwarding, ms: the host child's in the steady windows less what the
 * probe's forwarding code cost (the probe's CPU less the sandbox's share, which the host runs
 * leave in this process). Undefined without the probe.
 */
export function hostOwnCpuMs(forwarding: Summary | undefined, probe: Probe | undefined): number | undefined {
  const cpu = forwarding?.steady.cpuMsPerEscalation;
  if (cpu?.host === undefined || cpu.bench === undefined || probe?.cpuMs.bench === undefined) return undefined;
  return cpu.host - (probe.cpuMs.bench - cpu.bench);
}
