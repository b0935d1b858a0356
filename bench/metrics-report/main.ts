// Benchmark of the metrics report's cost against the size of the history: the time the metrics
// timer takes to compute a report (computeReport over the app's TableMetricsSource, as
// shared/composition-root.ts builds it) on a store holding `--small` escalations and on one holding
// `--large`, both with the SAME activity in every measured window, as a ratio large / small per
// window (aim <= 1.5: a report reads its window, not the history).
//
//   npm run bench:metrics -- [--small 1000] [--large 100000] [--recent 300] [--runs 15] [--json <file>]
//   npm run bench:metrics -- --quick      (a smoke check: 1,000 vs 5,000, a few runs)
//
// Everything runs on 127.0.0.1 and is started by this run: two Azurite Table services (in memory,
// free ports), one per store. Two processes rather than two tables in one: a query in Azurite
// touches only its own table's collection either way, but one process would carry the large
// store's heap (and its garbage collections) into the small store's timings, which would favour
// the ratio. Both are started with bench/metrics-report/azurite-preload.ts: point lookups from a map unless
// --stock-point-lookups (seeding speed only: reports never look up one entity, and stock Azurite
// takes the square of the store's size to seed it), and partition-scoped queries only while the
// benchmark has switched them on (see below and that file).
//
// Seeding, through the app's own writers, never hand-written rows (fixed clock, deterministic ids,
// every row in the app's real layout):
// - Recent activity, identical in both stores: `--recent` escalations submitted in the last 24 h
//   before --now through submitEscalation (the gate decision, the outbox row, the escalation, its
//   index rows and status event, the dispatch), then moved on with TableEscalationStore.replace as
//   the forwarder and status sync do (forwarded, closed, attention needed, refused by 21Vianet,
//   awaiting the portal; moves not due by --now are left out, so some stay queued), a few failed
//   by recordDeadLetter from the Service Bus dead-letter queue (the dead letter and the failure),
//   15% more refused at the criteria gate (submitEscalation), and 3 malformed dead letters.
// - Older history, the rest of each store: escalations created between 13 months and 47 days
//   before --now over `--customers` customers, each with its gate decision
//   (TableEscalationStore.recordGateDecision), stored by TableEscalationStore.create in its final
//   state with its whole history (mostly closed or forwarded, some refused or failed, each failure
//   with its dead letter written by TableDeadLetterLog.record), and 10% more gate refusals by
//   submitEscalation. One write instead of one per move, for seeding time; it leaves the rows the
//   step-by-step path leaves (the escalation, its customer and final-status index rows, one status
//   event per history entry), but for the channel property of the submission's event (see
//   storeFinal), which the benchmark checks on every fate before seeding (all rows compared, the
//   benchmark fails otherwise). 47 days: older than the longest window (30 d) plus the days the report reads dead
//   letters back (the queue's 14-day time to live plus a day), so every measured window, and every
//   partition a report reads, holds the same rows in both stores; only the history differs.
//
// Measured, per window (--windows, default 1h,24h,7d,30d, all ending at --now):
// 1. With partition-scoped queries (Azurite answering a one-partition query from that partition,
//    as Azure Table Storage does): one counted report per store (Table requests and entities
//    returned, through a pipeline policy on a separate client), `--warmup` untimed reports, then
//    `--runs` timed reports per store, small and large alternating (which goes first alternating
//    too). Median and p95 per store, and the ratio of the medians.
// 2. Stock Azurite (every query a predicate over every entity of the table, so O(stored rows) in
//    the emulator whatever the app does): the same for `--stock-windows` (1h,24h) with
//    `--stock-runs` (3) timed runs each; --stock-runs 0 leaves it out.
// Verified (or the benchmark fails): for every window, the small store's report equals the large
// store's, and equals the stock run's; and it is not empty (the window's escalations are seen).
import { fileURLToPath } from "node:url";
import { startAzuriteTable, type RunningAzurite } from "../../local/azurite.js";
import type { MetricsReport } from "../../shared/domain/metrics/report.js";
import type { ReportWindow } from "../../shared/domain/metrics/windows.js";
import {
  describeWallTime,
  formatInteger,
  formatMs,
  formatRatio,
  formatTable,
  machineJson,
  runBenchmark,
  verdict,
  VerificationError,
  withBenchProcesses,
  writeJsonReport,
} from "../kit/index.js";
import { checkFinalStateLayout } from "./layout-check.js";
import { measureWindow, RESULT_HEADER, resultRows, setScoped, type Store, type WindowResult } from "./measure.js";
import { seedStore } from "./seed.js";
import {
  AIM_RATIO,
  DAY_MS,
  HISTORY_LONGEST_LIFE_MS,
  HISTORY_NEWEST_DAYS_AGO,
  HISTORY_OLDEST_DAYS_AGO,
  MESSAGE_TIME_TO_LIVE_MS,
  parseOptions,
  rerun,
  usage,
  type Options,
} from "./settings.js";

