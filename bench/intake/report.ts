// The intake benchmark's printed report: both paths' rates and latencies, the host/floor ratios,
// CPU per submission, where the host's extra time goes, the queue's verification, and the JSON.
import { cpus } from "node:os";
import {
  APP_PROCESSES,
  formatInteger,
  formatMs,
  formatPercent,
  formatRatio,
  formatTable,
  machineJson,
  ratioOf,
  verdict,
  writeJsonReport,
  type AppStack,
  type LatencySummary,
} from "../kit/index.js";
import type { Measurement, Summary } from "./measure.js";
import { AIM_RATIO, CPU_BOUND_PERCENT, MODE_LABELS, PATH, PATHS, QUEUE, rerun, type Options } from "./settings.js";
import type { Verification } from "./verify.js";

export function printReport(options: Options, measurements: readonly Measurement[], summaries: Summary[]): void {
  const cores = cpus().length;
  console.log("");
  console.log(
    `Intake: POST ${PATH} through the local Functions host against the floor (submitEscalation with the real adapters and SDK clients, in this process); ` +
      `${options.connections} connections / submissions in flight, ~${options.seconds} s per measurement, ${options.rounds} round${options.rounds === 1 ? "" : "s"} per mode`,
  );
  console.log("");
  const latencyCells = (latency: LatencySummary) => [
    formatMs(latency.p50),
    formatMs(latency.p90),
    formatMs(latency.p99),
    formatMs(latency.max),
  ];
  const rows: string[][] = [];
  for (const mode of options.modes) {
    for (const path of PATHS) {
      for (const measurement of measurements.filter((item) => item.mode === mode && item.path === path)) {
        const { run } = measurement;
        rows.push([
          MODE_LABELS[mode],
          path,
          String(measurement.round),
          formatInteger(run.submissions),
          run.seconds.toFixed(2),
          run.perSec.toFixed(1),
          ...latencyCells(run.latencyMs),
        ]);
      }
      const summary = summaries.find((item) => item.mode === mode && item.path === path);
      if (summary !== undefined)
        rows.push([
          MODE_LABELS[mode],
          path,
          "all",
          formatInteger(summary.submissions),
          summary.seconds.toFixed(2),
          summary.perSec.toFixed(1),
          ...latencyCells(summary.latencyMs),
        ]);
    }
  }
  console.log(
    formatTable(
      ["Mode", "Path", "Round", "Accepted", "Seconds", "subm/s", "p50 ms", "p90 ms", "p99 ms", "max ms"],
      rows,
      2,
    ),
  );
  console.log("");
  const ratioRows = options.modes.map((mode) => {
    const host = summaries.find((item) => item.mode === mode && item.path === "host");
    const floor = summaries.find((item) => item.mode === mode && item.path === "floor");
    if (host === undefined || floor === undefined) return [MODE_LABELS[mode], "n/a", "n/a", "n/a", "n/a"];
    const ratio = host.perSec / floor.perSec;
    return [
      MODE_LABELS[mode],
      formatRatio(ratio),
      formatRatio(host.latencyMs.p50 / floor.latencyMs.p50),
      formatRatio(host.latencyMs.p99 / floor.latencyMs.p99),
      `${verdict(ratio >= AIM_RATIO)} (aim >= ${AIM_RATIO.toFixed(2)}x)`,
    ];
  });
  console.log(formatTable(["host / floor, all rounds", "subm/s", "p50", "p99", "subm/s aim"], ratioRows));
  console.log("(submissions/s: higher is better; latency: lower is better)");
  console.log("");
  console.log(
    `CPU per accepted submission, ms (user + system from /proc/<pid>/stat over each run; ${cores} CPUs; busy = the four processes' CPU per wall second over all CPUs; ` +
      "machine busy = all CPUs from /proc/stat, other processes included)",
  );
  console.log("");
  const cpuRows: string[][] = [];
  for (const mode of options.modes) {
    for (const path of PATHS) {
      const summary = summaries.find((item) => item.mode === mode && item.path === path);
      if (summary === undefined) continue;
      cpuRows.push([
        MODE_LABELS[mode],
        path,
        ...APP_PROCESSES.map((name) => formatMs(summary.cpuMsPerSubmission[name])),
        formatMs(summary.cpuMsPerSubmission.total),
        formatPercent(summary.busyPercent),
        formatPercent(summary.machineBusyPercent),
      ]);
    }
  }
  console.log(
    formatTable(
      ["Mode", "Path", "host child", "this process", "Azurite", "SB emulator", "total", "busy", "machine busy"],
      cpuRows,
      2,
    ),
  );
  console.log(
    "(this process: autocannon in host runs; the app's code and the SDKs in floor runs. host child: not running during floor runs)",
  );
  console.log(
    "Latency: host, autocannon's per-response time (process.hrtime); floor, each submitEscalation call (performance.now). 'all' merges the rounds.",
  );
}

