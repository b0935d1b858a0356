// The status sync's line in Table Storage: one partition holding a row per open Partner Center
// escalation, keyed by the time it was last synced (its creation before any), so the longest
// unsynced come first in one ordered query of just the rows a run needs. The escalation store
// keeps the rows beside each escalation's own (see alignSyncRow); the sync only reads and drops.
import { odata, type TableClient } from "@azure/data-tables";
import { z } from "zod";
import type { Escalation } from "../../domain/escalations/escalation.js";
import { isSyncable, syncOrder, type SyncEntry, type SyncSchedule } from "../../domain/forwarding/status-sync.js";
import { deleteIfPresent, tableStatusOf } from "./table-errors.js";
import { joinKey, timestampKey, toTableKey } from "./table-keys.js";

export const SYNC_PARTITION = joinKey("vianet-sync");

const SyncRow = z.object({ rowKey: z.string(), escalationId: z.string().min(1), orderedBy: z.iso.datetime() });

export function syncRowKey(orderedBy: string, escalationId: string): string {
  const key = toTableKey(timestampKey(new Date(orderedBy)), escalationId);
  if (!key.ok) throw new RangeError(`sync row key of ${String(key.length)} characters for escalation ${escalationId}`);
  return key.key;
}

/** The row an escalation has in the line, or undefined when it is not open on the Partner Center channel. */
function syncRow(escalation: Escalation) {
  if (!isSyncable(escalation)) return undefined;
  const orderedBy = syncOrder(escalation);
  return {
    partitionKey: SYNC_PARTITION,
    rowKey: syncRowKey(orderedBy, escalation.id),
    escalationId: escalation.id,
    orderedBy,
  };
}

/**
 * Moves an escalation's row from where `before` had it to where `after` needs it: written when it
 * enters or moves, deleted when it leaves (closed). With no `before` (a restore), written again.
 * Answers whether it wrote anything.
 */
export async function alignSyncRow(
  table: TableClient,
  before: Escalation | undefined,
  after: Escalation,
): Promise<boolean> {
  const old = before === undefined ? undefined : syncRow(before);
  const next = syncRow(after);
  if (before !== undefined && old?.rowKey === next?.rowKey) return false;
  if (next !== undefined && old !== undefined && old.rowKey !== next.rowKey) {
    // One partition, so one transaction moves the row: never two rows, never none.
    try {
      await table.submitTransaction([
        ["upsert", next, "Replace"],
        ["delete", { partitionKey: SYNC_PARTITION, rowKey: old.rowKey }],
      ]);
      return true;
    } catch (error) {
      // The old row is gone already (the sync dropped it, or a later write moved it on first): the
      // transaction wrote nothing, so the new row is written alone; a stale one the sync drops.
      if (tableStatusOf(error) !== 404) throw error;
    }
  }
  if (next !== undefined) await table.upsertEntity(next, "Replace");
  else if (old !== undefined) await deleteIfPresent(table, SYNC_PARTITION, old.rowKey);
  return true;
}

export class TableSyncSchedule implements SyncSchedule {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async oldestSynced(limit: number): Promise<SyncEntry[]> {
    const entries: SyncEntry[] = [];
    if (limit <= 0) return entries;
    const pages = this.#table
      .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${SYNC_PARTITION}` } })
      .byPage({ maxPageSize: Math.min(limit, 1_000) });
    for await (const page of pages) {
      for (const row of page) {
        const parsed = SyncRow.safeParse(row);
        // A row this adapter did not write is skipped, never fatal to the whole run.
        if (!parsed.success) continue;
        entries.push({ escalationId: parsed.data.escalationId, orderedBy: parsed.data.orderedBy });
        if (entries.length >= limit) return entries;
      }
    }
    return entries;
  }

  async drop(entry: SyncEntry): Promise<void> {
    await deleteIfPresent(this.#table, SYNC_PARTITION, syncRowKey(entry.orderedBy, entry.escalationId));
  }
}