const preloadPath = fileURLToPath(new URL("./azurite-preload.js", import.meta.url));

async function main(options: Options, began: number): Promise<void> {
  const started: RunningAzurite[] = [];
  const waiters = new Map<number, (line: string) => void>();
  const preloadLines: string[] = [];
  await withBenchProcesses(
    {
      tempPrefix: "metrics-bench-",
      stopAll: () => Promise.all(started.splice(0).map((azurite) => azurite.close())),
      onFailure: () => {
        if (preloadLines.length > 0)
          console.error(`Azurite output (last lines):\n  ${preloadLines.slice(-20).join("\n  ")}`);
      },
    },
    async () => {
      const startOne = async (name: string) => {
        const child: { pid?: number } = {};
        const azurite = await startAzuriteTable({
          port: 0,
          // The large store's rows (~7 per escalation, the escalation a whole JSON document) need more than Node's default heap.
          nodeArgs: ["--max-old-space-size=8192", "--import", preloadPath],
          env: { BENCH_AZURITE_POINT_LOOKUP: options.pointLookup ? "1" : "0" },
          onOutput: (line) => {
            preloadLines.push(`${name}: ${line}`);
            if (child.pid !== undefined) waiters.get(child.pid)?.(line);
          },
        });
        child.pid = azurite.pid;
        started.push(azurite);
        return azurite;
      };
      const [smallAzurite, largeAzurite] = await Promise.all([startOne("small"), startOne("large")]);
      console.log(
        `Azurite (Table) small store pid ${smallAzurite.pid ?? "?"} port ${smallAzurite.port}, large store pid ${largeAzurite.pid ?? "?"} port ${largeAzurite.port}: in memory, each its own process, with ${preloadPath}`,
      );
      console.log(
        `  point lookups: ${options.pointLookup ? "from a map (seeding only)" : "stock (LokiJS scans the partition, --stock-point-lookups)"}; queries: stock until switched to partition-scoped for phase 1`,
      );
      console.log(
        `Fixed clock: reports end at ${options.now.toISOString()}; recent activity in the 24 h before it, older history created ${HISTORY_OLDEST_DAYS_AGO} to ${HISTORY_NEWEST_DAYS_AGO + HISTORY_LONGEST_LIFE_MS / DAY_MS} days before it`,
      );

      const layoutChecked = await checkFinalStateLayout(smallAzurite, options);
      console.log(
        `Layout check passed: ${layoutChecked} escalations (every older-history fate) stored by create in their final state leave exactly the rows the step-by-step path leaves (but for the channel on their submission events, which no report reads)`,
      );

      const small = await seedStore("small", options.small, smallAzurite, options);
      const large = await seedStore("large", options.large, largeAzurite, options);
      const stores: [Store, Store] = [small, large];
      if (small.seeded.counts.escalations !== options.small || large.seeded.counts.escalations !== options.large)
        throw new VerificationError("a store does not hold the escalations asked for");

      const reference = new Map<ReportWindow, MetricsReport>();
      console.log("");
      console.log(
        `Phase 1: partition-scoped queries (as Azure Table Storage serves a one-partition query). ${(await setScoped(stores, waiters, true)).join("; ")}`,
      );
      const scoped: WindowResult[] = [];
      for (const window of options.windows) {
        scoped.push(
          await measureWindow(stores, window, "partition-scoped", options.runs, options.warmup, options.now, reference),
        );
        console.log(
          `  ${window}: small ${formatMs(scoped.at(-1)?.small.medianMs, 1)} ms, large ${formatMs(scoped.at(-1)?.large.medianMs, 1)} ms`,
        );
      }
      const stock: WindowResult[] = [];
      if (options.stockRuns > 0 && options.stockWindows.length > 0) {
        console.log(
          `Phase 2: stock Azurite queries (each a scan of the whole table). ${(await setScoped(stores, waiters, false)).join("; ")}`,
        );
        for (const window of options.stockWindows) {
          stock.push(
            await measureWindow(
              stores,
              window,
              "stock",
              options.stockRuns,
              Math.min(1, options.warmup),
              options.now,
              reference,
            ),
          );
          console.log(
            `  ${window}: small ${formatMs(stock.at(-1)?.small.medianMs, 1)} ms, large ${formatMs(stock.at(-1)?.large.medianMs, 1)} ms`,
          );
        }
      }
      const totalMs = performance.now() - began;
      const met = scoped.every((result) => result.ratio <= AIM_RATIO);
      const equalRequests = [...scoped, ...stock].every(
        (result) => result.requests.small === result.requests.large && result.entities.small === result.entities.large,
      );

      console.log("");
      console.log(
        `Stores: small ${formatInteger(options.small)} escalations, large ${formatInteger(options.large)}; in both the same ${options.recent} submitted in the last 24 h (plus ${Math.round(options.recent * 0.15)} gate refusals and their dead letters), older history over ${formatInteger(options.customers)} customers`,
      );
      console.log(
        formatTable(
          ["Seeding", "escalations", "older history s", "per s", "recent s"],
          stores.map((store) => [
            store.name,
            formatInteger(store.seeded.counts.escalations),
            (store.seeded.historyMs / 1000).toFixed(1),
            ((store.size - options.recent) / (store.seeded.historyMs / 1000)).toFixed(0),
            (store.seeded.recentMs / 1000).toFixed(1),
          ]),
        ),
      );
      console.log("");
      console.log(
        `Report time, partition-scoped queries (${options.runs} timed runs per store after ${options.warmup} warm-up, small and large alternating; ratio of medians):`,
      );
      console.log(formatTable(RESULT_HEADER, resultRows(scoped)));
      if (stock.length > 0) {
        console.log("");
        console.log(
          `Report time, stock Azurite (every query scans the whole table; ${options.stockRuns} timed runs per store):`,
        );
        console.log(formatTable(RESULT_HEADER, resultRows(stock)));
        console.log(
          "(stock Azurite runs every query as a predicate over every entity of the table, so its time grows with the rows stored whatever the app reads; Azure Table Storage serves a PartitionKey query from the partition)",
        );
      }
      console.log("");
      console.log(
        `Verification passed: for every window the small and large stores' reports are equal (and equal across both modes), and not empty. ` +
          `Table requests and entities returned per report ${equalRequests ? "are the same for both stores in every window" : "DIFFER between the stores in some window (see the table)"}.`,
      );
      console.log("");
      console.log("Aim:");
      console.log(
        `  report time large ÷ small <= ${AIM_RATIO}x in every window (partition-scoped queries): ${scoped.map((result) => `${result.window} ${formatRatio(result.ratio)}`).join(", ")}: ${verdict(met)}`,
      );
      if (stock.length > 0)
        console.log(
          `  on stock Azurite (not the aim's measure; the emulator scans the table): ${stock.map((result) => `${result.window} ${formatRatio(result.ratio)}`).join(", ")}`,
        );
      console.log("");
      console.log(describeWallTime(totalMs));
      console.log(`Rerun: ${rerun(options)}`);
      if (options.jsonPath !== undefined) {
        await writeJsonReport(options.jsonPath, {
          date: new Date().toISOString(),
          command: rerun(options),
          environment: machineJson(),
          settings: {
            ...options,
            now: options.now.toISOString(),
            jsonPath: undefined,
            historyCreatedDaysAgo: [
              HISTORY_OLDEST_DAYS_AGO,
              HISTORY_NEWEST_DAYS_AGO + HISTORY_LONGEST_LIFE_MS / DAY_MS,
            ],
            messageTimeToLiveMs: MESSAGE_TIME_TO_LIVE_MS,
            azurite: "two processes, in memory, with bench/metrics-report/azurite-preload.ts",
          },
          layoutCheck: { escalations: layoutChecked, passed: true },
          seeding: Object.fromEntries(
            stores.map((store) => [
              store.name,
              { ...store.seeded.counts, olderHistoryMs: store.seeded.historyMs, recentMs: store.seeded.recentMs },
            ]),
          ),
          partitionScoped: scoped,
          stock,
          aim: { ratioAtMost: AIM_RATIO, met, requestsAndEntitiesEqual: equalRequests },
          totalMs,
        });
      }
    },
  );
}

runBenchmark(parseOptions, main, usage);