export function printWhereTimeGoes(options: Options, summaries: Summary[]): void {
  for (const mode of options.modes) {
    const host = summaries.find((item) => item.mode === mode && item.path === "host");
    const floor = summaries.find((item) => item.mode === mode && item.path === "floor");
    if (host === undefined || floor === undefined) continue;
    const h = host.cpuMsPerSubmission;
    const f = floor.cpuMsPerSubmission;
    if (
      h.host === undefined ||
      h.bench === undefined ||
      f.bench === undefined ||
      h.total === undefined ||
      f.total === undefined
    )
      continue;
    const storage = (h.azurite ?? 0) + (h.emulator ?? 0) - ((f.azurite ?? 0) + (f.emulator ?? 0));
    console.log("");
    console.log(`Where the time goes, ${MODE_LABELS[mode]} (CPU ms per submission):`);
    console.log(
      `  the host child spends ${formatMs(h.host)} where this process spends ${formatMs(f.bench)} on the same app code and SDK calls in the floor: ` +
        `${formatMs(h.host - f.bench)} ms (${formatPercent(((h.host - f.bench) / h.total) * 100)} of the host run's total) is HTTP, the host, the @azure/functions model, the handler's own work and the invocation logs;`,
    );
    console.log(
      `  autocannon costs ${formatMs(h.bench)} (${formatPercent((h.bench / h.total) * 100)}); Azurite and the emulator together ${storage >= 0 ? "+" : ""}${formatMs(storage)} against the floor run; ` +
        `total ${formatMs(h.total)} against ${formatMs(f.total)}.`,
    );
    const others = (summary: Summary) =>
      summary.machineBusyPercent === undefined || summary.busyPercent === undefined
        ? undefined
        : Math.max(0, summary.machineBusyPercent - summary.busyPercent);
    const othersNote = `other processes on this machine took ${formatPercent(others(host))} (host run) and ${formatPercent(others(floor))} (floor run) of the CPUs`;
    const busy = Math.min(
      host.machineBusyPercent ?? host.busyPercent ?? 0,
      floor.machineBusyPercent ?? floor.busyPercent ?? 0,
    );
    const estimate = `floor total / host total = ${formatRatio(f.total / h.total)}, measured ${formatRatio(host.perSec / floor.perSec)}`;
    console.log(
      busy >= CPU_BOUND_PERCENT
        ? `  The CPUs were ${formatPercent(host.machineBusyPercent)} (host run) and ${formatPercent(floor.machineBusyPercent)} (floor run) busy, ${othersNote}: near saturation, so the throughput ratio follows the CPU per submission (${estimate}).`
        : `  The CPUs were ${formatPercent(host.machineBusyPercent)} (host run) and ${formatPercent(floor.machineBusyPercent)} (floor run) busy, ${othersNote}: not saturated, so much of each submission's latency is waiting between the processes, not CPU (${estimate}).`,
    );
  }
}

export function printVerification(verification: Verification): void {
  console.log("");
  console.log(
    `Verification: every message in ${QUEUE} peeked with a fresh client (${formatInteger(verification.totalMessages)} messages in ${(verification.peekMs / 1000).toFixed(2)} s)`,
  );
  console.log("");
  console.log(
    formatTable(
      ["Batch", "Accepted (202 / ok)", "Messages", "Missing", "Queued twice"],
      verification.rows.map((row) => [
        row.label,
        formatInteger(row.accepted),
        formatInteger(row.messages),
        String(row.missing),
        String(row.duplicated),
      ]),
    ),
  );
  console.log(
    `Total: ${formatInteger(verification.totalAccepted)} accepted, ${formatInteger(verification.totalMessages)} messages, ${verification.unaccounted} unaccounted for, ` +
      `${verification.duplicateIds} duplicate MessageIds, ${verification.bodyMismatches} bodies not matching their MessageId`,
  );
}

export async function writeJson(
  path: string,
  options: Options,
  rig: AppStack,
  runTag: string,
  measurements: readonly Measurement[],
  summaries: Summary[],
  verification: Verification,
  totalMs: number,
): Promise<void> {
  const ratios = Object.fromEntries(
    options.modes.map((mode) => {
      const host = summaries.find((item) => item.mode === mode && item.path === "host");
      const floor = summaries.find((item) => item.mode === mode && item.path === "floor");
      const ratio = ratioOf(host?.perSec, floor?.perSec);
      return [mode, { hostFloorRatio: ratio, aimAtLeast: AIM_RATIO, met: ratio !== undefined && ratio >= AIM_RATIO }];
    }),
  );
  const json = {
    date: new Date().toISOString(),
    command: rerun(options),
    environment: machineJson(),
    settings: {
      path: PATH,
      connections: options.connections,
      seconds: options.seconds,
      rounds: options.rounds,
      modes: options.modes,
      queue: QUEUE,
      tables: `intake${runTag}n<1..>`,
      removedSettings: rig.removedSettings,
    },
    measurements: measurements.map(({ run, ...rest }) => ({
      ...rest,
      run: { submissions: run.submissions, seconds: run.seconds, perSec: run.perSec, latencyMs: run.latencyMs },
    })),
    summaries,
    ratios,
    verification,
    totalMs,
  };
  await writeJsonReport(path, json);
}
