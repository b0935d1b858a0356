// The Service Bus benchmark's printed report (msg/s and ratios per workload, memory) and its JSON.
import {
  formatInteger,
  formatMiB,
  formatRatio,
  formatTable,
  machineJson,
  ratioOf,
  toMiB,
  writeJsonReport,
  type MemoryStatus,
} from "../kit/index.js";
import { describeSize, type MemoryRecord, type WorkloadRecord } from "./measure.js";
import { REFERENCE_IDLE_RSS_MIB, REFERENCE_MESSAGES } from "./reference.js";
import { rerun, WARM_UP_MESSAGES, type BrokerName, type Options } from "./settings.js";

function geometricMean(values: readonly number[]): number {
  return Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
}

function describeBaselineRatios(records: readonly WorkloadRecord[]): string {
  const sorted = [...records].sort((a, b) => a.baselineRatio - b.baselineRatio);
  const lowest = sorted[0];
  const highest = sorted[sorted.length - 1];
  if (lowest === undefined || highest === undefined) return "no workloads";
  const name = (record: WorkloadRecord) => `${record.label}, ${describeSize(record.bodyBytes)}`;
  return (
    `geometric mean ${formatRatio(geometricMean(records.map((record) => record.baselineRatio)))}, ` +
    `lowest ${formatRatio(lowest.baselineRatio)} (${name(lowest)}), highest ${formatRatio(highest.baselineRatio)} (${name(highest)})`
  );
}

export function printReport(
  options: Options,
  records: readonly WorkloadRecord[],
  memory: Record<BrokerName, MemoryRecord>,
): void {
  console.log("");
  console.log(
    `Service Bus emulator vs the bare-rhea baseline, same run, ${formatInteger(options.messages)} messages per workload ` +
      `(reference figures: ${formatInteger(REFERENCE_MESSAGES)} messages)`,
  );
  console.log("");
  const rows = records.map((record) => [
    record.label,
    describeSize(record.bodyBytes),
    formatInteger(record.messages),
    formatInteger(record.emulator.msgPerSec),
    formatInteger(record.baseline.msgPerSec),
    formatRatio(record.baselineRatio),
    record.referenceMsgPerSec === undefined ? "n/a" : formatInteger(record.referenceMsgPerSec),
    formatRatio(record.referenceRatio),
  ]);
  console.log(
    formatTable(
      ["Workload", "Body", "Messages", "Emulator msg/s", "Baseline msg/s", "Emu/base", "Reference msg/s", "Emu/ref"],
      rows,
      2,
    ),
  );
  const compared = records.filter((record) => record.referenceRatio !== undefined);
  const atOrAbove = compared.filter((record) => (record.referenceRatio ?? 0) >= 1);
  console.log("");
  console.log(
    "Emu/base = emulator msg/s / baseline msg/s, both measured in this run: 1.00x is as fast as bare rhea with the same SDK; " +
      "below that is what the emulator's broker semantics (locks, checks, persistence hooks, ...) cost.",
  );
  console.log(`Emulator / baseline over all ${records.length} workloads: ${describeBaselineRatios(records)}.`);
  console.log(
    `Emu/ref = emulator msg/s / the issue's fixed figure (higher is better): at or above it in ${atOrAbove.length} of ${compared.length} workloads with a reference figure.`,
  );
  console.log(
    "Timed: sends until the last send is acknowledged; receive from the first receiveMessages() to the last completeMessage(); " +
      "subscribe from subscribe() until a peek finds the queue empty (every auto-complete applied). Filling and checking queues are not timed.",
  );
  console.log("");
  const { emulator, baseline } = memory;
  console.log(`Memory (/proc/<pid>/status): emulator pid ${emulator.pid}, baseline pid ${baseline.pid}`);
  const memoryRow = (
    measure: string,
    pick: (status: MemoryStatus) => number,
    end: "idle" | "end",
    reference: boolean,
  ) => {
    const emulatorBytes = emulator[end] === undefined ? undefined : pick(emulator[end]);
    const baselineBytes = baseline[end] === undefined ? undefined : pick(baseline[end]);
    return [
      measure,
      formatMiB(emulatorBytes),
      formatMiB(baselineBytes),
      formatRatio(ratioOf(emulatorBytes, baselineBytes)),
      reference ? `${REFERENCE_IDLE_RSS_MIB} MB` : "n/a",
      reference
        ? formatRatio(ratioOf(emulatorBytes === undefined ? undefined : toMiB(emulatorBytes), REFERENCE_IDLE_RSS_MIB))
        : "n/a",
    ];
  };
  console.log(
    formatTable(
      ["Measure", "Emulator", "Baseline", "Emu/base", "Reference", "Emu/ref"],
      [
        memoryRow("idle RSS right after start (VmRSS)", (status) => status.rssBytes, "idle", true),
        memoryRow("peak RSS over the whole run (VmHWM)", (status) => status.peakRssBytes, "end", false),
        memoryRow("RSS at the end (VmRSS)", (status) => status.rssBytes, "end", false),
      ],
    ),
  );
  console.log("(memory ratios: lower is better)");
  console.log("");
  console.log(`Rerun: ${rerun(options)}`);
}

function memoryJson(record: MemoryRecord) {
  return {
    pid: record.pid,
    idleRssBytes: record.idle?.rssBytes,
    peakRssBytes: record.end?.peakRssBytes,
    endRssBytes: record.end?.rssBytes,
  };
}

export async function writeJson(
  path: string,
  options: Options,
  records: readonly WorkloadRecord[],
  memory: Record<BrokerName, MemoryRecord>,
  totalMs: number,
): Promise<void> {
  const emulatorIdle = memory.emulator.idle;
  const json = {
    date: new Date().toISOString(),
    command: rerun(options),
    environment: machineJson(),
    messagesPerWorkload: options.messages,
    warmUpMessagesPerWorkload: Math.min(WARM_UP_MESSAGES, options.messages),
    referenceMessages: REFERENCE_MESSAGES,
    workloads: records,
    baselineRatioGeometricMean: geometricMean(records.map((record) => record.baselineRatio)),
    emulatorMemory: {
      ...memoryJson(memory.emulator),
      referenceIdleRssMiB: REFERENCE_IDLE_RSS_MIB,
      idleRatio: emulatorIdle === undefined ? undefined : toMiB(emulatorIdle.rssBytes) / REFERENCE_IDLE_RSS_MIB,
    },
    baselineMemory: memoryJson(memory.baseline),
    totalMs,
  };
  await writeJsonReport(path, json);
}
