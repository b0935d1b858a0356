// Measuring the metrics report on both stores: counted Table requests, untimed warm-ups, then
// timed reports small and large alternating; every window's reports must be equal and not empty.
import type { TableClient } from "@azure/data-tables";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { isDeepStrictEqual } from "node:util";
import type { RunningAzurite } from "../../local/azurite.js";
import { TableDeadLetterLog } from "../../shared/adapters/table-storage/table-dead-letter-log.js";
import { TableEscalationStore } from "../../shared/adapters/table-storage/table-escalation-store.js";
import { TableMetricsSource } from "../../shared/adapters/table-storage/table-metrics-source.js";
import { computeReport } from "../../shared/domain/metrics/compute-report.js";
import { DEFAULT_TARGETS, type MetricsReport } from "../../shared/domain/metrics/report.js";
import { windowEndingAt, type ReportWindow } from "../../shared/domain/metrics/windows.js";
import { formatMs, formatRatio, VerificationError } from "../kit/index.js";
import type { Seeded } from "./seed.js";
import { MESSAGE_TIME_TO_LIVE_MS, TOP_CUSTOMERS } from "./settings.js";

export interface Store {
  name: "small" | "large";
  size: number;
  azurite: RunningAzurite;
  table: TableClient;
  counted: TableClient;
  counter: { requests: number; entities: number };
  seeded: Seeded;
}

export function countingPolicy(counter: { requests: number; entities: number }): PipelinePolicy {
  return {
    name: "bench-count-requests",
    async sendRequest(request, next) {
      counter.requests++;
      const response = await next(request);
      if (response.bodyAsText !== undefined && response.bodyAsText !== null && response.bodyAsText.startsWith("{")) {
        const body = JSON.parse(response.bodyAsText) as { value?: unknown };
        if (Array.isArray(body.value)) counter.entities += body.value.length;
      }
      return response;
    },
  };
}

function sourceOf(table: TableClient): TableMetricsSource {
  return new TableMetricsSource({
    table,
    store: new TableEscalationStore(table),
    deadLetters: new TableDeadLetterLog(table),
    messageTimeToLiveMs: MESSAGE_TIME_TO_LIVE_MS,
  });
}

function report(table: TableClient, window: ReportWindow, now: Date): Promise<MetricsReport> {
  return computeReport(sourceOf(table), {
    ...windowEndingAt(window, now),
    targets: DEFAULT_TARGETS,
    topCustomers: TOP_CUSTOMERS,
  });
}

interface Stats {
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
}

/** Nearest-rank percentiles: always a time that was measured. */
function statsOf(times: readonly number[]): Stats {
  const sorted = [...times].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return {
    runs: sorted.length,
    medianMs: rank(0.5),
    p95Ms: rank(0.95),
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted.at(-1) ?? Number.NaN,
    meanMs: sorted.reduce((sum, time) => sum + time, 0) / Math.max(1, sorted.length),
  };
}

export interface WindowResult {
  window: ReportWindow;
  mode: "partition-scoped" | "stock";
  small: Stats;
  large: Stats;
  ratio: number;
  requests: { small: number; large: number };
  entities: { small: number; large: number };
  reportSummary: { submitted: number; forwarded: number; gateDecisions: number; deadLetters: number; backlog: number };
}

function summaryOf(result: MetricsReport): WindowResult["reportSummary"] {
  return {
    submitted: result.volumes.submitted,
    forwarded: result.timeToForward.all.count,
    gateDecisions: result.quality.gate.decisions,
    deadLetters: Object.values(result.quality.deadLetters).reduce((sum, count) => sum + count, 0),
    backlog: result.backlog.open,
  };
}

async function counted(
  store: Store,
  window: ReportWindow,
  now: Date,
): Promise<{ report: MetricsReport; requests: number; entities: number }> {
  store.counter.requests = 0;
  store.counter.entities = 0;
  const result = await report(store.counted, window, now);
  return { report: result, requests: store.counter.requests, entities: store.counter.entities };
}

