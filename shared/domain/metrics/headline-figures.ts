// A report's headline figures: what a series over many reports needs, small enough to store
// beside each report as plain columns.
import type { MetricsReport } from "./report.js";

/** The headline figures of one report, stored beside it as plain columns. */
export interface HeadlineFigures {
  submitted: number;
  forwarded: number;
  gateRejected: number;
  vianetRejected: number;
  failed: number;
  deadLettered: number;
  breached: number;
}

export const HEADLINE_FIGURES = [
  "submitted",
  "forwarded",
  "gateRejected",
  "vianetRejected",
  "failed",
  "deadLettered",
  "breached",
] as const satisfies readonly (keyof HeadlineFigures)[];

/** One stored hourly report's window and figures. */
export interface HourlyFigures extends HeadlineFigures {
  from: string;
  to: string;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);

export function headlineFigures(report: MetricsReport): HeadlineFigures {
  return {
    submitted: report.volumes.submitted,
    forwarded: report.timeToForward.all.count,
    gateRejected: report.volumes.gateRejected,
    vianetRejected: sum(report.quality.vianetRejections),
    failed: report.volumes.byStatus.failed,
    deadLettered: sum(report.quality.deadLetters),
    breached: report.targets.forward.breaches.length,
  };
}
