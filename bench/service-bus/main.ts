// Throughput benchmark of the local Service Bus emulator with the real @azure/service-bus SDK,
// against a baseline measured in the same run.
//
//   npm run bench:servicebus -- [--messages 5000] [--json <file>]
//
// Two brokers run as child processes on 127.0.0.1, each started fresh for this run: the emulator
// (dist/local/service-bus/cli.js, with a temporary Config.json) and the baseline
// (dist/bench/service-bus/baseline-broker.js), a bare rhea server doing only the least the SDK needs, with no
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
  formatMiB,
  runBenchmark,
  startBaselineProcess,
  startEmulatorProcess,
  withBenchProcesses,
  type BrokerProcess,
} from "../kit/index.js";
import { runAll, warmUp, type MemoryRecord } from "./measure.js";
import { printReport, writeJson } from "./report.js";
import {
  BROKERS,
  benchConfig,
  parseOptions,
  usage,
  WARM_UP_MESSAGES,
  WARM_UP_QUEUE,
  type BrokerName,
  type Brokers,
  type Options,
} from "./settings.js";

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
