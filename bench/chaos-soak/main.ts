// The chaos soak (`npm run soak`): drives N escalations through the `npm start` stack while the
// 21Vianet sandbox fails a share of its calls (5% 503, 2% 429, 1% created-but-lost, 1% timeouts)
// and the stack is disrupted: one revoked access token, the Service Bus emulator dropping every
// connection twice, Azurite restarted once, the Functions host killed with SIGKILL once. Then it
// checks every escalation ended final with exactly one 21Vianet service request, no status
// moved backwards and none was rejected; prints the figures and exits 1 when a check fails.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describeMachine, formatTable, inPool, rerunCommand, verdict, writeJsonReport } from "../kit/index.js";
import {
  isFinal,
  observe,
  post,
  readView,
  SandboxFaults,
  SandboxRequests,
  submit,
  type Tracked,
} from "./app-client.js";
import { checkSoak, type SoakCheck, type SoakEscalation } from "./checks.js";
import { DISRUPTIONS, IntakeGate } from "./disruptions.js";
import { parseOptions, USAGE, type SoakOptions } from "./settings.js";
import { launchSoakStack } from "./stack.js";

const MASTER_KEY = { "x-functions-key": "local-master-key" };
/** Short retry pauses and call deadlines so a soak of 1,000 ends in minutes; the budget is generous so nothing fails for want of time. */
const STACK_SETTINGS = {
  FORWARD_RETRY_BASE_DELAY: "PT1S",
  FORWARD_RETRY_MAX_DELAY: "PT5S",
  FORWARD_RETRY_BUDGET: "PT30M",
  PARTNER_CENTER_TIMEOUT_MS: "3000",
};
const FAULT_RATES = { "status-503": 0.05, "status-429": 0.02, "created-response-lost": 0.01, timeout: 0.01 };
/** The 21Vianet calls forwarding makes: create, and the lookup after an unknown outcome. */
const FAULTED_OPERATIONS = ["create", "list"] as const;
/** With no escalation moving for this long, the dispatch sweep is run now instead of at its next minute. */
const STALL_MS = 15_000;

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function describeCounts(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));
  return entries.length === 0 ? "none" : entries.map(([name, count]) => `${name} ${count}`).join(", ");
}

