// The erasure audit in Table Storage: one partition per UTC month, a row per erasure or deletion
// keyed by its time, holding who, when, which escalations and how many rows, never erased data.
// Kept beyond the record retention: it is the proof that data was erased, and holds none itself.
import { randomUUID } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";
import { z } from "zod";
import type { ErasureAudit, ErasureAuditEntry } from "../../domain/escalations/personal-data-ports.js";
import { joinLongText, splitLongText } from "./long-text.js";
import { joinKey, timestampKey } from "./table-keys.js";

const partitionOf = (month: string) => joinKey("erasure-audit", month);

const AuditRow = z.object({
  at: z.iso.datetime(),
  actor: z.string(),
  action: z.enum(["erase-on-request", "erase-after-retention", "delete-after-retention"]),
  tenantId: z.string().optional(),
  rows: z.number().int().min(0),
});

const StringList = z.array(z.string());
const Counts = z.record(z.string(), z.number().int().min(0));

/** The UTC months `[from, to)` touches, as `YYYY-MM`, oldest first. */
function monthsBetween(from: Date, to: Date): string[] {
  const months: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), 1));
  while (cursor < to) {
    months.push(cursor.toISOString().slice(0, 7));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}

export class TableErasureAudit implements ErasureAudit {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async record(entry: ErasureAuditEntry): Promise<void> {
    const at = new Date(entry.at);
    await this.#table.createEntity({
      partitionKey: partitionOf(entry.at.slice(0, 7)),
      rowKey: joinKey(timestampKey(at), randomUUID()),
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      ...(entry.tenantId === undefined ? {} : { tenantId: entry.tenantId }),
      rows: entry.rows,
      ...splitLongText("escalationIds", JSON.stringify(entry.escalationIds)),
      ...(entry.counts === undefined ? {} : { counts: JSON.stringify(entry.counts) }),
    });
  }

  async list(from: Date, to: Date): Promise<ErasureAuditEntry[]> {
    const entries: ErasureAuditEntry[] = [];
    for (const month of monthsBetween(from, to)) {
      const filter = odata`PartitionKey eq ${partitionOf(month)} and RowKey ge ${joinKey(timestampKey(from))} and RowKey lt ${joinKey(timestampKey(to))}`;
      for await (const row of this.#table.listEntities({ queryOptions: { filter } })) {
        const parsed = AuditRow.parse(row);
        const ids = StringList.parse(JSON.parse(joinLongText("escalationIds", row) ?? "[]"));
        const counts = typeof row.counts === "string" ? Counts.parse(JSON.parse(row.counts)) : undefined;
        entries.push({ ...parsed, escalationIds: ids, ...(counts === undefined ? {} : { counts }) });
      }
    }
    return entries;
  }
}
