// The data-retention timer's reads and deletes in Table Storage. Candidates come from the status
// lists of the final statuses, by RowKey range (rows start with the inverted creation time, so
// "created at or before" is one range); an escalation is deleted row by row in a crash-safe order;
// time-bucketed records are deleted by partition range, in entity-group batches of one partition.
// Keys are those the writers use (table-escalation-store.ts, table-status-events.ts,
// table-event-outbox.ts, table-sync-schedule.ts, table-dead-letter-log.ts, table-report-store.ts,
// table-idempotency-store.ts); the integration test scans the whole table for what is left.
import { odata, type TableClient, type TableEntityResult, type TransactionAction } from "@azure/data-tables";
import { z } from "zod";
import type {
  CandidatePage,
  DeleteEscalationOutcome,
  RecordKind,
  RecordPage,
  RetentionCandidate,
  RetentionStore,
} from "../../domain/escalations/data-retention-ports.js";
import type { Escalation } from "../../domain/escalations/escalation.js";
import { FINAL_STATUSES } from "../../domain/escalations/personal-data.js";
import type { EscalationStore, Versioned } from "../../domain/escalations/ports.js";
import { syncOrder } from "../../domain/forwarding/status-sync.js";
import { vianetMilestones } from "../../domain/metrics/facts.js";
import { tableStatusOf } from "./table-errors.js";
import {
  customerPartition,
  indexRowKeyOf,
  PENDING_PARTITION,
  pendingRowKeyOf,
  primaryPartition,
  PRIMARY_ROW,
  statusPartition,
  vianetCasePartition,
} from "./table-escalation-store.js";
import { OUTBOX_PARTITION, outboxRowsOf } from "./table-event-outbox.js";
import { WAITING_PARTITION, waitingRowKey } from "./table-status-events.js";
import { SYNC_PARTITION, syncRowKey } from "./table-sync-schedule.js";
import { afterKeysOf, invertedTimestamp, joinKey } from "./table-keys.js";

/** Table Storage answers at most 1,000 entities a request. */
const MAX_PAGE_SIZE = 1_000;
/** An entity-group transaction holds at most 100 operations. */
const MAX_BATCH = 100;
/** Requests one page read follows continuations for when the service answers empty pages. */
const MAX_REQUESTS_PER_PAGE = 5;
/** Batches (or single deletes) in flight at once. */
const CONCURRENT_DELETES = 8;

/** A list row as the retention reads it; `personalData` is absent on rows written before it existed. */
const ListRow = z.object({
  rowKey: z.string(),
  escalationId: z.string().min(1),
  tenantId: z.string().min(1),
  createdAt: z.iso.datetime(),
  personalData: z.boolean().optional(),
});

/** Where a candidate scan is: the final status's list it reads, and the last row key it consumed. */
const Cursor = z.object({ list: z.number().int().min(0), after: z.string() });

function readCursor(text: string | undefined): z.infer<typeof Cursor> | undefined {
  if (text === undefined) return undefined;
  // The cursor is ours, handed back within one run: anything else is a bug.
  return Cursor.parse(JSON.parse(text));
}

interface Row {
  partitionKey: string;
  rowKey: string;
  etag?: string;
}

/** One time-bucketed kind of record: the partition range it lives in and the rows past the cut-off. */
function recordFilter(kind: RecordKind, cutOff: Date): string {
  // A UTC day is expired once all of it is before the cut-off: every day before the cut-off's own.
  const day = cutOff.toISOString().slice(0, 10);
  switch (kind) {
    case "statusEvents":
      return odata`PartitionKey gt ${joinKey("events")} and PartitionKey lt ${joinKey("events", day)}`;
    case "gateDecisions":
      return odata`PartitionKey gt ${joinKey("gate")} and PartitionKey lt ${joinKey("gate", day)}`;
    case "deadLetters":
      return odata`PartitionKey gt ${joinKey("deadletter")} and PartitionKey lt ${joinKey("deadletter", day)}`;
    case "reports":
      // Newest first by window end: the reports that ended before the cut-off have the larger keys.
      return odata`PartitionKey gt ${joinKey("report")} and PartitionKey lt ${afterKeysOf("report")} and RowKey gt ${invertedTimestamp(cutOff)}`;
    case "idempotencyRecords":
      // Claimed before the cut-off: completed ones are checked on their completion time below.
      return odata`PartitionKey gt ${joinKey("idempotency")} and PartitionKey lt ${afterKeysOf("idempotency")} and claimedAt lt ${cutOff.toISOString()}`;
  }
}

