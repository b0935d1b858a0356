// The data-retention run against Azurite: every row of a deleted escalation really gone (the whole
// table scanned for its id), erased escalations passed over by their list rows, records deleted by
// partition in entity-group batches (requests counted), a deletion cut short finished by the next
// run, an escalation changed meanwhile kept whole, and the audit rows written.
import { randomUUID } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { TableDataRetention } from "../../../../shared/adapters/table-storage/table-data-retention.js";
import { TableErasureAudit } from "../../../../shared/adapters/table-storage/table-erasure-audit.js";
import { TableEscalationStore } from "../../../../shared/adapters/table-storage/table-escalation-store.js";
import { TableIdempotencyStore } from "../../../../shared/adapters/table-storage/table-idempotency-store.js";
import { TableDeadLetterLog } from "../../../../shared/adapters/table-storage/table-dead-letter-log.js";
import { TableReportStore } from "../../../../shared/adapters/table-storage/table-report-store.js";
import { countRequests } from "../../../../shared/adapters/table-storage/table-request-counter.js";
import { invertedTimestamp, joinKey } from "../../../../shared/adapters/table-storage/table-keys.js";
import { runDataRetention } from "../../../../shared/domain/escalations/data-retention.js";
import type { Escalation, EscalationStatus } from "../../../../shared/domain/escalations/escalation.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";
import { FakeClock } from "../../../unit/domain/escalations/fakes.js";
import { freshTable } from "./fresh-table.js";

const SECOND = 1_000;
const DAY = 24 * 60 * 60 * SECOND;
const PERSONAL = 180 * DAY;
const RECORDS = 400 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

function queued(createdAt: number, tenantId: string = randomUUID()): Escalation {
  const request = buildEscalationRequest();
  return {
    id: `esc_${randomUUID()}`,
    status: "queued",
    request: { ...request, customer: { ...request.customer, tenantId } },
    callerId: "partner-portal",
    correlationId: randomUUID(),
    createdAt: iso(createdAt),
    updatedAt: iso(createdAt),
    dispatch: "pending",
    criteria: [{ criterion: "service-health-checked", met: true, detail: "checked" }],
    history: [{ at: iso(createdAt), from: null, to: "queued", actor: "partner-portal", detail: "accepted" }],
  };
}

function moved(escalation: Escalation, to: EscalationStatus, at: number, actor = "forwarder"): Escalation {
  return {
    ...escalation,
    status: to,
    updatedAt: iso(at),
    history: [...escalation.history, { at: iso(at), from: escalation.status, to, actor, detail: `moved to ${to}` }],
  };
}

/** Stores an escalation the way the app does: created, forwarded through Partner Center, then closed by 21Vianet. */
async function storeClosed(store: TableEscalationStore, createdAt: number, tenantId?: string): Promise<Escalation> {
  const created = await store.create(queued(createdAt, tenantId));
  const forwarded: Escalation = {
    ...moved({ ...created.value, dispatch: "sent" }, "forwarded", createdAt + 60 * SECOND),
    vianet: { channel: "partner-center", serviceRequestId: `SR-${randomUUID()}`, status: "open" },
  };
  const first = await store.replace(forwarded, created.etag);
  if (!first.ok) throw new Error(first.error);
  const closed = moved(forwarded, "closed", createdAt + DAY, "21vianet");
  const second = await store.replace(closed, first.etag);
  if (!second.ok) throw new Error(second.error);
  return closed;
}

/** Every row of the table, keys and text, to look for what an escalation left behind. */
async function everyRow(table: TableClient): Promise<{ partitionKey: string; text: string }[]> {
  const rows: { partitionKey: string; text: string }[] = [];
  for await (const row of table.listEntities())
    rows.push({ partitionKey: row.partitionKey ?? "", text: JSON.stringify(row) });
  return rows;
}

