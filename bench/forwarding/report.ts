// The forwarding benchmark's printed report: the measurements, the summaries and CPU per
// escalation, the probe's Table Storage operations, where a forwarding's time goes, and the JSON.
import { cpus } from "node:os";
import {
  APP_PROCESSES,
  formatInteger,
  formatMs,
  formatPercent,
  formatRate,
  formatRatio,
  formatTable,
  machineJson,
  writeJsonReport,
  type AppProcess,
} from "../kit/index.js";
import type { Measurement } from "./measure.js";
import type { Probe } from "./probe.js";
import type { Rig } from "./rig.js";
import {
  AIM_RATIO,
  AIM_TABLE_OPERATIONS_PER_FORWARDING,
  SERVICE_BUS_OPERATIONS_PER_ESCALATION,
  CPU_BOUND_PERCENT,
  PATH_LABELS,
  QUEUE,
  SAMPLE_INTERVAL_MS,
  STEADY_FROM,
  STEADY_TO,
  rerun,
  type Options,
} from "./settings.js";
import { hostOwnCpuMs, type Ratios, type Summary } from "./summary.js";

export function printReport(
  options: Options,
  rig: Rig,
  measurements: readonly Measurement[],
  summaries: readonly Summary[],
  ratios: Ratios,
): void {
  const bound = `${rig.maxConcurrentCalls} / ${(options.latencyMs / 1000).toFixed(3)} s = ${formatRate(ratios.boundPerSec)}/s`;
  console.log("");
  console.log(
    `Forwarding: escalations forwarded by the local Functions host (maxConcurrentCalls ${rig.maxConcurrentCalls}) with the sandbox answering in ${options.latencyMs} ms, ` +
      `against the bound ${bound} and the Partner Center channel alone (${rig.maxConcurrentCalls} creates in flight); ` +
      `${formatInteger(options.escalations)} per measurement, ${options.rounds} round${options.rounds === 1 ? "" : "s"}`,
  );
  console.log("");
  const rows = measurements.map((measurement) => [
    PATH_LABELS[measurement.path],
    String(measurement.round),
    formatInteger(measurement.escalations),
    measurement.preloadSeconds === undefined ? "-" : measurement.preloadSeconds.toFixed(1),
    measurement.firstCreateSeconds.toFixed(2),
    measurement.whole.seconds.toFixed(2),
    formatRate(measurement.whole.perSec),
    formatRate(measurement.steady.perSec),
    formatRatio(measurement.steady.perSec / ratios.boundPerSec),
    formatMs(measurement.inSandboxMs.p50, 1),
    formatMs(measurement.inSandboxMs.p99, 1),
    measurement.settleMs === undefined ? "-" : formatMs(measurement.settleMs, 0),
  ]);
  console.log(
    formatTable(
      [
        "Path",
        "Round",
        "Escalations",
        "Preload s",
        "First s",
        "Whole s",
        "Whole /s",
        "Steady /s",
        "Steady/bound",
        "In sandbox p50 ms",
        "p99 ms",
        "Settle ms",
      ],
      rows,
      2,
    ),
  );
  console.log(
    `(First: from spawning the host, or the first channel call, to the first create answered. Whole: from there to the last create. Steady: the ${STEADY_FROM * 100}% to the ${STEADY_TO * 100}% create. ` +
      "In sandbox: each create from its request's start to its answer's last byte, the latency included. Settle: the last create until no escalation was left queued in the store.)",
  );
  console.log("");
  const summaryRows = summaries.map((summary) => [
    PATH_LABELS[summary.path],
    formatRate(summary.whole.perSec),
    formatRate(summary.steady.perSec),
    formatRatio(summary.steady.perSec / ratios.boundPerSec),
    summary.path === "forwarding" ? formatRatio(ratios.forwardingToChannel) : "1.00x",
    formatMs(summary.inSandboxMs.mean, 1),
  ]);
  console.log(
    formatTable(
      [
        "All rounds",
        "Whole /s",
        "Steady /s",
        `÷ bound ${formatRate(ratios.boundPerSec)}/s`,
        "÷ channel alone",
        "In sandbox mean ms",
      ],
      summaryRows,
    ),
  );
  console.log("(escalations/s: higher is better)");
  console.log("");
  console.log(
    `CPU per escalation, ms (user + system from /proc/<pid>/stat, sampled every ${SAMPLE_INTERVAL_MS} ms and interpolated at each window's ends; ${cpus().length} CPUs; ` +
      "busy = the four processes' CPU per wall second over all CPUs; machine busy = all CPUs from /proc/stat, other processes included)",
  );
  console.log("");
  const cpuRows: string[][] = [];
  for (const summary of summaries) {
    for (const [name, window] of [
      ["steady", summary.steady],
      ["whole", summary.whole],
    ] as const) {
      cpuRows.push([
        PATH_LABELS[summary.path],
        name,
        ...APP_PROCESSES.map((process) => formatMs(window.cpuMsPerEscalation[process])),
        formatMs(window.cpuMsPerEscalation.total),
        formatPercent(window.busyPercent),
        formatPercent(window.machineBusyPercent),
      ]);
    }
  }
  console.log(
    formatTable(
      ["Path", "Window", "host child", "this process", "Azurite", "SB emulator", "total", "busy", "machine busy"],
      cpuRows,
      2,
    ),
  );
  console.log(
    "(this process: the sandbox, plus the channel and its token source in channel runs. host child: its whole run includes its start-up; not running in channel runs)",
  );
}

