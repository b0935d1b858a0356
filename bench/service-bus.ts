// Throughput benchmark of the local Service Bus emulator with the real @azure/service-bus SDK,
// against a baseline measured in the same run.
//
//   npm run bench:servicebus -- [--messages 5000] [--json <file>]
//
// Two brokers run as child processes on 127.0.0.1, each started fresh for this run: the emulator
// (dist/local/service-bus/cli.js, with a temporary Config.json) and the baseline
// (dist/bench/baseline-broker.js), a bare rhea server doing only the least the SDK needs, with no
// locks, persistence or checks. Both get the same warm-up and then every workload with the same
// message count, on a fresh queue each, alternating which broker goes first; every run checks that
// each message arrived exactly once with its body intact. The report gives, per workload, the
// emulator's and the baseline's msg/s and their ratio (what the emulator's broker semantics cost
// over "rhea + the SDK" on this machine, now), the fixed reference figure (reference.ts)
// and the emulator's ratio to it, and both processes' resident memory.
import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import {
  describeWallTime,
  formatInteger,
  formatMiB,
  formatRatio,
  formatTable,
  inAlternatingOrder,
  machineJson,
  parseBenchArgs,
  positiveInteger,
  ratioOf,
  rerunCommand,
  runBenchmark,
  startBaselineProcess,
  startEmulatorProcess,
  toMiB,
  withBenchProcesses,
  writeJsonReport,
  type BrokerProcess,
  type MemoryStatus,
} from "./kit/index.js";
import {
  BODY_SIZES,
  REFERENCE_IDLE_RSS_MIB,
  REFERENCE_MESSAGES,
  REFERENCE_MSG_PER_SEC,
  WORKLOAD_KINDS,
  WORKLOAD_LABELS,
  type BodySize,
  type WorkloadKind,
} from "./reference.js";
import { runWorkload } from "./workloads.js";

const DEFAULT_MESSAGES = 5_000;
const QUEUE_COUNT = 20;
const WARM_UP_QUEUE = "bench-warmup";
/** Each workload runs once untimed with this many messages first, on each broker, to warm up the JIT. */
const WARM_UP_MESSAGES = 500;
/** A workload that makes no progress for this long has stalled. */
const STALL_TIMEOUT_MS = 20_000;

const BROKERS = ["emulator", "baseline"] as const;
type BrokerName = (typeof BROKERS)[number];
type Brokers = Record<BrokerName, BrokerProcess>;

const usage = `usage: npm run bench:servicebus -- [--messages N] [--json <file>]
  --messages N   messages per workload (default ${DEFAULT_MESSAGES}; the reference figures are for ${REFERENCE_MESSAGES})
  --json <file>  also write the results as JSON`;

interface Options {
  messages: number;
  jsonPath: string | undefined;
}

function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      messages: { type: "string", default: String(DEFAULT_MESSAGES) },
    },
    usage,
  );
  if (parsed === undefined) return undefined;
  const { values, jsonPath } = parsed;
  return { messages: positiveInteger("messages", values.messages), jsonPath };
}

function rerun(options: Options): string {
  return rerunCommand("bench:servicebus", [["messages", options.messages]]);
}

function queueName(index: number): string {
  return `bench-${index}`;
}

/** A Config.json in the format of Microsoft's emulator: bench-1..bench-20 and a warm-up queue. */
function benchConfig(): unknown {
  const names = [...Array.from({ length: QUEUE_COUNT }, (_unused, i) => queueName(i + 1)), WARM_UP_QUEUE];
  return {
    UserConfig: {
      Namespaces: [
        {
          Name: "sbemulatorns",
          Queues: names.map((name) => ({
            Name: name,
            Properties: {
              LockDuration: "PT1M",
              MaxDeliveryCount: 10,
              DeadLetteringOnMessageExpiration: false,
              RequiresDuplicateDetection: false,
              RequiresSession: false,
            },
          })),
          Topics: [],
        },
      ],
    },
  };
}

/** One workload on one broker. */
interface Measurement {
  messages: number;
  elapsedMs: number;
  msgPerSec: number;
  /** The broker's VmRSS right after this workload. */
  rssAfterBytes: number | undefined;
  details: Record<string, number>;
}

interface WorkloadRecord {
  kind: WorkloadKind;
  label: string;
  bodyBytes: BodySize;
  queue: string;
  messages: number;
  /** Which broker ran this workload first (it alternates). */
  firstRun: BrokerName;
  emulator: Measurement;
  baseline: Measurement;
  /** Emulator msg/s over baseline msg/s, both measured in this run. */
  baselineRatio: number;
  referenceMsgPerSec: number | undefined;
  /** Emulator msg/s over the fixed figure. */
  referenceRatio: number | undefined;
}

interface MemoryRecord {
  pid: number;
  idle: MemoryStatus | undefined;
  end: MemoryStatus | undefined;
}

function describeSize(bytes: number): string {
  return bytes === 1024 ? "1 KB" : `${bytes} B`;
}

function geometricMean(values: readonly number[]): number {
  return Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
}

async function warmUp(broker: BrokerProcess, messages: number): Promise<void> {
  for (const kind of WORKLOAD_KINDS) {
    await runWorkload(kind, `warm-up on the ${broker.name}: ${WORKLOAD_LABELS[kind]}`, {
      connectionString: broker.connectionString,
      queue: WARM_UP_QUEUE,
      messages,
      bodyBytes: BODY_SIZES[0],
      stallTimeoutMs: STALL_TIMEOUT_MS,
      died: broker.died,
    });
  }
}

