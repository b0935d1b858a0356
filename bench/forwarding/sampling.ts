// CPU sampling and measurement windows of the forwarding benchmark: every process's CPU time read
// every SAMPLE_INTERVAL_MS and interpolated at a window's ends (the steady middle, the whole run),
// and the wait for the sandbox's creates.
import { setTimeout as sleep } from "node:timers/promises";
import {
  APP_PROCESSES,
  appCpuBetween,
  ticksBetween,
  VerificationError,
  type AppCpu,
  type MachineTicks,
} from "../kit/index.js";
import type { CreateTrace } from "./sandbox-trace.js";
import { SAMPLE_INTERVAL_MS, STALL_MS, STEADY_FROM, STEADY_TO } from "./settings.js";

export interface Sample {
  at: number;
  cpu: AppCpu;
  machine: MachineTicks | undefined;
}

/** Samples every SAMPLE_INTERVAL_MS until stop(), which takes a last one. */
export function startSampler(take: () => Sample): { stop(): Sample[] } {
  const samples = [take()];
  const timer = setInterval(() => samples.push(take()), SAMPLE_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      samples.push(take());
      return samples;
    },
  };
}

const interpolate = (a: number | undefined, b: number | undefined, fraction: number) =>
  a === undefined || b === undefined ? undefined : a + (b - a) * fraction;

/** The readings at `at`, interpolated between the samples around it. */
function sampleAt(samples: readonly Sample[], at: number): Sample {
  const first = samples[0];
  if (first === undefined) throw new Error("no samples");
  let before = first;
  let after = first;
  for (const sample of samples) {
    after = sample;
    if (sample.at >= at) break;
    before = sample;
  }
  const span = after.at - before.at;
  const fraction = span <= 0 ? 1 : Math.min(1, Math.max(0, (at - before.at) / span));
  const cpu = {} as AppCpu;
  for (const name of APP_PROCESSES) cpu[name] = interpolate(before.cpu[name], after.cpu[name], fraction);
  const busy = interpolate(before.machine?.busy, after.machine?.busy, fraction);
  const total = interpolate(before.machine?.total, after.machine?.total, fraction);
  return { at, cpu, machine: busy === undefined || total === undefined ? undefined : { busy, total } };
}

export interface Window {
  /** Creates in the window. */
  count: number;
  seconds: number;
  perSec: number;
  cpuSeconds: AppCpu;
  machineTicks: MachineTicks | undefined;
}

export function windowOf(samples: readonly Sample[], from: number, to: number, count: number): Window {
  const start = sampleAt(samples, from);
  const end = sampleAt(samples, to);
  const seconds = (to - from) / 1000;
  return {
    count,
    seconds,
    perSec: count / seconds,
    cpuSeconds: appCpuBetween(start.cpu, end.cpu),
    machineTicks: ticksBetween(start.machine, end.machine),
  };
}

/** From the create at STEADY_FROM of all to the one at STEADY_TO: the creates after the first. */
export function steadyWindow(samples: readonly Sample[], answeredAt: readonly number[]): Window {
  const total = answeredAt.length;
  const fromIndex = Math.max(0, Math.ceil(STEADY_FROM * total) - 1);
  const toIndex = Math.max(fromIndex + 1, Math.ceil(STEADY_TO * total) - 1);
  const from = answeredAt[fromIndex];
  const to = answeredAt[toIndex];
  if (from === undefined || to === undefined) throw new Error(`too few creates (${total}) for a steady window`);
  return windowOf(samples, from, to, toIndex - fromIndex);
}

/** Waits until the trace holds `target` creates; fails on a stall, a non-201 answer or a dead child. */
export async function waitForCreates(
  trace: CreateTrace,
  target: number,
  died: Promise<never>,
  what: string,
): Promise<void> {
  let seen = trace.answeredAt.length;
  let progressAt = performance.now();
  while (trace.answeredAt.length < target) {
    await Promise.race([sleep(20), died]);
    if (trace.otherStatuses > 0)
      throw new VerificationError(
        `${what}: the sandbox answered ${trace.otherStatuses} create call(s) with a status other than 201 in a run without faults`,
      );
    const now = trace.answeredAt.length;
    if (now !== seen) {
      seen = now;
      progressAt = performance.now();
    } else if (performance.now() - progressAt > STALL_MS) {
      throw new VerificationError(
        `${what}: ${now} of ${target} escalations reached the sandbox, and none in the last ${STALL_MS / 1000} s`,
      );
    }
  }
}