const IdempotencyTimes = z.object({ claimedAt: z.string(), completedAt: z.string().optional() });

export class TableDataRetention implements RetentionStore {
  readonly #table: TableClient;
  readonly #store: Pick<EscalationStore, "get" | "restoreFollowingRows">;
  /** The escalation document and its customer and status list rows. */
  readonly rowsPerErasure = 3;

  /** `store` puts back the rows of an escalation that changed while it was being deleted. */
  constructor(table: TableClient, store: Pick<EscalationStore, "get" | "restoreFollowingRows">) {
    this.#table = table;
    this.#store = store;
  }

  erasureCandidates(createdUpTo: Date, after: string | undefined, limit: number): Promise<CandidatePage> {
    // A row that says its escalation holds no personal data is passed over; one without the column
    // (written before it existed) may hold some, so its document decides.
    return this.#candidates(createdUpTo, after, limit, (row) => row.personalData !== false);
  }

  deletionCandidates(createdUpTo: Date, after: string | undefined, limit: number): Promise<CandidatePage> {
    return this.#candidates(createdUpTo, after, limit, () => true);
  }

  async #candidates(
    createdUpTo: Date,
    afterText: string | undefined,
    limit: number,
    wanted: (row: z.infer<typeof ListRow>) => boolean,
  ): Promise<CandidatePage> {
    const cursor = readCursor(afterText) ?? { list: 0, after: "" };
    const status = FINAL_STATUSES[cursor.list];
    if (status === undefined) return { candidates: [] };
    // Created at or before `createdUpTo`: an inverted creation time at least its own.
    const filter = [
      odata`PartitionKey eq ${statusPartition(status)}`,
      odata`RowKey ge ${invertedTimestamp(createdUpTo)}`,
      ...(cursor.after === "" ? [] : [odata`RowKey gt ${cursor.after}`]),
    ].join(" and ");
    const { rows, more } = await this.#readPage(filter, ["escalationId", "tenantId", "createdAt", "personalData"]);
    const candidates: RetentionCandidate[] = [];
    let last = cursor.after;
    let full = false;
    for (const entity of rows) {
      if (candidates.length >= limit) {
        full = true;
        break;
      }
      last = entity.rowKey ?? last;
      const row = ListRow.safeParse(entity);
      // A row this store did not write is passed over, never fatal to the run.
      if (!row.success || !wanted(row.data)) continue;
      const { escalationId, tenantId, createdAt } = row.data;
      candidates.push({ escalationId, status, tenantId, createdAt });
    }
    // The rest of this list from the last row consumed, or the next final status's list.
    const next =
      full || more
        ? { list: cursor.list, after: last }
        : cursor.list + 1 < FINAL_STATUSES.length
          ? { list: cursor.list + 1, after: "" }
          : undefined;
    return next === undefined ? { candidates } : { candidates, next: JSON.stringify(next) };
  }

  /**
   * Up to a page of rows matching `filter`, following the service's continuation past empty pages
   * (a range query may answer one) for at most MAX_REQUESTS_PER_PAGE requests. `more` when rows
   * may follow.
   */
  async #readPage(
    filter: string,
    select: string[],
    continuationToken?: string,
  ): Promise<{ rows: TableEntityResult<Record<string, unknown>>[]; more: boolean; next: string | undefined }> {
    let token = continuationToken;
    for (let request = 0; request < MAX_REQUESTS_PER_PAGE; request++) {
      const page = await this.#table
        .listEntities({
          queryOptions: { filter, select: ["PartitionKey", "RowKey", ...select] },
        })
        .byPage({ maxPageSize: MAX_PAGE_SIZE, continuationToken: token })
        .next();
      if (page.done === true) return { rows: [], more: false, next: undefined };
      token = page.value.continuationToken;
      if (page.value.length > 0 || token === undefined)
        return { rows: [...page.value], more: token !== undefined, next: token };
    }
    return { rows: [], more: true, next: token };
  }

  /**
   * The order makes a run cut anywhere safe to finish by the next one, which finds the escalation
   * through its final status's list row, deleted last:
   * 1. rows only the document leads to, or that readers show without checking it: the customer's
   *    list row, the list rows of the statuses it left (a cut-short write may have left one), the
   *    21Vianet case row, the status sync's row and the waiting-for-21Vianet row. Cut here, the
   *    next run reads the document and deletes them again (a row already gone is no error).
   * 2. the document, only if still the version read: an escalation changed meanwhile (a replay, a
   *    late note) keeps living, and the rows of step 1 are written back from its newest version.
   * 3. rows its readers drop once the escalation is gone (dispatch outbox, event outbox), which
   *    the candidate alone names, so a run cut before them finishes them from the list row.
   * 4. the list row of its final status.
   */
  async deleteEscalation(stored: Versioned<Escalation>): Promise<DeleteEscalationOutcome> {
    const escalation = stored.value;
    const { id, createdAt } = escalation;
    const left = new Set(
      escalation.history.flatMap((entry) => (entry.from === null ? [entry.to] : [entry.from, entry.to])),
    );
    left.delete(escalation.status);
    const first: Row[] = [
      { partitionKey: customerPartition(escalation.request.customer.tenantId), rowKey: indexRowKeyOf(createdAt, id) },
      ...[...left].map((status) => ({ partitionKey: statusPartition(status), rowKey: indexRowKeyOf(createdAt, id) })),
      ...this.#vianetRows(escalation),
    ];
    let rows = await this.#deleteEach(first);

    try {
      await this.#table.deleteEntity(primaryPartition(id), PRIMARY_ROW, { etag: stored.etag });
      rows += 1;
    } catch (error) {
      const status = tableStatusOf(error);
      if (status === 412) {
        const latest = await this.#store.get(id);
        if (latest !== undefined) await this.#store.restoreFollowingRows(latest);
        return { ok: false, error: "changed" };
      }
      // Gone already: another run got here first; finishing the rest is what it would do.
      if (status !== 404) throw error;
    }

    rows += await this.#deleteLast(id, createdAt);
    rows += await this.#deleteEach([
      { partitionKey: statusPartition(escalation.status), rowKey: indexRowKeyOf(createdAt, id) },
    ]);
    return { ok: true, rows };
  }

  async deleteLeftovers(candidate: RetentionCandidate): Promise<number> {
    const { escalationId: id, createdAt } = candidate;
    let rows = await this.#deleteEach([
      { partitionKey: customerPartition(candidate.tenantId), rowKey: indexRowKeyOf(createdAt, id) },
    ]);
    rows += await this.#deleteLast(id, createdAt);
    rows += await this.#deleteEach([
      { partitionKey: statusPartition(candidate.status), rowKey: indexRowKeyOf(createdAt, id) },
    ]);
    return rows;
  }

  /** The rows of step 3: the dispatch outbox row and the event outbox rows (one batch, one partition). */
  async #deleteLast(id: string, createdAt: string): Promise<number> {
    const filter = outboxRowsOf(id);
    const outbox: Row[] = [];
    for await (const row of this.#table.listEntities({ queryOptions: { filter, select: ["PartitionKey", "RowKey"] } }))
      outbox.push({ partitionKey: OUTBOX_PARTITION, rowKey: row.rowKey ?? "" });
    const [pending, events] = await Promise.all([
      this.#deleteEach([{ partitionKey: PENDING_PARTITION, rowKey: pendingRowKeyOf(createdAt, id) }]),
      this.#deleteInBatches(outbox),
    ]);
    return pending + events;
  }

  /** The rows kept for 21Vianet's side of an escalation, where its state says one may be. */
  #vianetRows(escalation: Escalation): Row[] {
    const rows: Row[] = [];
    const caseNumber = escalation.vianet?.serviceRequestId;
    const casePartition = caseNumber === undefined ? undefined : vianetCasePartition(caseNumber);
    if (casePartition !== undefined) rows.push({ partitionKey: casePartition, rowKey: joinKey(escalation.id) });
    // The store drops the sync row when an escalation leaves the open states; one left by a write
    // cut short sits at its last sync time, and the sync itself drops any other once it meets the
    // escalation closed or gone.
    if (escalation.vianet?.channel === "partner-center" && caseNumber !== undefined)
      rows.push({
        partitionKey: SYNC_PARTITION,
        rowKey: syncRowKey(syncOrder(escalation), escalation.id),
      });
    const { forwarded } = vianetMilestones(escalation.history);
    const forwardedAt = forwarded === undefined ? undefined : escalation.history[forwarded]?.at;
    if (forwardedAt !== undefined)
      rows.push({
        partitionKey: WAITING_PARTITION,
        rowKey: waitingRowKey(escalation.id, forwardedAt),
      });
    return rows;
  }

  async deleteExpiredRecords(kind: RecordKind, cutOff: Date, after: string | undefined): Promise<RecordPage> {
    const idempotency = kind === "idempotencyRecords";
    const { rows, next } = await this.#readPage(
      recordFilter(kind, cutOff),
      idempotency ? ["claimedAt", "completedAt"] : [],
      after,
    );
    const expired: Row[] = rows.flatMap((row) => {
      const key = { partitionKey: row.partitionKey ?? "", rowKey: row.rowKey ?? "" };
      if (!idempotency) return [key];
      const times = IdempotencyTimes.safeParse(row);
      if (!times.success) return [];
      const lastUsed = times.data.completedAt ?? times.data.claimedAt;
      return lastUsed < cutOff.toISOString() ? [{ ...key, etag: row.etag }] : [];
    });
    // An idempotency record is deleted only as read: a key taken over meanwhile is in use again.
    // A batch cannot carry an ETag per delete, so they go one by one (a day's keys, not millions).
    const deleted = idempotency ? await this.#deleteEach(expired) : await this.#deleteInBatches(expired);
    return next === undefined ? { deleted } : { deleted, next };
  }

  /** Deletes rows one request each (several in flight); a row already gone counts for nothing. */
  async #deleteEach(rows: readonly Row[]): Promise<number> {
    let deleted = 0;
    const queue = rows.values();
    const worker = async () => {
      for (const row of queue) if (await this.#deleteOne(row)) deleted += 1;
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_DELETES, rows.length) }, worker));
    return deleted;
  }

  /** True when this call deleted the row; false when it was gone, or (with an ETag) changed since read. */
  async #deleteOne(row: Row): Promise<boolean> {
    try {
      await this.#table.deleteEntity(row.partitionKey, row.rowKey, row.etag === undefined ? {} : { etag: row.etag });
      return true;
    } catch (error) {
      const status = tableStatusOf(error);
      if (status === 404 || (status === 412 && row.etag !== undefined)) return false;
      throw error;
    }
  }

  /**
   * Rows known to exist, by partition, in entity-group transactions of at most 100. A batch fails
   * whole when one of its rows is already gone (another run deleted it meanwhile): it is then
   * deleted row by row.
   */
  async #deleteInBatches(rows: readonly Row[]): Promise<number> {
    const byPartition = new Map<string, Row[]>();
    for (const row of rows) byPartition.set(row.partitionKey, [...(byPartition.get(row.partitionKey) ?? []), row]);
    const batches: Row[][] = [];
    for (const partition of byPartition.values())
      for (let start = 0; start < partition.length; start += MAX_BATCH)
        batches.push(partition.slice(start, start + MAX_BATCH));
    let deleted = 0;
    const queue = batches.values();
    const worker = async () => {
      for (const batch of queue) {
        // Awaited before adding: `deleted += await ...` would add to the value read before the wait.
        const count = await this.#deleteBatch(batch);
        deleted += count;
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_DELETES, batches.length) }, worker));
    return deleted;
  }

  async #deleteBatch(batch: readonly Row[]): Promise<number> {
    if (batch.length === 1) return this.#deleteEach(batch);
    const actions: TransactionAction[] = batch.map((row) => [
      "delete",
      { partitionKey: row.partitionKey, rowKey: row.rowKey },
    ]);
    try {
      await this.#table.submitTransaction(actions);
      return batch.length;
    } catch (error) {
      if (tableStatusOf(error) !== 404) throw error;
      return this.#deleteEach(batch);
    }
  }
}
