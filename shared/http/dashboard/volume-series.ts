// Volumes over time from the hourly (1h) reports the metrics timer stores: a few headline figures
// per report, picked so no hour is counted twice, summed into hourly or UTC-day buckets.
import type { VolumeSeriesKey } from "./browser/dashboard-data.js";
import type { HourlyFigures } from "../../domain/metrics/headline-figures.js";
import type { ReportWindow } from "../../domain/metrics/windows.js";

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

/**
 * Reports whose windows do not overlap, newest first: when the timer runs more often than hourly,
 * consecutive 1h reports share minutes, so only reports at least an hour apart are kept.
 */
export function nonOverlapping(rows: readonly HourlyFigures[]): HourlyFigures[] {
  const newestFirst = [...rows].sort((a, b) => Date.parse(b.to) - Date.parse(a.to));
  const kept: HourlyFigures[] = [];
  let earliestFrom = Number.POSITIVE_INFINITY;
  for (const row of newestFirst) {
    if (Date.parse(row.to) > earliestFrom) continue;
    kept.push(row);
    earliestFrom = Date.parse(row.from);
  }
  return kept;
}

export interface BucketPlan {
  bucket: "hour" | "day";
  /** Bucket starts, oldest first. */
  starts: Date[];
  /**
   * Where each bucket is drawn on the time axis. An hour is drawn at the hour its window ends: the
   * report the timer stores at 10:00 covers 09:00-10:00 and shows at 10:00, the time it was made and
   * the `to` of its window, so the latest bar is the latest report. A UTC day is drawn as that day.
   */
  drawnAt: Date[];
  size: number;
}

/**
 * The buckets a window's chart shows, ending with the one holding the latest hourly report before
 * `to`: 24 hours for the 1h and 24h windows, 7 or 30 UTC days for 7d and 30d.
 */
export function bucketPlan(window: ReportWindow, to: Date): BucketPlan {
  const lastHourStarts = to.getTime() - HOUR;
  const [bucket, size, count] =
    window === "7d"
      ? (["day", DAY, 7] as const)
      : window === "30d"
        ? (["day", DAY, 30] as const)
        : (["hour", HOUR, 24] as const);
  const last = Math.floor(lastHourStarts / size) * size;
  const starts = Array.from({ length: count }, (_, index) => new Date(last - (count - 1 - index) * size));
  return {
    bucket,
    size,
    starts,
    drawnAt: bucket === "hour" ? starts.map((start) => new Date(start.getTime() + HOUR)) : starts,
  };
}

/** The range of report ends to read for a plan: (first bucket start, to]. */
export function seriesRange(plan: BucketPlan, to: Date): { after: Date; upTo: Date } {
  return { after: plan.starts[0] ?? to, upTo: to };
}

export interface BucketedFigures {
  plan: BucketPlan;
  hoursCovered: number[];
  /** Per figure, one total per bucket; null for a bucket no report covers. */
  totals: Record<VolumeSeriesKey, (number | null)[]>;
}

/** Sums each non-overlapping hourly report into the bucket holding its start (so drawn where its hour ends). */
export function bucketFigures(plan: BucketPlan, rows: readonly HourlyFigures[]): BucketedFigures {
  const first = plan.starts[0]?.getTime() ?? 0;
  const hoursCovered = plan.starts.map(() => 0);
  const keys = [
    "submitted",
    "forwarded",
    "gateRejected",
    "vianetRejected",
    "failed",
  ] as const satisfies readonly VolumeSeriesKey[];
  const totals = Object.fromEntries(keys.map((key) => [key, plan.starts.map(() => 0)])) as Record<
    VolumeSeriesKey,
    number[]
  >;
  for (const row of nonOverlapping(rows)) {
    const index = Math.floor((Date.parse(row.from) - first) / plan.size);
    if (index < 0 || index >= plan.starts.length) continue;
    hoursCovered[index] = (hoursCovered[index] ?? 0) + 1;
    for (const key of keys) totals[key][index] = (totals[key][index] ?? 0) + row[key];
  }
  const withGaps = Object.fromEntries(
    keys.map((key) => [key, totals[key].map((total, index) => ((hoursCovered[index] ?? 0) === 0 ? null : total))]),
  ) as Record<VolumeSeriesKey, (number | null)[]>;
  return { plan, hoursCovered, totals: withGaps };
}
