// Stored reports against Azurite with the real SDK: each report keeps its headline figures as
// plain columns, and the hourly figures come back for a range of report ends, newest first.
import { describe, expect, it } from "vitest";
import { freshTable } from "./fresh-table.js";
import { TableReportStore } from "../../../../shared/adapters/table-storage/table-report-store.js";
import { bucketFigures, bucketPlan, seriesRange } from "../../../../shared/http/dashboard/volume-series.js";
import { buildReport, DEFAULT_TARGETS, type MetricsReport } from "../../../../shared/domain/metrics/report.js";
import { windowEndingAt, type ReportWindow } from "../../../../shared/domain/metrics/windows.js";
import { invertedTimestamp } from "../../../../shared/adapters/table-storage/table-keys.js";

const HOUR = 60 * 60_000;

/** A report over [to - window, to) with `submitted` escalations and one gate refusal. */
function reportEnding(window: ReportWindow, to: Date, submitted: number): MetricsReport {
  const { from } = windowEndingAt(window, to);
  const at = new Date(from.getTime() + 1000).toISOString();
  return buildReport({
    from,
    to,
    escalations: Array.from({ length: submitted }, (_, index) => ({
      id: `esc-${String(index)}`,
      tenantId: "t-a",
      customerName: "Contoso",
      service: "office365",
      severity: "critical" as const,
      status: "forwarded" as const,
      channel: "partner-center" as const,
      submittedAt: at,
      forwardedAt: at,
    })),
    gateDecisions: [{ at, met: false, unmet: ["service-health-checked"] }],
    deadLetters: [],
    targets: DEFAULT_TARGETS,
    topCustomers: 3,
  });
}

describe("TableReportStore against Azurite", () => {
  const table = freshTable("reports");
  const store = new TableReportStore(table);
  const now = new Date("2026-11-26T12:00:00.250Z");

  it("when hourly reports are saved, then their figures come back for the range, newest first, without the report text", async () => {
    // Hourly runs at 08:00 ... 12:00, 3 submissions in the 10:00 report, and a 24h report that must not show up.
    for (let hour = 4; hour >= 0; hour--) {
      const to = new Date(now.getTime() - hour * HOUR);
      await store.save({
        window: "1h",
        generatedAt: to.toISOString(),
        report: reportEnding("1h", to, hour === 2 ? 3 : 1),
      });
    }
    await store.save({ window: "24h", generatedAt: now.toISOString(), report: reportEnding("24h", now, 9) });

    const rows = await store.hourlyFigures(new Date(now.getTime() - 3 * HOUR), now);
    expect(rows.map((row) => row.to)).toEqual(
      [now, new Date(now.getTime() - HOUR), new Date(now.getTime() - 2 * HOUR)].map((date) => date.toISOString()),
    );
    expect(rows[2]).toEqual({
      from: new Date(now.getTime() - 3 * HOUR).toISOString(),
      to: new Date(now.getTime() - 2 * HOUR).toISOString(),
      submitted: 3,
      forwarded: 3,
      gateRejected: 1,
      vianetRejected: 0,
      failed: 0,
      deadLettered: 0,
      breached: 0,
    });
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual([
      "breached",
      "deadLettered",
      "failed",
      "forwarded",
      "from",
      "gateRejected",
      "submitted",
      "to",
      "vianetRejected",
    ]);
  });

  it("when the timer ran more often than hourly, then overlapping hourly reports are not counted twice in the chart's buckets", async () => {
    // An extra run 20 minutes before noon overlaps both the 11:00 and the 12:00 report.
    const extra = new Date(now.getTime() - 20 * 60_000);
    await store.save({ window: "1h", generatedAt: extra.toISOString(), report: reportEnding("1h", extra, 5) });
    const plan = bucketPlan("24h", now);
    const range = seriesRange(plan, now);
    const rows = await store.hourlyFigures(range.after, range.upTo);
    expect(rows).toHaveLength(6);
    const { totals, hoursCovered } = bucketFigures(plan, rows);
    // 1 + 1 + 3 + 1 + 1 from the five hourly runs; the extra run is skipped.
    expect(totals.submitted.reduce<number>((sum, value) => sum + (value ?? 0), 0)).toBe(7);
    expect(hoursCovered.reduce((sum, hours) => sum + hours, 0)).toBe(5);
    expect(totals.submitted.slice(-5)).toEqual([1, 1, 3, 1, 1]);
    expect(totals.submitted[0]).toBeNull();
  });

  it("when a report was stored before the figures were kept, then it is skipped rather than failing the series", async () => {
    const to = new Date(now.getTime() - 10 * HOUR);
    const from = new Date(to.getTime() - HOUR);
    await table.upsertEntity({
      partitionKey: "report!1h",
      rowKey: invertedTimestamp(to),
      window: "1h",
      generatedAt: to.toISOString(),
      from: from.toISOString(),
      to: to.toISOString(),
      report: "{}",
    });
    const rows = await store.hourlyFigures(new Date(now.getTime() - 11 * HOUR), new Date(now.getTime() - 9 * HOUR));
    expect(rows).toEqual([]);
  });
});
