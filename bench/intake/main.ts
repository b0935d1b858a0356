// Benchmark of the escalation intake, POST /api/escalations: submissions per second and latency
// through the local Functions host, against the floor measured in the same run, the same storage
// writes and queue send done directly with the SDKs in this process.
//
//   npm run bench:intake -- [--seconds 5] [--rounds 2] [--connections 8] [--skip-idempotency] [--json <file>]
//
// Everything runs on 127.0.0.1 and is started by this run, each in a process of its own: Azurite's
// Table service (in memory, a free port) and the Service Bus emulator (dist/local/service-bus/
// cli.js, a free port, one queue with duplicate detection as the app's "escalations" queue has),
// for the whole run; and the local Functions host (dist/local/functions-host/cli.js) serving this
// repository's app with that queue, one function key and one caller. Every measurement, host or
// floor, gets a table of its own (so the host a child of its own): Azurite's in-memory table slows
// down as it fills (one table, 8 in flight: ~150 submissions/s at first, ~105/s after 2,700), which
// would otherwise favour whichever path ran first.
//
// 1. Host: autocannon in this process POSTs to /api/escalations over `--connections` keep-alive
//    connections (pipelining 1). Every request has a body of its own (the title carries a
//    counter), so none is an idempotent replay. A host run is a fixed number of requests, what
//    `--seconds` takes at the rate the previous host run of the same mode reached (its warm-up's
//    at first), not a fixed time: autocannon stopped by a timer abandons the requests in flight,
//    whose escalations the host still accepts and queues, and the queue could then not be
//    reconciled with the answers. Every response must be 202 with { id, status: "queued" } and
//    every id distinct, or the benchmark fails.
// 2. Floor: the same submissions without HTTP or the host. `submitEscalation`
//    (shared/domain/escalations/submit-escalation.ts) with the real adapters (TableEscalationStore,
//    ServiceBusEscalationQueue) on SDK clients built as shared/composition-root.ts builds them,
//    with the app's settings parsed from the host's environment by the same loadConfig and the
//    caller identified from the same key by the same identifyCaller; `--connections` submissions
//    in flight for `--seconds`, after which none starts and those in flight finish. That is the
//    intake's I/O and nothing else: the gate decision row; the outbox, escalation and two index
//    rows; the queue send; the replace that marks it sent, with its two reads, two index writes
//    and the outbox delete. Each submission must come back accepted and sent.
// Both paths run in two modes: without an Idempotency-Key, and with a fresh one per request (the
// floor then wraps the same call in runIdempotently with TableIdempotencyStore, as the handler
// does: one more insert and one merge per submission); --skip-idempotency leaves the second out.
// Every measurement follows an untimed warm-up of 50 submissions per connection on its own table
// (verified like the rest), which for a new host child is also its JIT's warm-up (after 25 per
// connection it still spent ~0.5 ms more CPU per submission than after 75); per mode, `--rounds`
// rounds of one host and one floor measurement, the order alternating (ABBA with 2 rounds).
// 3. Verification after the run, with a fresh Service Bus client: every message in the queue is
//    peeked. For each batch of submissions (warm-ups included) the queue must hold exactly the
//    escalations accepted, one message each, MessageId = escalation id = the body's escalationId;
//    no MessageId twice and no message that no batch accounts for. Anything else fails the run.
//
// Reported: submissions/s and latency percentiles of both paths, the host/floor ratios against
// the 0.8 aim, and each process's CPU time per submission from /proc/<pid>/stat (the host child;
// this process, which is autocannon in host runs and the app's code plus the SDKs in floor runs;
// Azurite; the emulator) with the whole machine's from /proc/stat, which tell where the host's
// extra time goes on this machine and how much other processes took.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import {
  appHostCli,
  describeWallTime,
  formatRatio,
  printAppOutputs,
  REPO_ROOT,
  runBenchmark,
  startAppStack,
  stopNewestFirst,
  verdict,
  VerificationError,
  withBenchProcesses,
  type AppStack,
  type Stoppable,
} from "../kit/index.js";
import { createFloor, type Floor } from "./floor.js";
import { runAll, summarize, type Batch } from "./measure.js";
import { printReport, printVerification, printWhereTimeGoes, writeJson } from "./report.js";
import { AIM_RATIO, MODE_LABELS, parseOptions, PATHS, QUEUE, rerun, usage, type Options } from "./settings.js";
import { verificationProblems, verifyQueue } from "./verify.js";

async function main(options: Options, began: number): Promise<void> {
  const runTag = randomBytes(5).toString("hex");
  const started: Stoppable[] = [];
  let floor: Floor | undefined;
  let rig: AppStack | undefined;
  const stopAll = async () => {
    if (floor !== undefined) {
      const closing = floor;
      floor = undefined;
      await closing.sender.close().catch(() => undefined);
      await closing.serviceBus.close().catch(() => undefined);
    }
    await stopNewestFirst(started);
  };
  await withBenchProcesses(
    {
      tempPrefix: "intake-bench-",
      stopAll,
      onFailure: () => {
        printAppOutputs(rig);
      },
    },
    async ({ tempDir }) => {
      rig = await startAppStack(tempDir, started, QUEUE);
      if (rig.removedSettings.length > 0)
        console.log(`Removed from the hosts' environment: ${rig.removedSettings.join(", ")}`);
      console.log(
        `Azurite (Table)       pid ${rig.azurite.pid ?? "?"}: port ${rig.azurite.port}, in memory; a table per measurement, intake${runTag}n<1..>`,
      );
      console.log(`Service Bus emulator  pid ${rig.emulator.pid}: queue ${QUEUE}, duplicate detection on`);
      console.log(
        `local Functions host  a child per host measurement: ${appHostCli()} --app ${REPO_ROOT}; output in ${join(tempDir, "host-<n>.log")}`,
      );
      floor = createFloor(rig);

      const batches: Batch[] = [];
      const measurements = await runAll(options, rig, floor, runTag, batches);
      const summaries = options.modes.flatMap((mode) => PATHS.map((path) => summarize(mode, path, measurements)));

      const verification = await verifyQueue(rig.emulator.connectionString, batches);
      const totalMs = performance.now() - began;
      printReport(options, measurements, summaries);
      printWhereTimeGoes(options, summaries);
      printVerification(verification);
      const problems = verificationProblems(verification);
      if (problems.length > 0)
        throw new VerificationError(
          `the queue does not hold exactly the accepted escalations:\n  ${problems.join("\n  ")}`,
        );
      console.log("Verification passed: the queue holds exactly one message per accepted submission, in every batch.");

      console.log("");
      console.log("Aims:");
      for (const mode of options.modes) {
        const host = summaries.find((item) => item.mode === mode && item.path === "host");
        const floorSummary = summaries.find((item) => item.mode === mode && item.path === "floor");
        if (host === undefined || floorSummary === undefined) continue;
        const ratio = host.perSec / floorSummary.perSec;
        console.log(
          `  host/floor submissions/s >= ${AIM_RATIO.toFixed(2)}x, ${MODE_LABELS[mode]}: ${host.perSec.toFixed(1)} / ${floorSummary.perSec.toFixed(1)} = ${formatRatio(ratio)}, ${verdict(ratio >= AIM_RATIO)}`,
        );
      }
      console.log("");
      console.log(describeWallTime(totalMs));
      console.log(`Rerun: ${rerun(options)}`);
      if (options.jsonPath !== undefined)
        await writeJson(options.jsonPath, options, rig, runTag, measurements, summaries, verification, totalMs);
    },
  );
}

runBenchmark(parseOptions, main, usage);
