// Dead letters in the escalations table: one partition per UTC day (of the message's enqueue
// time, so every redelivery of one message lands on the same row), one row per source, message
// id and sequence number, written with upsert so recording twice is recording once.
import { createHash } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";
import { z } from "zod";
import type { DeadLetterEntry, DeadLetterLog } from "../../domain/forwarding/ports.js";
import { joinKey, toTableKey } from "./table-keys.js";

const partitionOf = (day: string) => joinKey("deadletter", day);

function rowKeyOf(entry: Pick<DeadLetterEntry, "source" | "messageId" | "sequenceNumber">): string {
  const sequence = String(entry.sequenceNumber ?? "");
  const readable = toTableKey(entry.source, entry.messageId, sequence);
  if (readable.ok) return readable.key;
  // A message id too long to encode readably still needs one stable key.
  const digest = createHash("sha256").update(`${entry.messageId}\n${sequence}`).digest("hex");
  const hashed = toTableKey(entry.source, `sha256-${digest}`);
  if (!hashed.ok) throw new RangeError("dead-letter key too long");
  return hashed.key;
}

const StoredEntry = z.object({
  source: z.enum(["forwarder", "dead-letter-queue", "delivery-dead-letter-queue"]),
  queue: z.string().optional(),
  at: z.string(),
  messageId: z.string(),
  sequenceNumber: z.number().int().optional(),
  enqueuedAt: z.string().optional(),
  deliveryCount: z.number().int().optional(),
  reason: z.string(),
  description: z.string(),
  escalationId: z.string().optional(),
  body: z.string(),
  outcome: z.enum(["escalation-failed", "escalation-unchanged", "no-escalation"]),
});

export class TableDeadLetterLog implements DeadLetterLog {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async record(entry: DeadLetterEntry): Promise<void> {
    const day = (entry.enqueuedAt ?? entry.at).slice(0, 10);
    await this.#table.upsertEntity({ partitionKey: partitionOf(day), rowKey: rowKeyOf(entry), ...entry }, "Replace");
  }

  /** One UTC day's dead letters (`YYYY-MM-DD`, by enqueue time). */
  async listDay(day: string): Promise<DeadLetterEntry[]> {
    const entries: DeadLetterEntry[] = [];
    for await (const row of this.#table.listEntities({
      queryOptions: { filter: odata`PartitionKey eq ${partitionOf(day)}` },
    })) {
      entries.push(StoredEntry.parse(row));
    }
    return entries;
  }
}
