// Stored reports, so history stays queryable: one row per window and report time, newest first
// in the window's partition, the report as JSON in chunked properties, and its headline figures
// as plain columns so a series over many reports reads only small rows.
import { odata, type TableClient } from "@azure/data-tables";
import type { MetricsReport } from "../../domain/metrics/report.js";
import type { StoredReport } from "../../domain/metrics/scheduled-reports.js";
import type { ReportWindow } from "../../domain/metrics/windows.js";
import { HEADLINE_FIGURES, headlineFigures, type HourlyFigures } from "../../domain/metrics/headline-figures.js";
import { joinLongText, splitLongText } from "./long-text.js";
import { invertedTimestamp, joinKey } from "./table-keys.js";
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
        ...headlineFigures(stored.report),
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
    const pages = this.#table
      .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${partitionOf(window)}` } })
      .byPage({ maxPageSize: limit });
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

  /**
   * The headline figures of the hourly (1h) reports ending in (after, upTo], newest first; reads
   * only those columns. Reports stored before the figures were kept have none and are skipped.
   */
  async hourlyFigures(after: Date, upTo: Date): Promise<HourlyFigures[]> {
    const rows = this.#table.listEntities({
      queryOptions: {
        filter: odata`PartitionKey eq ${partitionOf("1h")} and RowKey ge ${invertedTimestamp(upTo)} and RowKey lt ${invertedTimestamp(after)}`,
        select: ["from", "to", ...HEADLINE_FIGURES],
      },
    });
    const figures: HourlyFigures[] = [];
    for await (const row of rows) {
      if (typeof row.from !== "string" || typeof row.to !== "string") continue;
      const values = HEADLINE_FIGURES.map((name) => row[name]);
      if (!values.every((value): value is number => typeof value === "number")) continue;
      figures.push({
        from: row.from,
        to: row.to,
        ...(Object.fromEntries(HEADLINE_FIGURES.map((name, index) => [name, values[index]])) as Record<
          (typeof HEADLINE_FIGURES)[number],
          number
        >),
      });
    }
    return figures;
  }
}

function storedReport(window: ReportWindow, row: Record<string, unknown>): StoredReport | undefined {
  const text = joinLongText("report", row);
  if (text === undefined || typeof row.generatedAt !== "string") return undefined;
  return { window, generatedAt: row.generatedAt, report: JSON.parse(text) as MetricsReport };
}