function rig(table: TableClient) {
  const store = new TableEscalationStore(table);
  const retention = new TableDataRetention(table, store);
  const audit = new TableErasureAudit(table);
  const run = (now: number, budgetMs = 10 * 60 * SECOND) =>
    runDataRetention({
      store,
      retention,
      audit,
      clock: new FakeClock(iso(now)),
      personalDataRetentionMs: PERSONAL,
      recordRetentionMs: RECORDS,
      budgetMs,
    });
  return { store, retention, audit, run };
}

describe("TableDataRetention: whole escalations", () => {
  const table = freshTable("retain");
  const { store, retention, audit, run } = rig(table);

  it("when an escalation is final for the record retention, then no row anywhere but the audit names it", async () => {
    const createdAt = Date.parse("2024-01-10T08:00:00.000Z");
    const closed = await storeClosed(store, createdAt);
    const before = (await everyRow(table)).filter((row) => row.text.includes(closed.id));
    // Document, customer and status rows, case row, event outbox rows, status events.
    expect(before.length).toBeGreaterThanOrEqual(6);

    // A day more than the record retention, so the day it closed is wholly before the cut-off too.
    const now = createdAt + 2 * DAY + RECORDS;
    const summary = await run(now);

    expect(summary).toMatchObject({ deletedEscalations: 1, failed: 0, stoppedEarly: false });
    const left = (await everyRow(table)).filter((row) => row.text.includes(closed.id));
    expect(left.map((row) => row.partitionKey.split("!")[0])).toEqual(["erasure-audit"]);
    const entries = await audit.list(new Date(now - DAY), new Date(now + DAY));
    expect(entries).toContainEqual(
      expect.objectContaining({
        actor: "data-retention",
        action: "delete-after-retention",
        escalationIds: [closed.id],
      }),
    );
    expect(entries.find((entry) => entry.escalationIds.includes(closed.id))?.rows).toBeGreaterThanOrEqual(4);
  });

  it("when a deletion was cut short after the document, then the next run finds the list row and finishes it", async () => {
    const createdAt = Date.parse("2024-02-10T08:00:00.000Z");
    const closed = await storeClosed(store, createdAt);
    await table.deleteEntity(joinKey("escalation", closed.id), joinKey("escalation"));

    const summary = await run(createdAt + DAY + RECORDS + SECOND);

    expect(summary.deletedEscalations).toBe(1);
    const lists = (await everyRow(table)).filter(
      (row) =>
        row.text.includes(closed.id) && /^(customer|status|event-outbox|dispatch-pending)!?/.test(row.partitionKey),
    );
    expect(lists).toEqual([]);
  });

  it("when the escalation changed after it was read, then its document stays and its list rows are written back", async () => {
    const createdAt = Date.parse("2024-03-10T08:00:00.000Z");
    const closed = await storeClosed(store, createdAt, "7d3c2a10-0000-4000-8000-000000000001");
    const stale = await store.get(closed.id);
    if (stale === undefined) throw new Error("lost");
    const noted = await store.replace({ ...stale.value, updatedAt: iso(createdAt + 2 * DAY) }, stale.etag);
    expect(noted.ok).toBe(true);

    const outcome = await retention.deleteEscalation(stale);

    expect(outcome).toEqual({ ok: false, error: "changed" });
    expect(await store.get(closed.id)).toBeDefined();
    const listed = await store.listByCustomer("7d3c2a10-0000-4000-8000-000000000001", { pageSize: 10 });
    expect(listed.ok && listed.items.map((item) => item.id)).toEqual([closed.id]);
  });
});

