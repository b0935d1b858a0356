// `npm run bench:data-retention`: the data-retention timer over a large backlog in Azurite. Seeds
// `--escalations` (default 100,000) final escalations in the app's row layout (seed.ts), then
// measures with the app's own run (runDataRetention over TableEscalationStore, TableDataRetention
// and TableErasureAudit, as the composition root builds them):
// 1. a full erase run: every escalation final for more than PERSONAL_DATA_RETENTION (P180D) and
//    less than RECORD_RETENTION, erased;
// 2. a full delete run: the same escalations, now past RECORD_RETENTION (the run's clock moved on),
//    deleted with their status events;
// 3. on a second table of the same size, half due for deletion and half for erasure only: a run
//    cut short by `--budget-ms`, then a resuming run; verified that every escalation was erased or
//    deleted exactly once (the audit names each once, in the right action) and nothing is missed.
// Each: wall time, Table requests (counted by a pipeline policy on the run's own client: real HTTP
// requests, a batch one), requests per escalation.
//
// Azurite runs in its own process, in memory, with bench/metrics-report/azurite-preload.ts: point
// lookups from a map and one-partition queries served from their partition, as Azure Table
// Storage does (stock Azurite scans a partition per lookup and the table per query, which would
// make the figures the emulator's). Range queries over partitions (the status events' days) still
// scan the table in Azurite.
//
// Flags: --escalations 100000 --customers 200 --budget-ms 3000 --concurrency 16 --json <file>
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { TableDataRetention } from "../../shared/adapters/table-storage/table-data-retention.js";
import { TableErasureAudit } from "../../shared/adapters/table-storage/table-erasure-audit.js";
import { TableEscalationStore } from "../../shared/adapters/table-storage/table-escalation-store.js";
import { countRequests } from "../../shared/adapters/table-storage/table-request-counter.js";
import { runDataRetention, type DataRetentionSummary } from "../../shared/domain/escalations/data-retention.js";
import type { ErasureAuditEntry } from "../../shared/domain/escalations/personal-data-ports.js";
import { startAzuriteTable, type RunningAzurite } from "../../local/azurite.js";
import {
  formatInteger,
  formatTable,
  parseBenchArgs,
  positiveInteger,
  rerunCommand,
  runBenchmark,
  VerificationError,
  withBenchProcesses,
  writeJsonReport,
} from "../kit/index.js";
import { finalEscalation, seed, type SeedResult } from "./seed.js";

const DAY_MS = 24 * 60 * 60_000;
const PERSONAL_MS = 180 * DAY_MS;
const RECORDS_MS = 400 * DAY_MS;
const NOW = new Date("2026-06-16T09:30:00.000Z");

const USAGE = `npm run bench:data-retention -- [--escalations 100000] [--customers 200] [--budget-ms 3000] [--concurrency 16] [--json <file>]`;

interface Options {
  escalations: number;
  customers: number;
  budgetMs: number;
  concurrency: number;
  jsonPath: string | undefined;
}

function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      escalations: { type: "string", default: "100000" },
      customers: { type: "string", default: "200" },
      "budget-ms": { type: "string", default: "3000" },
      concurrency: { type: "string", default: "16" },
    },
    USAGE,
  );
  if (parsed === undefined) return undefined;
  const { values } = parsed;
  return {
    escalations: positiveInteger("escalations", values.escalations),
    customers: positiveInteger("customers", values.customers),
    budgetMs: positiveInteger("budget-ms", values["budget-ms"]),
    concurrency: positiveInteger("concurrency", values.concurrency),
    jsonPath: parsed.jsonPath,
  };
}

interface Measured {
  name: string;
  summary: DataRetentionSummary;
  requests: number;
  ms: number;
  escalations: number;
}

const preloadPath = fileURLToPath(new URL("../metrics-report/azurite-preload.js", import.meta.url));

function tableOf(azurite: RunningAzurite, name: string): TableClient {
  return TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
}