export async function measureWindow(
  stores: [Store, Store],
  window: ReportWindow,
  mode: WindowResult["mode"],
  runs: number,
  warmup: number,
  now: Date,
  reference: Map<ReportWindow, MetricsReport>,
): Promise<WindowResult> {
  const [small, large] = stores;
  const smallCount = await counted(small, window, now);
  const largeCount = await counted(large, window, now);
  if (!isDeepStrictEqual(smallCount.report, largeCount.report)) {
    throw new VerificationError(
      `${mode} ${window}: the small and large stores' reports differ although their windows hold the same activity:\n  small ${JSON.stringify(summaryOf(smallCount.report))}\n  large ${JSON.stringify(summaryOf(largeCount.report))}`,
    );
  }
  const summary = summaryOf(smallCount.report);
  if (summary.submitted === 0 && summary.forwarded === 0 && summary.gateDecisions === 0)
    throw new VerificationError(`${mode} ${window}: the report saw nothing in its window`);
  const earlier = reference.get(window);
  if (earlier === undefined) reference.set(window, smallCount.report);
  else if (!isDeepStrictEqual(earlier, smallCount.report))
    throw new VerificationError(`${window}: the ${mode} report differs from the one computed in the other mode`);
  for (let run = 0; run < warmup; run++) {
    await report(small.table, window, now);
    await report(large.table, window, now);
  }
  const times: Record<"small" | "large", number[]> = { small: [], large: [] };
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? [small, large] : [large, small];
    for (const store of order) {
      const began = performance.now();
      await report(store.table, window, now);
      times[store.name].push(performance.now() - began);
    }
  }
  const smallStats = statsOf(times.small);
  const largeStats = statsOf(times.large);
  return {
    window,
    mode,
    small: smallStats,
    large: largeStats,
    ratio: largeStats.medianMs / smallStats.medianMs,
    requests: { small: smallCount.requests, large: largeCount.requests },
    entities: { small: smallCount.entities, large: largeCount.entities },
    reportSummary: summary,
  };
}

/** Switches the preload's partition-scoped queries in both Azurites and waits for both to say so. */
export async function setScoped(
  stores: readonly Store[],
  waiters: Map<number, (line: string) => void>,
  on: boolean,
): Promise<string[]> {
  return Promise.all(
    stores.map(async (store) => {
      const pid = store.azurite.pid;
      if (pid === undefined) throw new Error("Azurite has no pid");
      const answered = new Promise<string>((resolveLine, reject) => {
        const timer = setTimeout(() => reject(new Error(`Azurite ${pid} did not answer SIGUSR2`)), 10_000);
        waiters.set(pid, (line) => {
          if (!line.includes(`partition-scoped queries ${on ? "on" : "off"}`)) return;
          clearTimeout(timer);
          waiters.delete(pid);
          resolveLine(line);
        });
      });
      process.kill(pid, "SIGUSR2");
      return `${store.name}: ${await answered}`;
    }),
  );
}

export function resultRows(results: readonly WindowResult[]): string[][] {
  return results.map((result) => [
    result.window,
    formatMs(result.small.medianMs, 1),
    formatMs(result.small.p95Ms, 1),
    formatMs(result.large.medianMs, 1),
    formatMs(result.large.p95Ms, 1),
    formatRatio(result.ratio),
    `${result.requests.small} / ${result.requests.large}`,
    `${result.entities.small} / ${result.entities.large}`,
    `${result.reportSummary.submitted} / ${result.reportSummary.forwarded} / ${result.reportSummary.gateDecisions} / ${result.reportSummary.deadLetters} / ${result.reportSummary.backlog}`,
  ]);
}

export const RESULT_HEADER = [
  "Window",
  "small med ms",
  "small p95",
  "large med ms",
  "large p95",
  "large÷small",
  "requests s / l",
  "entities s / l",
  "submitted / fwd / gate / DL / open",
];
