// Copies of escalations' personal data in Azurite: the idempotency records kept for them are
// deleted (reserved for them, or answering with them), dead letters naming them lose any body
// beyond a reference, and nothing of other escalations is touched. The erasure audit beside them.
import { describe, expect, it } from "vitest";
import { freshTable } from "./fresh-table.js";
import { TableDeadLetterLog } from "../../../../shared/adapters/table-storage/table-dead-letter-log.js";
import { TableErasureAudit } from "../../../../shared/adapters/table-storage/table-erasure-audit.js";
import { TableIdempotencyStore } from "../../../../shared/adapters/table-storage/table-idempotency-store.js";
import { TablePersonalDataCopies } from "../../../../shared/adapters/table-storage/table-personal-data-copies.js";
import type { DeadLetterEntry } from "../../../../shared/domain/forwarding/ports.js";

const now = new Date("2026-11-26T08:00:00.000Z");

const deadLetter = (overrides: Partial<DeadLetterEntry>): DeadLetterEntry => ({
  source: "forwarder",
  at: "2026-11-26T09:00:00.000Z",
  messageId: "m-1",
  enqueuedAt: "2026-11-26T08:30:00.000Z",
  reason: "InvalidMessage",
  description: "body: unrecognised key",
  body: "",
  outcome: "escalation-unchanged",
  ...overrides,
});

describe("TablePersonalDataCopies", () => {
  const table = freshTable("copies");
  const idempotency = new TableIdempotencyStore(table);
  const deadLetters = new TableDeadLetterLog(table);
  const copies = new TablePersonalDataCopies(table);

  it("when asked for some escalations, then their idempotency records go, in every caller's partition, and the others stay", async () => {
    await idempotency.claim("contoso-desk", "submit-1", "f1", now, "esc-a");
    await idempotency.complete(
      "contoso-desk",
      "submit-1",
      { status: 202, headers: { location: "/api/escalations/esc-a" }, body: '{"id":"esc-a","status":"queued"}' },
      now,
    );
    // A note's key reserves a note id; its kept answer names the escalation.
    await idempotency.claim("operations", "note-7", "f2", now, "note-0007");
    await idempotency.complete(
      "operations",
      "note-7",
      { status: 202, headers: { "content-location": "/api/escalations/esc-b" }, body: "" },
      now,
    );
    await idempotency.claim("contoso-desk", "submit-2", "f3", now, "esc-other");

    expect(await copies.deleteIdempotencyRecords(new Set(["esc-a", "esc-b"]))).toBe(2);

    const left = [];
    for await (const row of table.listEntities()) left.push(row);
    expect(left.map((row) => row.reservation)).toEqual(["esc-other"]);
    expect(await copies.deleteIdempotencyRecords(new Set(["esc-a", "esc-b"]))).toBe(0);
  });

  it("when dead letters name the escalations, then a body beyond a reference is emptied and marked, a reference stays, and other escalations' are untouched", async () => {
    await deadLetters.record(
      deadLetter({
        messageId: "m-personal",
        escalationId: "esc-a",
        body: '{"escalationId":"esc-a","contact":"x@y.cn"}',
      }),
    );
    await deadLetters.record(
      deadLetter({
        messageId: "m-reference",
        escalationId: "esc-a",
        source: "dead-letter-queue",
        body: '{"escalationId":"esc-a","correlationId":"c-1"}',
      }),
    );
    await deadLetters.record(
      deadLetter({ messageId: "m-other", escalationId: "esc-other", body: '{"escalationId":"esc-other","note":"z"}' }),
    );

    expect(await copies.eraseDeadLetters(new Set(["esc-a"]), new Date("2026-11-25T00:00:00.000Z"))).toBe(1);

    const day = await deadLetters.listDay("2026-11-26");
    const byId = new Map(day.map((entry) => [entry.messageId, entry]));
    expect(byId.get("m-personal")).toMatchObject({ body: "", reason: "InvalidMessage", escalationId: "esc-a" });
    expect(byId.get("m-reference")?.body).toBe('{"escalationId":"esc-a","correlationId":"c-1"}');
    expect(byId.get("m-other")?.body).toBe('{"escalationId":"esc-other","note":"z"}');
    // Dead letters from before the oldest escalation are not read at all.
    expect(await copies.eraseDeadLetters(new Set(["esc-other"]), new Date("2026-11-27T00:00:00.000Z"))).toBe(0);
  });
});

describe("TableErasureAudit", () => {
  const table = freshTable("audit");
  const audit = new TableErasureAudit(table);

  it("when entries are recorded across months, then a window lists those in it, oldest first, as recorded", async () => {
    const entry = {
      at: "2026-11-30T23:59:59.000Z",
      actor: "privacy-officer",
      action: "erase-on-request" as const,
      tenantId: "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
      escalationIds: ["esc-a", "esc-b"],
      rows: 6,
      counts: { escalationsFound: 2, erased: 2 },
    };
    await audit.record({ ...entry, at: "2026-12-01T00:00:01.000Z", escalationIds: [], rows: 0, counts: {} });
    await audit.record(entry);
    await audit.record({ ...entry, at: "2026-10-01T00:00:00.000Z" });

    expect(await audit.list(new Date("2026-11-01T00:00:00.000Z"), new Date("2026-12-02T00:00:00.000Z"))).toEqual([
      entry,
      { ...entry, at: "2026-12-01T00:00:01.000Z", escalationIds: [], rows: 0, counts: {} },
    ]);
  });
});
