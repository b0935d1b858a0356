// The copies of escalations' personal data kept in Table Storage outside the escalations: the
// idempotency records (partitions `idempotency!<caller>`) and the dead letters (partitions
// `deadletter!<day>`). Both are found by scanning their partitions' key range, reading only the
// columns that name an escalation: idempotency records live 7 days, and dead letters are few.
import { odata, type TableClient } from "@azure/data-tables";
import { z } from "zod";
import { isReferenceOnly, type PersonalDataCopies } from "../../domain/escalations/customer-personal-data.js";
import { deleteIfPresent, tableStatusOf } from "./table-errors.js";
import { afterKeysOf, joinKey } from "./table-keys.js";

/** Every partition whose key starts with `<prefix>!`. */
function partitionsOf(prefix: string): string {
  return odata`PartitionKey ge ${joinKey(prefix, "")} and PartitionKey lt ${afterKeysOf(prefix)}`;
}

const IdempotencyRow = z.object({
  partitionKey: z.string(),
  rowKey: z.string(),
  reservation: z.string().optional(),
  response: z.string().optional(),
});

const DeadLetterRow = z.object({
  partitionKey: z.string(),
  rowKey: z.string(),
  escalationId: z.string().optional(),
  body: z.string().optional(),
});

/** The escalation ids a kept answer names: its Location or Content-Location, or an `id` in its body. */
function escalationsNamedBy(response: string | undefined): string[] {
  if (response === undefined) return [];
  const named: string[] = [];
  for (const match of response.matchAll(/\/api\/escalations\/([A-Za-z0-9_-]{1,128})/g)) {
    if (match[1] !== undefined) named.push(match[1]);
  }
  for (const match of response.matchAll(/\\"id\\":\\"([A-Za-z0-9_-]{1,128})\\"/g)) {
    if (match[1] !== undefined) named.push(match[1]);
  }
  return named;
}

export class TablePersonalDataCopies implements PersonalDataCopies {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async deleteIdempotencyRecords(escalationIds: ReadonlySet<string>): Promise<number> {
    const doomed: { partitionKey: string; rowKey: string }[] = [];
    for await (const entity of this.#table.listEntities({
      queryOptions: {
        filter: partitionsOf("idempotency"),
        select: ["PartitionKey", "RowKey", "reservation", "response"],
      },
    })) {
      const row = IdempotencyRow.parse(entity);
      const named = [...(row.reservation === undefined ? [] : [row.reservation]), ...escalationsNamedBy(row.response)];
      if (named.some((id) => escalationIds.has(id))) doomed.push(row);
    }
    for (const row of doomed) await deleteIfPresent(this.#table, row.partitionKey, row.rowKey);
    return doomed.length;
  }

  async eraseDeadLetters(escalationIds: ReadonlySet<string>, since: Date): Promise<number> {
    const firstDay = joinKey("deadletter", since.toISOString().slice(0, 10));
    const filter = odata`PartitionKey ge ${firstDay} and PartitionKey lt ${afterKeysOf("deadletter")}`;
    let erased = 0;
    for await (const entity of this.#table.listEntities({
      queryOptions: { filter, select: ["PartitionKey", "RowKey", "escalationId", "body"] },
    })) {
      const row = DeadLetterRow.parse(entity);
      if (row.escalationId === undefined || !escalationIds.has(row.escalationId)) continue;
      if (isReferenceOnly(row.body ?? "")) continue;
      try {
        // Merge: the reason, times and outcome stay; only what the message carried goes.
        await this.#table.updateEntity(
          { partitionKey: row.partitionKey, rowKey: row.rowKey, body: "", bodyErased: true },
          "Merge",
        );
        erased++;
      } catch (error) {
        if (tableStatusOf(error) !== 404) throw error;
      }
    }
    return erased;
  }
}