export function printProbe(probe: Probe): void {
  console.log("");
  console.log(
    `Probe: ${probe.escalations} escalations forwarded by forwardEscalation in this process, ${probe.inFlight} in flight, real store and channel, no host, no Service Bus: ` +
      `${formatRate(probe.perSec)}/s; a forwarding took ${formatMs(probe.forwardMs.mean, 1)} ms (p50 ${formatMs(probe.forwardMs.p50, 1)}, p99 ${formatMs(probe.forwardMs.p99, 1)}), ` +
      `${formatMs(probe.channelMs.mean, 1)} of them in the channel's create call; CPU per forwarding ${formatMs(probe.cpuMs.bench)} ms in this process, ${formatMs(probe.cpuMs.azurite)} ms in Azurite`,
  );
  console.log("");
  console.log(
    formatTable(
      ["Table Storage operation", "per forwarding", "mean ms"],
      [
        ...probe.operations.map((operation) => [
          operation.name,
          operation.perForwarding.toFixed(2),
          formatMs(operation.meanMs),
        ]),
        ["all", probe.operationsPerForwarding.toFixed(2), ""],
      ],
    ),
  );
  console.log("");
  console.log(
    "Table Storage requests per escalation at each step (probe; counted at the SDK's HTTP pipeline, an entity-group transaction is one; event fan-out included, no subscriptions):",
  );
  console.log(
    formatTable(
      ["step", "requests", "aim"],
      probe.steps.map((step) => [
        step.step,
        step.perEscalation.toFixed(2),
        step.step === "forwarding" ? `<= ${AIM_TABLE_OPERATIONS_PER_FORWARDING}` : "",
      ]),
    ),
  );
  for (const step of probe.steps)
    console.log(
      `  ${step.step}: ${step.operations.map((operation) => `${formatOperationCount(operation.perEscalation)}${operation.name}`).join(", ")}`,
    );
  const lifetime = probe.steps.reduce((sum, step) => sum + step.perEscalation, 0);
  console.log(
    `One escalation from submission to closed (one status change on the way): ${lifetime.toFixed(1)} Table Storage requests and ` +
      `${SERVICE_BUS_OPERATIONS_PER_ESCALATION} Service Bus operations (send, receive, complete; each event adds 3 per subscription that wants it).`,
  );
}

/** "2x " for an operation made twice per escalation, nothing for once. */
function formatOperationCount(perEscalation: number): string {
  if (Math.abs(perEscalation - 1) < 0.005) return "";
  // A request a worker makes once in a while (its first read of the subscriptions) stays visible.
  return perEscalation < 0.1
    ? `${perEscalation.toPrecision(1)}x `
    : `${perEscalation.toFixed(2).replace(/\.?0+$/, "")}x `;
}

