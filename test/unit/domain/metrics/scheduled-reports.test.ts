// The metrics timer's run: every window ends at the same moment; one failing window does not
// stop the others and is reported.
import { describe, expect, it } from "vitest";
import type { MetricsSource } from "../../../../shared/domain/metrics/metrics-source.js";
import { DEFAULT_TARGETS } from "../../../../shared/domain/metrics/report.js";
import { runScheduledReports, type StoredReport } from "../../../../shared/domain/metrics/scheduled-reports.js";

const NOW = new Date("2026-11-26T10:00:00.000Z");

function source(failWindowLongerThanMs?: number): MetricsSource {
  return {
    statusEvents: (from) =>
      failWindowLongerThanMs !== undefined && NOW.getTime() - from.getTime() > failWindowLongerThanMs
        ? Promise.reject(new Error("table unreachable"))
        : Promise.resolve([
            {
              escalationId: "esc-1",
              at: "2026-11-26T09:30:00.000Z",
              from: null,
              to: "queued",
              submittedAt: "2026-11-26T09:30:00.000Z",
              tenantId: "t",
              customerName: "C",
              service: "office365",
              severity: "critical",
            },
          ]),
    gateDecisions: () => Promise.resolve([]),
    deadLetters: () => Promise.resolve([]),
    openEscalations: () => Promise.resolve([]),
    waitingForVianet: () => Promise.resolve([]),
  };
}

describe("runScheduledReports", () => {
  it("when every window succeeds, then one report each is saved, all ending now, each counting what its window holds", async () => {
    const saved: StoredReport[] = [];
    const run = await runScheduledReports(NOW, {
      source: source(),
      save: (report) => Promise.resolve(void saved.push(report)),
      targets: DEFAULT_TARGETS,
      topCustomers: 5,
    });
    expect(run).toEqual({ to: NOW.toISOString(), stored: ["1h", "24h", "7d", "30d"], failed: [], undelivered: [] });
    expect(saved.map((report) => [report.window, report.report.window.from, report.report.window.to])).toEqual([
      ["1h", "2026-11-26T09:00:00.000Z", NOW.toISOString()],
      ["24h", "2026-11-25T10:00:00.000Z", NOW.toISOString()],
      ["7d", "2026-11-19T10:00:00.000Z", NOW.toISOString()],
      ["30d", "2026-10-27T10:00:00.000Z", NOW.toISOString()],
    ]);
    expect(saved.every((report) => report.report.volumes.submitted === 1)).toBe(true);
  });

  it("when a window's reads fail, then the others are still stored and the failure is named", async () => {
    const saved: StoredReport[] = [];
    const run = await runScheduledReports(NOW, {
      source: source(24 * 60 * 60_000),
      save: (report) => Promise.resolve(void saved.push(report)),
      targets: DEFAULT_TARGETS,
      topCustomers: 5,
    });
    expect(run.stored).toEqual(["1h", "24h"]);
    expect(run.failed).toEqual([
      { window: "7d", error: "table unreachable" },
      { window: "30d", error: "table unreachable" },
    ]);
    expect(saved.map((report) => report.window)).toEqual(["1h", "24h"]);
  });

  it("when reports are stored, then each is handed to delivery after it is saved; a delivery that cannot be enqueued leaves the report stored and is named", async () => {
    const events: string[] = [];
    const run = await runScheduledReports(NOW, {
      source: source(),
      save: (report) => Promise.resolve(void events.push(`saved ${report.window}`)),
      deliver: (report) => {
        events.push(`deliver ${report.window}`);
        return report.window === "7d" ? Promise.reject(new Error("queue unreachable")) : Promise.resolve();
      },
      targets: DEFAULT_TARGETS,
      topCustomers: 5,
    });
    expect(events).toEqual([
      "saved 1h",
      "deliver 1h",
      "saved 24h",
      "deliver 24h",
      "saved 7d",
      "deliver 7d",
      "saved 30d",
      "deliver 30d",
    ]);
    expect(run.stored).toEqual(["1h", "24h", "7d", "30d"]);
    expect(run.failed).toEqual([]);
    expect(run.undelivered).toEqual([{ window: "7d", error: "queue unreachable" }]);
  });
});
