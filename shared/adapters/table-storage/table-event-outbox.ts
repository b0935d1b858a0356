// The event outbox in Table Storage: one row per change that adds events, written before the
// change itself (see shared/domain/events/publish-events.ts for why), in one partition so the
// sweep reads it with one query; row keys start with the escalation id, so one escalation's rows
// are one key range.
import { odata, type TableClient } from "@azure/data-tables";
import { z } from "zod";
import type { EventOutbox, OutboxEntry } from "../../domain/events/publish-events.js";
import { deleteIfPresent } from "./table-errors.js";
import { afterKeysOf, joinKey } from "./table-keys.js";

export const OUTBOX_PARTITION = joinKey("event-outbox");

/** Every outbox row of one escalation. */
export function outboxRowsOf(escalationId: string): string {
  return odata`PartitionKey eq ${OUTBOX_PARTITION} and RowKey gt ${`${joinKey(escalationId)}!`} and RowKey lt ${afterKeysOf(escalationId)}`;
}

/** Positions as fixed-width digits, so an escalation's rows sort oldest change first. */
const rowKeyOf = (entry: Pick<OutboxEntry, "escalationId" | "after">) =>
  joinKey(entry.escalationId, String(entry.after).padStart(10, "0"));

const OutboxRow = z.object({
  escalationId: z.string().min(1),
  after: z.number().int().min(0),
  upTo: z.number().int().min(1),
  markedAt: z.iso.datetime(),
});

function fromRow(row: Readonly<Record<string, unknown>>): OutboxEntry {
  const parsed = OutboxRow.safeParse(row);
  if (!parsed.success) throw new Error(`event outbox row ${String(row.rowKey)} is not valid: ${parsed.error.message}`);
  return parsed.data;
}

export class TableEventOutbox implements EventOutbox {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async mark(entry: OutboxEntry): Promise<void> {
    await this.#table.upsertEntity({ partitionKey: OUTBOX_PARTITION, rowKey: rowKeyOf(entry), ...entry }, "Replace");
  }

  async forEscalation(escalationId: string): Promise<OutboxEntry[]> {
    const filter = outboxRowsOf(escalationId);
    const entries: OutboxEntry[] = [];
    for await (const row of this.#table.listEntities({ queryOptions: { filter } })) entries.push(fromRow(row));
    return entries;
  }

  async olderThan(olderThan: Date, limit: number): Promise<OutboxEntry[]> {
    const filter = odata`PartitionKey eq ${OUTBOX_PARTITION} and markedAt lt ${olderThan.toISOString()}`;
    const entries: OutboxEntry[] = [];
    for await (const row of this.#table.listEntities({ queryOptions: { filter } })) {
      entries.push(fromRow(row));
      if (entries.length >= limit) break;
    }
    return entries;
  }

  async remove(entry: OutboxEntry): Promise<void> {
    await deleteIfPresent(this.#table, OUTBOX_PARTITION, rowKeyOf(entry));
  }
}
