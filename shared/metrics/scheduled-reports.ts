// What the metrics timer does: a report per window, all ending at the same minute, each stored.
// A window that fails is reported and does not stop the others.
import { computeReport } from "./compute-report.js";
import type { MetricsSource } from "./metrics-source.js";
import type { MetricsReport, ReportTargets } from "./report.js";
import { REPORT_WINDOW_NAMES, windowEndingAt, type ReportWindow } from "./windows.js";

export interface StoredReport {
  window: ReportWindow;
  generatedAt: string;
  report: MetricsReport;
}

export interface ScheduledReportDependencies {
  source: MetricsSource;
  save(report: StoredReport): Promise<void>;
  targets: ReportTargets;
  topCustomers: number;
  windows?: readonly ReportWindow[];
}

export interface ScheduledRun {
  to: string;
  stored: ReportWindow[];
  failed: { window: ReportWindow; error: string }[];
}

/** Reports ending at `now`, every window the same end, so they describe one moment. */
export async function runScheduledReports(now: Date, deps: ScheduledReportDependencies): Promise<ScheduledRun> {
  const to = now;
  const run: ScheduledRun = { to: to.toISOString(), stored: [], failed: [] };
  for (const window of deps.windows ?? REPORT_WINDOW_NAMES) {
    try {
      const report = await computeReport(deps.source, { ...windowEndingAt(window, to), targets: deps.targets, topCustomers: deps.topCustomers });
      await deps.save({ window, generatedAt: now.toISOString(), report });
      run.stored.push(window);
    } catch (error) {
      run.failed.push({ window, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return run;
}
