// Stored reports, so history stays queryable: one row per window and report time, newest first
// in the window's partition, the report as JSON in chunked properties.
import { odata, type TableClient } from "@azure/data-tables";
import type { MetricsReport } from "../metrics/report.js";
import type { StoredReport } from "../metrics/scheduled-reports.js";
import type { ReportWindow } from "../metrics/windows.js";
import { joinLongText, splitLongText } from "../storage/long-text.js";
import { invertedTimestamp, joinKey } from "../storage/table-keys.js";
import { tableStatusOf } from "./table-errors.js";

const partitionOf = (window: ReportWindow) => joinKey("report", window);

export class TableReportStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  /** Stores a report; the same window and end time again replaces it. */
  async save(stored: StoredReport): Promise<void> {
    await this.#table.upsertEntity(
      {
        partitionKey: partitionOf(stored.window),
        rowKey: invertedTimestamp(new Date(stored.report.window.to)),
        window: stored.window,
        generatedAt: stored.generatedAt,
        from: stored.report.window.from,
        to: stored.report.window.to,
        ...splitLongText("report", JSON.stringify(stored.report)),
      },
      "Replace",
    );
  }

  /** The report of a window that ended at `to`, if stored. */
  async get(window: ReportWindow, to: Date): Promise<StoredReport | undefined> {
    try {
      const row = await this.#table.getEntity(partitionOf(window), invertedTimestamp(to));
      return storedReport(window, row);
    } catch (error) {
      if (tableStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** The newest `limit` reports of a window, newest first. */
  async recent(window: ReportWindow, limit: number): Promise<StoredReport[]> {
    const reports: StoredReport[] = [];
    const pages = this.#table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${partitionOf(window)}` } }).byPage({ maxPageSize: limit });
    for await (const page of pages) {
      for (const row of page) {
        if (reports.length >= limit) return reports;
        const stored = storedReport(window, row);
        if (stored !== undefined) reports.push(stored);
      }
      if (reports.length >= limit) break;
    }
    return reports;
  }
}

function storedReport(window: ReportWindow, row: Record<string, unknown>): StoredReport | undefined {
  const text = joinLongText("report", row);
  if (text === undefined || typeof row.generatedAt !== "string") return undefined;
  return { window, generatedAt: row.generatedAt, report: JSON.parse(text) as MetricsReport };
}
