// Seeding for the data-retention benchmark: final escalations in the app's own row layout, written
// straight to Azurite in entity-group batches. The rows are those TableEscalationStore.create
// writes (recorded from it, never hand-written): the escalation document, its customer and status
// list rows and its status events; its event outbox and 21Vianet case rows are left out (the
// outbox is swept within minutes, and a case row is one partition per escalation: seeding time).
import type { TableClient, TransactionAction } from "@azure/data-tables";
import { TableEscalationStore } from "../../shared/adapters/table-storage/table-escalation-store.js";
import type { Escalation } from "../../shared/domain/escalations/escalation.js";
import { buildEscalationRequest } from "../../test/builders/escalation-request.js";
import { inPool } from "../kit/index.js";

const DAY_MS = 24 * 60 * 60_000;
/** Row kinds seeded, by the first component of their PartitionKey. */
const SEEDED_KINDS = new Set(["escalation", "customer", "status", "events"]);

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

/**
 * Stands in for a TableClient and keeps every row written to it: the store's create writes each
 * row once, so the rows are exactly the app's. Reads answer "not found".
 */
class RowRecorder {
  readonly rows: Row[] = [];

  createEntity(row: Row) {
    this.rows.push(row);
    return Promise.resolve({ etag: 'W/"seed"' });
  }

  upsertEntity(row: Row) {
    this.rows.push(row);
    return Promise.resolve({ etag: 'W/"seed"' });
  }

  deleteEntity() {
    return Promise.resolve({});
  }
}

/** The rows `create` writes for `escalation`, the seeded kinds only. */
export async function rowsOf(escalation: Escalation): Promise<Row[]> {
  const recorder = new RowRecorder();
  // The recorder has the three write methods create calls; nothing else of TableClient is reached.
  await new TableEscalationStore(recorder as unknown as TableClient).create(escalation);
  return recorder.rows.filter((row) => SEEDED_KINDS.has(row.partitionKey.split("!")[0] ?? ""));
}

const tenantOf = (customer: number) => `00000000-0000-4000-8000-${customer.toString(16).padStart(12, "0")}`;

/**
 * Escalation `index` of a seeded store: created `createdDaysAgo` (plus a few minutes per index, so
 * every creation time differs) before `now`, forwarded through Partner Center an hour later and
 * closed by 21Vianet a day after creation, for one of `customers` customers.
 */
export function finalEscalation(index: number, now: Date, createdDaysAgo: number, customers: number): Escalation {
  const createdAt = now.getTime() - createdDaysAgo * DAY_MS - index * 7_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const request = buildEscalationRequest({
    title: `Mail flow stopped (${String(index)})`,
    contact: { name: "Li Wei", email: `li.wei.${String(index)}@example.com`, phone: "+86 10 5555 0000" },
  });
  return {
    id: `esc_bench_${String(index).padStart(8, "0")}`,
    status: "closed",
    request: { ...request, customer: { ...request.customer, tenantId: tenantOf(index % customers) } },
    callerId: "partner-portal",
    correlationId: `corr_${String(index)}`,
    createdAt: iso(createdAt),
    updatedAt: iso(createdAt + DAY_MS),
    dispatch: "sent",
    criteria: [{ criterion: "service-health-checked", met: true, detail: "checked" }],
    vianet: { channel: "partner-center", serviceRequestId: `SR-${String(index)}`, status: "closed" },
    history: [
      { at: iso(createdAt), from: null, to: "queued", actor: "partner-portal", detail: "accepted" },
      { at: iso(createdAt + 3_600_000), from: "queued", to: "forwarded", actor: "system", detail: "forwarded" },
      { at: iso(createdAt + DAY_MS), from: "forwarded", to: "closed", actor: "21vianet", detail: "closed" },
    ],
  };
}

export interface SeedResult {
  rows: number;
  requests: number;
  ms: number;
}

/**
 * Writes the escalations' rows: rows of one partition in batches of up to 100 (list rows and
 * status events share partitions), a lone row (each escalation's document) with one create.
 */
export async function seed(
  table: TableClient,
  escalations: readonly Escalation[],
  inFlight: number,
): Promise<SeedResult> {
  const began = performance.now();
  const byPartition = new Map<string, Row[]>();
  for (const escalation of escalations)
    for (const row of await rowsOf(escalation)) {
      const rows = byPartition.get(row.partitionKey);
      if (rows === undefined) byPartition.set(row.partitionKey, [row]);
      else rows.push(row);
    }
  const batches: Row[][] = [];
  let rowCount = 0;
  for (const rows of byPartition.values()) {
    rowCount += rows.length;
    for (let start = 0; start < rows.length; start += 100) batches.push(rows.slice(start, start + 100));
  }
  await inPool(batches.length, inFlight, async (n) => {
    const batch = batches[n] ?? [];
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      await table.upsertEntity(only, "Replace");
      return;
    }
    const actions: TransactionAction[] = batch.map((row) => ["upsert", row, "Replace"]);
    await table.submitTransaction(actions);
  });
  return { rows: rowCount, requests: batches.length, ms: performance.now() - began };
}