async function main(options: SoakOptions): Promise<void> {
  console.log(describeMachine());
  const rerun = rerunCommand("soak", [
    ["escalations", options.escalations],
    ["seed", options.seed],
    ["kill-between-submissions", options.killBetweenSubmissions, false],
  ]);
  const tempDir = await mkdtemp(join(tmpdir(), "chaos-soak-"));
  const logPath = join(tempDir, "npm-start.log");
  console.log(
    `Chaos soak: ${options.escalations} escalations through npm start (seed ${options.seed}); its log: ${logPath}`,
  );
  const stack = await launchSoakStack(join(tempDir, "data"), logPath, STACK_SETTINGS);
  const interrupt = () => void stack.stop().finally(() => process.exit(130));
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  let passed: boolean;
  try {
    for (const operation of FAULTED_OPERATIONS)
      await post(
        `${stack.sandboxUrl}/_sandbox/faults/random`,
        { operation, rates: FAULT_RATES, seed: options.seed },
        {},
      );
    const began = performance.now();
    const elapsed = () => (performance.now() - began) / 1000;

    // Submitting, with each disruption started once its share of the submissions is accepted.
    const tracked: Tracked[] = [];
    const disruptions: { name: string; atSeconds: number; tookSeconds?: number; error?: string }[] = [];
    const running: Promise<void>[] = [];
    const intake = new IntakeGate();
    const startDue = () => {
      for (const disruption of DISRUPTIONS) {
        if (
          disruptions.some((done) => done.name === disruption.name) ||
          tracked.length < Math.ceil(disruption.after * options.escalations)
        )
          continue;
        const record: (typeof disruptions)[number] = { name: disruption.name, atSeconds: elapsed() };
        disruptions.push(record);
        console.log(`  ${record.atSeconds.toFixed(1)} s: ${disruption.name}`);
        running.push(
          disruption.run(stack, intake, options).then(
            () => void (record.tookSeconds = elapsed() - record.atSeconds),
            (error: unknown) => void (record.error = error instanceof Error ? error.message : String(error)),
          ),
        );
      }
    };
    await inPool(options.escalations, options.concurrency, async (number) => {
      await intake.enter();
      try {
        const submission = await submit(stack.url, number, options.seed);
        tracked.push({ number, submission, observed: ["queued"], view: undefined });
      } finally {
        intake.leave();
      }
      startDue();
    });
    await Promise.all(running);
    const submittedSeconds = elapsed();
    console.log(`  ${submittedSeconds.toFixed(1)} s: all ${tracked.length} accepted; waiting for each to end`);

    // Waiting for every escalation to end, reading the unfinished ones each round.
    const deadline = Date.now() + options.timeoutMs;
    let lastProgressAt = Date.now();
    let sweepsRun = 0;
    let unfinished = tracked;
    while (unfinished.length > 0 && Date.now() < deadline) {
      await inPool(unfinished.length, options.concurrency, async (index) => {
        const item = unfinished[index];
        const view = item === undefined ? undefined : await readView(stack.url, item.submission.id);
        if (item !== undefined && view !== undefined) observe(item, view);
      });
      const still = tracked.filter((item) => !isFinal(item));
      if (still.length < unfinished.length) lastProgressAt = Date.now();
      unfinished = still;
      if (unfinished.length > 0 && Date.now() - lastProgressAt > STALL_MS) {
        // An escalation stored while Service Bus was out waits for the sweep's next minute; run it now.
        await post(`${stack.url}/admin/functions/dispatch-sweep`, {}, MASTER_KEY).catch(() => undefined);
        sweepsRun += 1;
        lastProgressAt = Date.now();
      }
      if (unfinished.length > 0) await sleep(1_000);
    }
    const endedSeconds = elapsed();
    // One more read of every escalation: a status that changes after it looked final is caught too.
    await inPool(tracked.length, options.concurrency, async (index) => {
      const item = tracked[index];
      const view = item === undefined ? undefined : await readView(stack.url, item.submission.id);
      if (item !== undefined && view !== undefined) observe(item, view);
    });

    const requests = SandboxRequests.parse(await (await fetch(`${stack.sandboxUrl}/_sandbox/requests`)).json());
    const faults = SandboxFaults.parse(await (await fetch(`${stack.sandboxUrl}/_sandbox/faults`)).json());
    const escalations: SoakEscalation[] = tracked.map((item) => ({
      id: item.submission.id,
      observed: item.observed,
      status: item.view?.status ?? "queued",
      history: item.view?.history ?? [],
      attempts: item.view?.forwarding?.attempts,
      vianetCode: item.view?.vianet?.code,
    }));
    const checks: SoakCheck[] = [
      ...checkSoak(
        escalations,
        requests.items.map((item) => item.serviceRequest.title),
      ),
      {
        name: "every disruption happened",
        passed: disruptions.length === DISRUPTIONS.length && disruptions.every((done) => done.error === undefined),
        failures: disruptions.flatMap((done) => (done.error === undefined ? [] : [`${done.name}: ${done.error}`])),
      },
    ];
    passed = checks.every((check) => check.passed);

    const statuses = countBy(escalations, (escalation) => escalation.status);
    const attempts = countBy(escalations, (escalation) =>
      escalation.attempts === undefined ? "none" : String(escalation.attempts),
    );
    const lastFailures = countBy(
      tracked.flatMap((item) =>
        item.view?.forwarding?.lastFailure === undefined ? [] : [item.view.forwarding.lastFailure.kind],
      ),
      (kind) => kind,
    );
    const submissionRetries = tracked.flatMap((item) => item.submission.retries);
    const createCallsRepeated = requests.items.filter((item) => item.timesSeen > 1).length;
    console.log("");
    console.log(
      `Took ${endedSeconds.toFixed(1)} s (${submittedSeconds.toFixed(1)} s to submit); ${(tracked.length / endedSeconds).toFixed(1)} escalations/s end to end`,
    );
    console.log(`Final statuses: ${describeCounts(statuses)}`);
    console.log(
      `Forwarding attempts per escalation: ${describeCounts(attempts)}; last failure of those retried, by kind: ${describeCounts(lastFailures)}`,
    );
    console.log(
      `Submissions retried through outages: ${submissionRetries.length} (${describeCounts(countBy(submissionRetries, (reason) => reason))})`,
    );
    console.log(`Faults the sandbox injected: ${describeCounts(faults.injected)}`);
    console.log(
      `21Vianet service requests: ${requests.items.length}; of them, created by a call whose MS-RequestId reached create more than once (a retry after a fault): ${createCallsRepeated}`,
    );
    console.log(
      `Dispatch sweeps run early after ${STALL_MS / 1000} s without progress: ${sweepsRun}; Functions hosts started: ${stack.hostStarts()}`,
    );
    console.log(
      formatTable(
        ["disruption", "at (s)", "took (s)"],
        disruptions.map((done) => [
          done.name,
          done.atSeconds.toFixed(1),
          done.error === undefined ? (done.tookSeconds ?? 0).toFixed(1) : "FAILED",
        ]),
      ),
    );
    console.log("");
    console.log(
      formatTable(
        ["check", "verdict"],
        checks.map((check) => [check.name, verdict(check.passed)]),
      ),
    );
    for (const check of checks.filter((failed) => !failed.passed)) {
      console.log(`\n${check.name}: ${check.failures.length} problem(s)`);
      for (const failure of check.failures.slice(0, 20)) console.log(`  ${failure}`);
    }
    console.log(`\nRerun: ${rerun}`);
    if (options.jsonPath !== undefined) {
      await writeJsonReport(options.jsonPath, {
        escalations: options.escalations,
        seed: options.seed,
        passed,
        seconds: { total: endedSeconds, submitting: submittedSeconds },
        throughputPerSecond: tracked.length / endedSeconds,
        statuses,
        attempts,
        lastFailures,
        submissionRetries: countBy(submissionRetries, (reason) => reason),
        faultsInjected: faults.injected,
        serviceRequests: requests.items.length,
        createCallsRepeated,
        sweepsRun,
        hostStarts: stack.hostStarts(),
        disruptions,
        checks,
        rerun,
      });
    }
  } catch (error) {
    console.error(`npm start's last lines:\n${stack.tail(40)}`);
    throw error;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    await stack.stop();
  }
  // The launcher's log stays for a failed run: it says what the app did.
  if (passed) await rm(tempDir, { recursive: true, force: true });
  else console.log(`SOAK FAILED; npm start's log and data stay in ${tempDir}`);
  process.exitCode = passed ? 0 : 1;
}

const options = (() => {
  try {
    return parseOptions();
  } catch (error) {
    console.error(error instanceof Error ? `${error.message}\n${USAGE}` : error);
    process.exit(2);
  }
})();
if (options !== undefined) {
  main(options).then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      console.error(error);
      console.error("SOAK FAILED");
      process.exit(1);
    },
  );
}