async function measure(
  broker: BrokerProcess,
  kind: WorkloadKind,
  label: string,
  queue: string,
  options: Options,
  bodyBytes: BodySize,
): Promise<Measurement> {
  const result = await runWorkload(kind, `${label} (${broker.name})`, {
    connectionString: broker.connectionString,
    queue,
    messages: options.messages,
    bodyBytes,
    stallTimeoutMs: STALL_TIMEOUT_MS,
    died: broker.died,
  });
  return {
    messages: result.messages,
    elapsedMs: result.elapsedMs,
    msgPerSec: (result.messages * 1000) / result.elapsedMs,
    rssAfterBytes: broker.memory()?.rssBytes,
    details: result.details,
  };
}

async function runAll(options: Options, brokers: Brokers): Promise<WorkloadRecord[]> {
  const records: WorkloadRecord[] = [];
  const total = BODY_SIZES.length * WORKLOAD_KINDS.length;
  if (total > QUEUE_COUNT) throw new Error(`${total} workloads need more than the ${QUEUE_COUNT} queues configured`);
  let index = 0;
  for (const bodyBytes of BODY_SIZES) {
    for (const kind of WORKLOAD_KINDS) {
      index++;
      const queue = queueName(index);
      const label = `${WORKLOAD_LABELS[kind]}, ${describeSize(bodyBytes)}`;
      // Alternate the order so neither broker always runs right after the other.
      const order = inAlternatingOrder(BROKERS, index);
      const measured: Partial<Record<BrokerName, Measurement>> = {};
      for (const name of order) {
        const measurement = await measure(brokers[name], kind, label, queue, options, bodyBytes);
        measured[name] = measurement;
        const position = `[${String(index).padStart(2)}/${total}]`;
        console.log(
          `${position} ${label.padEnd(44)} ${name.padEnd(8)} ${formatInteger(measurement.msgPerSec).padStart(7)} msg/s  ` +
            `${(measurement.elapsedMs / 1000).toFixed(2).padStart(6)} s  (${queue}, ${measurement.messages} received = sent)`,
        );
      }
      const { emulator, baseline } = measured;
      if (emulator === undefined || baseline === undefined) throw new Error(`${label}: a broker was not measured`);
      const referenceMsgPerSec = REFERENCE_MSG_PER_SEC[bodyBytes][kind];
      records.push({
        kind,
        label: WORKLOAD_LABELS[kind],
        bodyBytes,
        queue,
        messages: options.messages,
        firstRun: order[0] ?? "emulator",
        emulator,
        baseline,
        baselineRatio: emulator.msgPerSec / baseline.msgPerSec,
        referenceMsgPerSec,
        referenceRatio: ratioOf(emulator.msgPerSec, referenceMsgPerSec),
      });
    }
  }
  return records;
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

function printReport(
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

async function writeJson(
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

async function main(options: Options, began: number): Promise<void> {
  const started: BrokerProcess[] = [];
  const stopAll = () => Promise.all(started.map((broker) => broker.stop()));
  const forwardStderr = (name: BrokerName) => (line: string) => {
    console.error(`[${name} stderr] ${line}`);
  };
  await withBenchProcesses(
    {
      tempPrefix: "sb-bench-",
      stopAll,
      // The temporary folder holds only the emulator's config and journal.
      keepTempDirOnFailure: false,
      onFailure: () => {
        for (const broker of started) {
          const recent = broker.recentOutput();
          if (recent.length > 0)
            console.error(
              `${broker.name} output (last ${Math.min(recent.length, 40)} lines):\n  ${recent.slice(-40).join("\n  ")}`,
            );
        }
      },
    },
    async ({ tempDir }) => {
      const configPath = join(tempDir, "Config.json");
      await writeFile(configPath, JSON.stringify(benchConfig(), null, 2));
      const emulator = await startEmulatorProcess({ configPath, onStderrLine: forwardStderr("emulator") });
      started.push(emulator);
      const emulatorIdle = emulator.memory();
      const baseline = await startBaselineProcess({ onStderrLine: forwardStderr("baseline") });
      started.push(baseline);
      const baselineIdle = baseline.memory();
      const brokers: Brokers = { emulator, baseline };
      console.log(
        `Emulator pid ${emulator.pid}: ${emulator.connectionString}; idle RSS right after start ${formatMiB(emulatorIdle?.rssBytes)}`,
      );
      console.log(
        `Baseline pid ${baseline.pid}: ${baseline.connectionString}; idle RSS right after start ${formatMiB(baselineIdle?.rssBytes)}`,
      );

      const warmUpMessages = Math.min(WARM_UP_MESSAGES, options.messages);
      for (const name of BROKERS) await warmUp(brokers[name], warmUpMessages);
      console.log(
        `Warm-up done: every workload once with ${warmUpMessages} messages on ${WARM_UP_QUEUE}, on each broker, untimed`,
      );

      const records = await runAll(options, brokers);
      const memory: Record<BrokerName, MemoryRecord> = {
        emulator: { pid: emulator.pid, idle: emulatorIdle, end: emulator.memory() },
        baseline: { pid: baseline.pid, idle: baselineIdle, end: baseline.memory() },
      };
      await stopAll();
      const totalMs = performance.now() - began;
      printReport(options, records, memory);
      console.log(describeWallTime(totalMs));
      if (options.jsonPath !== undefined) await writeJson(options.jsonPath, options, records, memory, totalMs);
    },
  );
}

// The SDK may keep timers alive for a moment after close(); the report is complete.
runBenchmark(parseOptions, main, usage);