describe("TableDataRetention: personal data", () => {
  const table = freshTable("erase");
  const { store, retention, run } = rig(table);

  it("when escalations are due, then they are erased, their list rows say so, and the next scan passes over them", async () => {
    const createdAt = Date.parse("2025-01-10T08:00:00.000Z");
    const due = await storeClosed(store, createdAt);
    const recent = await storeClosed(store, createdAt + 30 * DAY);
    const now = createdAt + DAY + PERSONAL + SECOND;

    const summary = await run(now);

    expect(summary).toMatchObject({ erased: 1, deletedEscalations: 0 });
    const erased = (await store.get(due.id))?.value;
    expect(erased?.request.contact).toBeUndefined();
    expect(erased?.erasure).toEqual({ at: iso(now), reason: "retention", by: "data-retention" });
    expect((await store.get(recent.id))?.value.request.contact).toBeDefined();
    const statusRow = await table.getEntity(
      joinKey("status", "closed"),
      joinKey(invertedTimestamp(new Date(createdAt)), due.id),
    );
    expect(statusRow).toMatchObject({ personalData: false, title: "" });
    const page = await retention.erasureCandidates(new Date(now), undefined, 100);
    expect(page.candidates.map((candidate) => candidate.escalationId)).not.toContain(due.id);
  });

  it("when a list row was written before rows said whether they hold personal data, then it is a candidate", async () => {
    const createdAt = Date.parse("2025-02-10T08:00:00.000Z");
    const closed = await storeClosed(store, createdAt);
    const key = {
      partitionKey: joinKey("status", "closed"),
      rowKey: joinKey(invertedTimestamp(new Date(createdAt)), closed.id),
    };
    const row = await table.getEntity(key.partitionKey, key.rowKey);
    const older = Object.fromEntries(
      Object.entries(row).filter(([name]) => !["personalData", "etag", "timestamp"].includes(name)),
    );
    await table.upsertEntity({ ...older, ...key }, "Replace");

    let after: string | undefined;
    const found: string[] = [];
    do {
      const page = await retention.erasureCandidates(new Date(createdAt + DAY), after, 100);
      found.push(...page.candidates.map((candidate) => candidate.escalationId));
      after = page.next;
    } while (after !== undefined);

    expect(found).toContain(closed.id);
  });
});