export function printWhereTimeGoes(
  rig: Rig,
  boundPerSec: number,
  summaries: readonly Summary[],
  probe: Probe | undefined,
): void {
  const forwarding = summaries.find((summary) => summary.path === "forwarding");
  const channel = summaries.find((summary) => summary.path === "channel");
  if (forwarding === undefined) return;
  const slotMs = (rig.maxConcurrentCalls / forwarding.steady.perSec) * 1000;
  const inSandbox = forwarding.inSandboxMs.mean;
  console.log("");
  console.log("Where the time goes (steady windows):");
  console.log(
    `  ${rig.maxConcurrentCalls} invocations at a time at ${formatRate(forwarding.steady.perSec)}/s is ${formatMs(slotMs, 1)} ms per forwarding if every slot stays busy; ` +
      `${formatMs(inSandbox, 1)} ms of it is the create call in the sandbox, so about ${formatMs(slotMs - inSandbox, 1)} ms is spent around it: ` +
      "receiving and settling the message, the store's reads and writes, the host and the function's invocation.",
  );
  if (channel !== undefined) {
    const channelSlot = (rig.maxConcurrentCalls / channel.steady.perSec) * 1000;
    console.log(
      `  The channel alone takes ${formatMs(channelSlot, 1)} ms per create with ${rig.maxConcurrentCalls} in flight (${formatMs(channel.inSandboxMs.mean, 1)} ms of it in the sandbox).`,
    );
  }
  const cpu = forwarding.steady.cpuMsPerEscalation;
  const shares = APP_PROCESSES.map((name) => [name, cpu[name]] as const)
    .filter((entry): entry is readonly [AppProcess, number] => entry[1] !== undefined)
    .sort((a, b) => b[1] - a[1]);
  const names: Record<AppProcess, string> = {
    host: "the host child",
    bench: "this process (the sandbox)",
    azurite: "Azurite",
    emulator: "the Service Bus emulator",
  };
  const total = cpu.total;
  if (total !== undefined) {
    console.log(
      `  CPU per forwarding: ${formatMs(total)} ms in all, ${shares.map(([name, ms]) => `${names[name]} ${formatMs(ms)} (${formatPercent((ms / total) * 100)})`).join(", ")}.`,
    );
  }
  if (total !== undefined) {
    const ceiling = (cpus().length * 1000) / total;
    console.log(
      `  At that cost the ${cpus().length} CPUs, all the bench's, would forward at most ${formatRate(ceiling)}/s (${formatRatio(ceiling / boundPerSec)} of the bound); ` +
        `${formatRate(AIM_RATIO * boundPerSec)}/s (the aim) needs at most ${formatMs((cpus().length * 1000) / (AIM_RATIO * boundPerSec))} ms of CPU per forwarding.`,
    );
  }
  const hostOwn = hostOwnCpuMs(forwarding, probe);
  if (probe?.cpuMs.bench !== undefined && cpu.host !== undefined && cpu.bench !== undefined && hostOwn !== undefined) {
    const appCode = probe.cpuMs.bench - cpu.bench;
    console.log(
      `  The probe ran the same forwarding code and SDK calls in this process (its store publishing events as the app's does) for ${formatMs(probe.cpuMs.bench)} ms of CPU with the sandbox, about ${formatMs(appCode)} ms without it; ` +
        `the host child spends ${formatMs(cpu.host)}, so about ${formatMs(hostOwn)} ms per forwarding is the host's own: receiving and settling the message over AMQP, the invocation and its log lines, the handler around forwardEscalation.`,
    );
  }
  const machine = forwarding.steady.machineBusyPercent ?? forwarding.steady.busyPercent;
  const ours = forwarding.steady.busyPercent;
  if (machine !== undefined) {
    const others =
      ours === undefined
        ? ""
        : `, ${formatPercent(ours)} by the bench's four processes and ${formatPercent(Math.max(0, machine - ours))} by other processes`;
    console.log(
      machine >= CPU_BOUND_PERCENT
        ? `  The CPUs were ${formatPercent(machine)} busy${others}: the forwarder was bound by CPU, so cheaper forwardings (fewer or lighter operations) would raise it; more concurrency would not.`
        : `  The CPUs were ${formatPercent(machine)} busy${others}: not saturated, so the forwardings mostly waited, on the sandbox and on the storage and queue round trips one after another.`,
    );
  }
  if (probe !== undefined) {
    const outside = probe.forwardMs.mean - probe.channelMs.mean;
    console.log(
      `  One forwarding costs ${probe.operationsPerForwarding.toFixed(1)} Table Storage operations (probe): ${probe.operations.map((operation) => `${operation.perForwarding.toFixed(1)} ${operation.name}`).join(", ")}; ` +
        `in this process with ${probe.inFlight} in flight a forwarding spent ${formatMs(outside, 1)} ms outside the create call (the store's round trips: a read, the open-attempt marker, then the outcome with the rows that follow it, those issued together).`,
    );
  }
}

export async function writeJson(
  path: string,
  options: Options,
  rig: Rig,
  runTag: string,
  measurements: readonly Measurement[],
  summaries: readonly Summary[],
  ratios: Ratios,
  probe: Probe | undefined,
  totalMs: number,
  app: Record<string, unknown>,
): Promise<void> {
  const json = {
    date: new Date().toISOString(),
    command: rerun(options),
    environment: machineJson(),
    app,
    settings: {
      escalations: options.escalations,
      rounds: options.rounds,
      latencyMs: options.latencyMs,
      maxConcurrentCalls: rig.maxConcurrentCalls,
      steadyWindow: [STEADY_FROM, STEADY_TO],
      queue: QUEUE,
      tables: `fwd${runTag}n<1..>`,
      removedSettings: rig.removedSettings,
    },
    measurements: measurements.map(({ inSandbox: _inSandbox, ...rest }) => rest),
    summaries,
    ratios: { ...ratios, aimAtLeast: AIM_RATIO },
    probe,
    totalMs,
  };
  await writeJsonReport(path, json);
}
