// The intake benchmark's measurements: per mode, rounds of one host and one floor run, the order
// alternating, each on a fresh table after an untimed warm-up, with every process's CPU time.
import {
  appCpuBetween,
  appProcessesCpu,
  cpuShare,
  formatInteger,
  formatMs,
  inAlternatingOrder,
  machineCpu,
  mergeLatencies,
  summarizeLatencies,
  ticksBetween,
  type AppCpu,
  type AppProcess,
  type AppStack,
  type LatencySummary,
  type MachineTicks,
  type ServerProcess,
} from "../kit/index.js";
import { floorRun, floorTable, type Floor, type FloorTable } from "./floor.js";
import { hostRun, startHost, type PathRun } from "./host-run.js";
import {
  MODE_LABELS,
  PATHS,
  WARM_UP_SUBMISSIONS_PER_CONNECTION,
  type Mode,
  type Options,
  type PathName,
} from "./settings.js";

/** Submissions whose messages the queue must hold: every run, warm-ups included. */
export interface Batch {
  label: string;
  ids: string[];
}

export interface Measurement {
  mode: Mode;
  path: PathName;
  round: number;
  run: PathRun;
  /** Each process's user + system CPU seconds during the run. */
  cpuSeconds: AppCpu;
  /** The whole machine's busy and total CPU ticks during the run, other processes included. */
  machineTicks: MachineTicks | undefined;
  /** Wall time between the CPU readings before and after the run. */
  cpuWindowSeconds: number;
}

export interface Summary {
  mode: Mode;
  path: PathName;
  submissions: number;
  seconds: number;
  perSec: number;
  latencyMs: LatencySummary;
  /** CPU ms per submission, per process, and their sum. */
  cpuMsPerSubmission: Record<AppProcess | "total", number | undefined>;
  /** CPU seconds of the four processes per wall second over the machine's cores, in %. */
  busyPercent: number | undefined;
  /** The whole machine's CPUs busy, in %: the rest of busyPercent is other processes. */
  machineBusyPercent: number | undefined;
}

export async function runAll(
  options: Options,
  rig: AppStack,
  floor: Floor,
  runTag: string,
  batches: Batch[],
): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  const warmUpCount = options.connections * WARM_UP_SUBMISSIONS_PER_CONNECTION;
  let index = 0;
  let pair = 0;
  for (const mode of options.modes) {
    const keyed = mode === "keyed";
    let hostRate: number | undefined;
    for (let round = 1; round <= options.rounds; round++) {
      // ABBA: alternate which path goes first, so a drift over the run (the emulator's duplicate
      // detection history grows, the machine's other load changes) weighs on both alike.
      const order = inAlternatingOrder(PATHS, ++pair);
      for (const path of order) {
        index++;
        // A fresh table for every measurement: Azurite's in-memory table gets slower as it fills.
        const tableName = `intake${runTag}n${index}`;
        const label = `${runTag}-${mode}-${path}-r${round}`;
        let host: ServerProcess | undefined;
        let on: FloorTable | undefined;
        let guard: <T>(work: Promise<T>) => Promise<T>;
        const setupBegan = performance.now();
        let warmUp: PathRun;
        if (path === "host") {
          host = await startHost(rig, tableName, index);
          const died = Promise.race([host.died, rig.emulator.died]);
          guard = (work) => Promise.race([work, died]);
          warmUp = await guard(
            hostRun(host.url, {
              connections: options.connections,
              amount: warmUpCount,
              keyed,
              label: `${label}-warm-up`,
            }),
          );
        } else {
          const died = rig.emulator.died;
          guard = (work) => Promise.race([work, died]);
          on = await floorTable(rig, floor, tableName);
          warmUp = await guard(
            floorRun(floor, on, {
              connections: options.connections,
              count: warmUpCount,
              keyed,
              label: `${label}-warm-up`,
            }),
          );
        }
        batches.push({ label: `${mode} ${path} round ${round}, warm-up`, ids: warmUp.ids });
        const setupSeconds = (performance.now() - setupBegan) / 1000;

        const before = appProcessesCpu(rig, host);
        const machineBefore = machineCpu();
        const windowBegan = performance.now();
        let run: PathRun;
        if (host !== undefined) {
          // The warm-up's first answers wait for connections, the table and the JIT: its second half tells the rate.
          const amount = Math.max(
            options.connections * 10,
            Math.round((hostRate ?? warmUp.steadyPerSec) * options.seconds),
          );
          run = await guard(hostRun(host.url, { connections: options.connections, amount, keyed, label }));
          hostRate = run.perSec;
        } else {
          if (on === undefined) throw new Error("unreachable: the floor has no table");
          run = await guard(
            floorRun(floor, on, { connections: options.connections, seconds: options.seconds, keyed, label }),
          );
        }
        const cpuSeconds = appCpuBetween(before, appProcessesCpu(rig, host));
        const machineAfter = machineCpu();
        const cpuWindowSeconds = (performance.now() - windowBegan) / 1000;
        const machineTicks = ticksBetween(machineBefore, machineAfter);
        await host?.stop();
        batches.push({ label: `${mode} ${path} round ${round}`, ids: run.ids });
        measurements.push({ mode, path, round, run, cpuSeconds, machineTicks, cpuWindowSeconds });
        console.log(
          `round ${round}  ${MODE_LABELS[mode].padEnd(27)} ${path.padEnd(5)}  ${run.perSec.toFixed(1).padStart(6)} submissions/s  ` +
            `p50 ${formatMs(run.latencyMs.p50).padStart(6)} ms  p99 ${formatMs(run.latencyMs.p99).padStart(6)} ms  (${formatInteger(run.submissions)} in ${run.seconds.toFixed(2)} s, all accepted; ` +
            `${path === "host" ? "host started and " : ""}${formatInteger(warmUp.submissions)} warm-up submissions in ${setupSeconds.toFixed(1)} s before)`,
        );
      }
    }
  }
  return measurements;
}

export function summarize(mode: Mode, path: PathName, measurements: readonly Measurement[]): Summary {
  const mine = measurements.filter((measurement) => measurement.mode === mode && measurement.path === path);
  const submissions = mine.reduce((sum, measurement) => sum + measurement.run.submissions, 0);
  const seconds = mine.reduce((sum, measurement) => sum + measurement.run.seconds, 0);
  const share = cpuShare(
    mine.map((measurement) => ({ cpuSeconds: measurement.cpuSeconds, machineTicks: measurement.machineTicks })),
    submissions,
    mine.reduce((sum, measurement) => sum + measurement.cpuWindowSeconds, 0),
  );
  return {
    mode,
    path,
    submissions,
    seconds,
    perSec: submissions / seconds,
    latencyMs: summarizeLatencies(mergeLatencies(mine.map((measurement) => measurement.run.latencies))),
    cpuMsPerSubmission: share.msPerItem,
    busyPercent: share.busyPercent,
    machineBusyPercent: share.machineBusyPercent,
  };
}