describe("TableDataRetention: records", () => {
  const table = freshTable("records");
  const retention = new TableDataRetention(table, new TableEscalationStore(table));
  const cutOff = new Date("2025-06-15T12:00:00.000Z");

  async function rowsIn(prefix: string): Promise<string[]> {
    const rows: string[] = [];
    const filter = odata`PartitionKey gt ${prefix} and PartitionKey lt ${`${prefix}"`}`;
    for await (const row of table.listEntities({ queryOptions: { filter } })) rows.push(row.partitionKey ?? "");
    return rows;
  }

  it("when a day is wholly before the cut-off, then its gate decisions go in batches of 100 per partition; the cut-off's own day stays", async () => {
    const seed = async (day: string, count: number) => {
      for (let start = 0; start < count; start += 100)
        await table.submitTransaction(
          Array.from({ length: Math.min(100, count - start) }, (_, index) => [
            "create",
            {
              partitionKey: joinKey("gate", day),
              rowKey: `${day}-${String(start + index).padStart(5, "0")}`,
              met: true,
            },
          ]),
        );
    };
    await seed("2025-06-13", 250);
    await seed("2025-06-14", 30);
    await seed("2025-06-15", 5);
    const counted = countRequests(table);

    const page = await retention.deleteExpiredRecords("gateDecisions", cutOff, undefined);

    expect(page).toEqual({ deleted: 280 });
    // One query, then 3 batches for the first day's 250 rows and 1 for the second day's 30.
    expect(counted.requests).toBe(5);
    expect(await rowsIn("gate")).toEqual(Array.from({ length: 5 }, () => "gate!2025-06-15"));
  });

  it("when status events, dead letters and reports are past the cut-off, then they go and the newer stay", async () => {
    for (const [day, shard] of [
      ["2025-06-14", "03"],
      ["2025-06-14", "15"],
      ["2025-06-15", "03"],
    ] as const)
      await table.createEntity({ partitionKey: joinKey("events", day, shard), rowKey: randomUUID(), to: "closed" });
    const deadLetters = new TableDeadLetterLog(table);
    for (const enqueuedAt of ["2025-06-14T23:59:59.000Z", "2025-06-15T00:00:00.000Z"])
      await deadLetters.record({
        source: "forwarder",
        at: enqueuedAt,
        messageId: randomUUID(),
        enqueuedAt,
        reason: "invalid",
        description: "not an escalation reference",
        body: "{}",
        outcome: "no-escalation",
      });
    const reports = new TableReportStore(table);
    for (const to of ["2025-06-15T11:00:00.000Z", "2025-06-15T12:00:00.000Z"]) {
      const report = { window: { from: iso(Date.parse(to) - 3_600_000), to } };
      await table.upsertEntity({
        partitionKey: joinKey("report", "1h"),
        rowKey: invertedTimestamp(new Date(to)),
        window: "1h",
        generatedAt: to,
        from: report.window.from,
        to,
        report: JSON.stringify(report),
      });
    }

    for (const kind of ["statusEvents", "deadLetters", "reports"] as const)
      expect((await retention.deleteExpiredRecords(kind, cutOff, undefined)).deleted).toBe(
        kind === "statusEvents" ? 2 : 1,
      );

    expect(await rowsIn("events")).toEqual(["events!2025-06-15!03"]);
    expect(await rowsIn("deadletter")).toEqual(["deadletter!2025-06-15"]);
    expect((await reports.recent("1h", 10)).map((stored) => stored.report.window.to)).toEqual([
      "2025-06-15T12:00:00.000Z",
    ]);
  });

  it("when idempotency keys were last used before the cut-off, then they go; a key used since stays", async () => {
    const keys = new TableIdempotencyStore(table);
    const keyCutOff = new Date("2025-06-08T12:00:00.000Z");
    const before = new Date(keyCutOff.getTime() - SECOND);
    const after = new Date(keyCutOff.getTime() + SECOND);
    await keys.claim("caller-a", "spent", "f", before, "esc-1");
    await keys.complete("caller-a", "spent", { status: 202, headers: {}, body: "{}" }, before);
    await keys.claim("caller-a", "abandoned", "f", before, "esc-2");
    await keys.claim("caller-b", "completed-since", "f", before, "esc-3");
    await keys.complete("caller-b", "completed-since", { status: 202, headers: {}, body: "{}" }, after);
    await keys.claim("caller-b", "fresh", "f", after, "esc-4");

    const page = await retention.deleteExpiredRecords("idempotencyRecords", keyCutOff, undefined);

    expect(page.deleted).toBe(2);
    const left = await rowsIn("idempotency");
    expect(left.sort()).toEqual(["idempotency!caller-b", "idempotency!caller-b"]);
  });
});

describe("TableDataRetention: bounded runs", () => {
  const table = freshTable("bounded");
  const { store, audit, run } = rig(table);

  it("when a run's budget is spent after its first batch, then the next run erases the rest, each escalation audited once", async () => {
    const createdAt = Date.parse("2025-03-01T08:00:00.000Z");
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push((await storeClosed(store, createdAt + index * SECOND)).id);
    const now = createdAt + DAY + PERSONAL + DAY;
    // The clock reads one second later each time: a 2 s budget allows one batch.
    let reads = 0;
    const ticking = { now: () => new Date(now + SECOND * reads++) };

    const first = await runDataRetention({
      store,
      retention: new TableDataRetention(table, store),
      audit,
      clock: ticking,
      personalDataRetentionMs: PERSONAL,
      recordRetentionMs: RECORDS,
      budgetMs: 2 * SECOND,
      batchSize: 2,
    });
    const second = await run(now + 60 * SECOND);

    expect(first).toMatchObject({ erased: 2, stoppedEarly: true });
    expect(second).toMatchObject({ erased: 3, stoppedEarly: false });
    const audited = (await audit.list(new Date(now - DAY), new Date(now + DAY)))
      .filter((entry) => entry.action === "erase-after-retention")
      .flatMap((entry) => entry.escalationIds);
    expect(audited.sort()).toEqual([...ids].sort());
  });
});
