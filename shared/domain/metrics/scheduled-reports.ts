// What the metrics timer does: a report per window, all ending at the same minute, each stored,
// then handed to delivery (which only enqueues: webhooks are called by their own function).
// A window that fails is reported and does not stop the others; a stored report whose delivery
// could not be enqueued stays stored and is reported as undelivered.
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
  /** Enqueues the report's webhook deliveries, if any are configured. */
  deliver?(report: StoredReport): Promise<void>;
  targets: ReportTargets;
  topCustomers: number;
  windows?: readonly ReportWindow[];
}

export interface ScheduledRun {
  to: string;
  stored: ReportWindow[];
  failed: { window: ReportWindow; error: string }[];
  undelivered: { window: ReportWindow; error: string }[];
}

/** Reports ending at `now`, every window the same end, so they describe one moment. */
export async function runScheduledReports(now: Date, deps: ScheduledReportDependencies): Promise<ScheduledRun> {
  const to = now;
  const run: ScheduledRun = { to: to.toISOString(), stored: [], failed: [], undelivered: [] };
  for (const window of deps.windows ?? REPORT_WINDOW_NAMES) {
    try {
      const report = await computeReport(deps.source, {
        ...windowEndingAt(window, to),
        targets: deps.targets,
        topCustomers: deps.topCustomers,
      });
      const stored = { window, generatedAt: now.toISOString(), report };
      await deps.save(stored);
      run.stored.push(window);
      await deps.deliver?.(stored).catch((error: unknown) => run.undelivered.push({ window, error: messageOf(error) }));
    } catch (error) {
      run.failed.push({ window, error: messageOf(error) });
    }
  }
  return run;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