/** One run of the app's retention over `name`, at `now`, on a client of its own whose requests are counted. */
async function measure(
  azurite: RunningAzurite,
  name: string,
  label: string,
  now: Date,
  options: { recordRetentionMs: number; budgetMs: number; escalations: number },
): Promise<Measured> {
  const table = tableOf(azurite, name);
  const counted = countRequests(table);
  const store = new TableEscalationStore(table);
  const began = performance.now();
  // The run's time moves on from `now` as the wall clock does, so its budget is real time.
  const clock = { now: () => new Date(now.getTime() + (performance.now() - began)) };
  const summary = await runDataRetention({
    store,
    retention: new TableDataRetention(table, store),
    audit: new TableErasureAudit(table),
    clock,
    personalDataRetentionMs: PERSONAL_MS,
    recordRetentionMs: options.recordRetentionMs,
    budgetMs: options.budgetMs,
  });
  const ms = performance.now() - began;
  console.log(
    `  ${label}: ${formatInteger(ms)} ms, ${formatInteger(counted.requests)} requests, erased ${formatInteger(summary.erased)}, deleted ${formatInteger(summary.deletedEscalations)} escalations and ${formatInteger(summary.deletedRecords.statusEvents)} status events${summary.stoppedEarly ? ", stopped at its budget" : ""}`,
  );
  return { name: label, summary, requests: counted.requests, ms, escalations: options.escalations };
}

async function seeded(azurite: RunningAzurite, name: string, daysAgo: (index: number) => number, options: Options) {
  const table = tableOf(azurite, name);
  await table.createTable();
  const escalations = Array.from({ length: options.escalations }, (_, index) =>
    finalEscalation(index, NOW, daysAgo(index), options.customers),
  );
  const result: SeedResult = await seed(table, escalations, options.concurrency);
  console.log(
    `Seeded ${name}: ${formatInteger(escalations.length)} escalations, ${formatInteger(result.rows)} rows in ${formatInteger(result.requests)} requests, ${formatInteger(result.ms)} ms`,
  );
  return escalations.map((escalation) => escalation.id);
}

/** Every audit entry of the table's runs. */
async function auditOf(azurite: RunningAzurite, name: string): Promise<ErasureAuditEntry[]> {
  return new TableErasureAudit(tableOf(azurite, name)).list(
    new Date(NOW.getTime() - DAY_MS),
    new Date(NOW.getTime() + 400 * DAY_MS),
  );
}

function once(entries: readonly ErasureAuditEntry[], action: ErasureAuditEntry["action"]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const entry of entries)
    if (entry.action === action) for (const id of entry.escalationIds) seen.set(id, (seen.get(id) ?? 0) + 1);
  return seen;
}

function checkExactlyOnce(seen: Map<string, number>, expected: readonly string[], what: string): void {
  const missed = expected.filter((id) => seen.get(id) !== 1);
  const wanted = new Set(expected);
  const extra = [...seen.keys()].filter((id) => !wanted.has(id));
  if (missed.length > 0 || extra.length > 0)
    throw new VerificationError(
      `${what}: ${String(missed.length)} escalations not exactly once (e.g. ${missed.slice(0, 3).join(", ")}), ${String(extra.length)} unexpected`,
    );
}

async function main(options: Options): Promise<void> {
  const started: RunningAzurite[] = [];
  await withBenchProcesses(
    { tempPrefix: "retention-bench-", stopAll: () => Promise.all(started.splice(0).map((azurite) => azurite.close())) },
    async () => {
      let scopedOn: () => void = () => undefined;
      const scoped = new Promise<void>((resolve) => {
        scopedOn = resolve;
      });
      const azurite = await startAzuriteTable({
        port: 0,
        nodeArgs: ["--max-old-space-size=12288", "--import", preloadPath],
        env: { BENCH_AZURITE_POINT_LOOKUP: "1" },
        onOutput: (line) => {
          if (line.includes("partition-scoped queries on")) scopedOn();
        },
      });
      started.push(azurite);
      const pid = azurite.pid;
      if (pid === undefined) throw new Error("Azurite has no pid");
      // One-partition queries from their partition (see azurite-preload.ts): on for the whole run.
      process.kill(pid, "SIGUSR2");
      await scoped;
      console.log(`Azurite (Table) pid ${String(pid)} port ${String(azurite.port)}: in memory, with ${preloadPath}`);

      // 1 and 2: created 260 days before NOW, so final ~259 days: past P180D, not P400D.
      await seeded(azurite, "retentionfull", () => 260, options);
      const erase = await measure(azurite, "retentionfull", "full erase run", NOW, {
        recordRetentionMs: RECORDS_MS,
        budgetMs: 24 * 60 * 60_000,
        escalations: options.escalations,
      });
      const deleteAt = new Date(NOW.getTime() + 200 * DAY_MS);
      const deletion = await measure(azurite, "retentionfull", "full delete run", deleteAt, {
        recordRetentionMs: RECORDS_MS,
        budgetMs: 24 * 60 * 60_000,
        escalations: options.escalations,
      });
      if (erase.summary.erased !== options.escalations || deletion.summary.deletedEscalations !== options.escalations)
        throw new VerificationError("the full runs did not erase and then delete every escalation");

      // 3: half past the record retention (created 450 days ago), half only past the personal one.
      const ids = await seeded(azurite, "retentionresume", (index) => (index % 2 === 0 ? 450 : 260), options);
      const cut = await measure(azurite, "retentionresume", `run with a ${String(options.budgetMs)} ms budget`, NOW, {
        recordRetentionMs: RECORDS_MS,
        budgetMs: options.budgetMs,
        escalations: options.escalations,
      });
      const resumed = await measure(azurite, "retentionresume", "resuming run", NOW, {
        recordRetentionMs: RECORDS_MS,
        budgetMs: 24 * 60 * 60_000,
        escalations: options.escalations,
      });
      if (!cut.summary.stoppedEarly)
        throw new VerificationError("the budgeted run did not stop early: lower --budget-ms");
      const entries = await auditOf(azurite, "retentionresume");
      checkExactlyOnce(
        once(entries, "erase-after-retention"),
        ids.filter((_, index) => index % 2 === 1),
        "erased",
      );
      checkExactlyOnce(
        once(entries, "delete-after-retention"),
        ids.filter((_, index) => index % 2 === 0),
        "deleted",
      );
      const left = await measure(azurite, "retentionresume", "a third run (nothing left)", NOW, {
        recordRetentionMs: RECORDS_MS,
        budgetMs: 24 * 60 * 60_000,
        escalations: options.escalations,
      });
      if (left.summary.erased + left.summary.deletedEscalations + left.summary.failed > 0)
        throw new VerificationError("a run after the resuming one still found work");

      const runs = [erase, deletion, cut, resumed, left];
      console.log(
        `\n${formatTable(
          ["run", "escalations done", "wall ms", "Table requests", "requests / escalation", "escalations / s"],
          runs.map((run) => {
            const done = run.summary.erased + run.summary.deletedEscalations;
            return [
              run.name,
              formatInteger(done),
              formatInteger(run.ms),
              formatInteger(run.requests),
              done === 0 ? "-" : (run.requests / done).toFixed(2),
              done === 0 ? "-" : formatInteger((done * 1000) / run.ms),
            ];
          }),
        )}`,
      );
      console.log(
        `Verified: the cut-short run stopped early (${formatInteger(cut.summary.erased + cut.summary.deletedEscalations)} done), the resuming run finished; the audit names each of the ${formatInteger(options.escalations)} escalations exactly once (${formatInteger(ids.length / 2)} deleted, ${formatInteger(ids.length / 2)} erased), and a third run found nothing.`,
      );
      console.log(
        `Rerun: ${rerunCommand("bench:data-retention", [
          ["escalations", options.escalations, 100_000],
          ["customers", options.customers, 200],
          ["budget-ms", options.budgetMs, 3000],
          ["concurrency", options.concurrency, 16],
        ])}`,
      );
      if (options.jsonPath !== undefined)
        await writeJsonReport(options.jsonPath, {
          escalations: options.escalations,
          runs: runs.map((run) => ({ name: run.name, ms: run.ms, requests: run.requests, summary: run.summary })),
        });
    },
  );
}

runBenchmark(parseOptions, main, USAGE);
