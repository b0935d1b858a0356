// The data-retention run with an injected clock: personal data erased and whole escalations
// deleted exactly at their retention (not a second early, all a second late), records past it
// deleted, a run cut short by its budget finished by the next, and a second run changing nothing.
import { describe, expect, it } from "vitest";
import {
  RETENTION_ACTOR,
  runDataRetention,
  type DataRetentionDependencies,
} from "../../../../shared/domain/escalations/data-retention.js";
import type { Escalation, EscalationStatus } from "../../../../shared/domain/escalations/escalation.js";
import { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_RETENTION_MS } from "../../../../shared/domain/escalations/idempotency.js";
import { queuedEscalation } from "../forwarding/fakes.js";
import { InMemoryErasureAudit, InMemoryRetentionStore, TickingClock } from "./data-retention-fakes.js";
import { FakeClock, InMemoryEscalationStore } from "./fakes.js";

const SECOND = 1_000;
const DAY = 24 * 60 * 60 * SECOND;
const PERSONAL = 180 * DAY;
const RECORDS = 400 * DAY;
const FINAL_AT = "2026-01-10T06:00:00.000Z";
const at = (iso: string, offsetMs: number) => new Date(Date.parse(iso) + offsetMs).toISOString();

const template = (await queuedEscalation()).escalation;

/** An escalation created a day before `finalAt` that reached `status` then (open ones just moved on). */
function escalation(id: string, status: EscalationStatus, finalAt = FINAL_AT): Escalation {
  const createdAt = at(finalAt, -DAY);
  return {
    ...structuredClone(template),
    id,
    createdAt,
    updatedAt: finalAt,
    status,
    history: [
      { at: createdAt, from: null, to: "queued", actor: "desk", detail: "accepted" },
      { at: finalAt, from: "queued", to: status, actor: "system", detail: status },
    ],
  };
}

async function world(escalations: Escalation[]) {
  const store = new InMemoryEscalationStore();
  for (const item of escalations) await store.create(item);
  const retention = new InMemoryRetentionStore(store);
  const audit = new InMemoryErasureAudit();
  const run = (clock: DataRetentionDependencies["clock"], overrides: Partial<DataRetentionDependencies> = {}) =>
    runDataRetention({
      store,
      retention,
      audit,
      clock,
      personalDataRetentionMs: PERSONAL,
      recordRetentionMs: RECORDS,
      budgetMs: 10 * 60 * SECOND,
      ...overrides,
    });
  return { store, retention, audit, run };
}

const FINALS = [
  escalation("esc-closed", "closed"),
  escalation("esc-rejected", "rejected"),
  escalation("esc-failed", "failed"),
];

describe("personal data retention", () => {
  it("when a second is left, then nothing is erased; a second after, every final escalation is, and only those", async () => {
    const open = escalation("esc-open", "forwarded", at(FINAL_AT, -300 * DAY));
    const { store, audit, run } = await world([...FINALS, open]);

    const early = await run(new FakeClock(at(FINAL_AT, PERSONAL - SECOND)));
    expect(early).toMatchObject({ erased: 0, deletedEscalations: 0, stoppedEarly: false });
    for (const { id } of FINALS) expect((await store.get(id))?.value.request.contact).toBeDefined();

    const late = at(FINAL_AT, PERSONAL + SECOND);
    const summary = await run(new FakeClock(late));

    expect(summary).toMatchObject({ erased: 3, deletedEscalations: 0, failed: 0, stoppedEarly: false });
    for (const { id } of FINALS) {
      const erased = (await store.get(id))?.value;
      expect(erased?.request.contact).toBeUndefined();
      expect(erased?.request.description).toBe("");
      expect(erased?.erasure).toEqual({ at: late, reason: "retention", by: RETENTION_ACTOR });
    }
    expect((await store.get("esc-open"))?.value.request.contact).toBeDefined();
    expect(audit.entries).toEqual([
      {
        at: late,
        actor: "data-retention",
        action: "erase-after-retention",
        escalationIds: expect.arrayContaining(FINALS.map(({ id }) => id)) as string[],
        rows: 3,
        counts: { escalations: 3 },
      },
    ]);
    expect(JSON.stringify(audit.entries)).not.toContain(template.request.contact?.email ?? "unset");
  });

  it("when exactly the retention has passed, then it is erased (the boundary is inclusive)", async () => {
    const { store, run } = await world([escalation("esc-closed", "closed")]);

    await run(new FakeClock(at(FINAL_AT, PERSONAL)));

    expect((await store.get("esc-closed"))?.value.erasure?.reason).toBe("retention");
  });
});

describe("record retention", () => {
  it("when a second is left, then escalations are kept (erased); a second after, they are deleted and audited", async () => {
    const { store, audit, run } = await world(FINALS);

    const early = await run(new FakeClock(at(FINAL_AT, RECORDS - SECOND)));
    expect(early).toMatchObject({ erased: 3, deletedEscalations: 0 });
    for (const { id } of FINALS) expect(await store.get(id)).toBeDefined();

    const summary = await run(new FakeClock(at(FINAL_AT, RECORDS + SECOND)));

    expect(summary).toMatchObject({ erased: 0, deletedEscalations: 3, failed: 0 });
    for (const { id } of FINALS) expect(await store.get(id)).toBeUndefined();
    expect(audit.idsOf("delete-after-retention").sort()).toEqual(FINALS.map(({ id }) => id).sort());
  });

  it("when an escalation still holding personal data is past both retentions, then it is deleted, not erased first", async () => {
    const { store, audit, run } = await world(FINALS);

    const summary = await run(new FakeClock(at(FINAL_AT, RECORDS + SECOND)));

    expect(summary).toMatchObject({ erased: 0, deletedEscalations: 3 });
    expect(store.escalations.size).toBe(0);
    expect(audit.idsOf("erase-after-retention")).toEqual([]);
  });

  it("when records are past the record retention and idempotency keys past their 7 days, then each kind is deleted with its own cut-off and counted in the audit", async () => {
    const now = at(FINAL_AT, RECORDS);
    const { retention, audit, run } = await world([]);
    const recordCutOff = at(now, -RECORDS);
    const keyCutOff = at(now, -IDEMPOTENCY_RETENTION_MS - IDEMPOTENCY_LEASE_MS);
    retention.records = [
      { kind: "statusEvents", id: "old-1", at: at(recordCutOff, -SECOND) },
      { kind: "statusEvents", id: "old-2", at: at(recordCutOff, -DAY) },
      { kind: "statusEvents", id: "old-3", at: at(recordCutOff, -2 * DAY) },
      { kind: "statusEvents", id: "kept", at: at(recordCutOff, SECOND) },
      { kind: "gateDecisions", id: "old", at: at(recordCutOff, -DAY) },
      { kind: "reports", id: "old", at: at(recordCutOff, -DAY) },
      { kind: "idempotencyRecords", id: "spent", at: at(keyCutOff, -SECOND) },
      { kind: "idempotencyRecords", id: "live", at: at(keyCutOff, SECOND) },
    ];

    const summary = await run(new FakeClock(now));

    expect(summary.deletedRecords).toEqual({
      statusEvents: 3,
      gateDecisions: 1,
      deadLetters: 0,
      reports: 1,
      idempotencyRecords: 1,
    });
    expect(retention.records.map((record) => `${record.kind}/${record.id}`)).toEqual([
      "statusEvents/kept",
      "idempotencyRecords/live",
    ]);
    expect(new Set(retention.calls.map((call) => `${call.kind} ${call.cutOff}`))).toEqual(
      new Set([
        `statusEvents ${recordCutOff}`,
        `gateDecisions ${recordCutOff}`,
        `deadLetters ${recordCutOff}`,
        `reports ${recordCutOff}`,
        `idempotencyRecords ${keyCutOff}`,
      ]),
    );
    expect(audit.entries.map((entry) => [entry.action, entry.rows, entry.counts, entry.escalationIds])).toEqual([
      ["delete-after-retention", 3, { statusEvents: 3 }, []],
      ["delete-after-retention", 1, { gateDecisions: 1 }, []],
      ["delete-after-retention", 1, { reports: 1 }, []],
      ["delete-after-retention", 1, { idempotencyRecords: 1 }, []],
    ]);
  });
});

/** 12 escalations due for erasure, 8 due for deletion, 3 open, and records of each kind. */
function backlog(): { escalations: Escalation[]; now: string } {
  const now = at(FINAL_AT, RECORDS + 30 * DAY);
  const escalations = [
    ...Array.from({ length: 12 }, (_, index) =>
      escalation(`esc-erase-${String(index).padStart(2, "0")}`, "closed", at(now, -PERSONAL - (index + 1) * DAY)),
    ),
    ...Array.from({ length: 8 }, (_, index) =>
      escalation(`esc-delete-${String(index)}`, "failed", at(now, -RECORDS - (index + 1) * DAY)),
    ),
    ...Array.from({ length: 3 }, (_, index) => escalation(`esc-open-${String(index)}`, "forwarded", FINAL_AT)),
  ];
  return { escalations, now };
}

function stateOf(built: Awaited<ReturnType<typeof world>>) {
  const kept = [...built.store.escalations.values()].map(({ value }) => ({
    id: value.id,
    erased: value.erasure !== undefined,
    contact: value.request.contact !== undefined,
  }));
  return {
    kept: kept.sort((a, b) => a.id.localeCompare(b.id)),
    records: built.retention.records.map((record) => `${record.kind}/${record.id}`).sort(),
    erasedIds: built.audit.idsOf("erase-after-retention").sort(),
    deletedIds: built.audit.idsOf("delete-after-retention").sort(),
  };
}

const RECORDS_DUE = [
  { kind: "statusEvents", id: "e1", at: FINAL_AT },
  { kind: "statusEvents", id: "e2", at: FINAL_AT },
  { kind: "gateDecisions", id: "g1", at: FINAL_AT },
  { kind: "deadLetters", id: "d1", at: FINAL_AT },
  { kind: "idempotencyRecords", id: "k1", at: FINAL_AT },
] as const;

describe("a run bounded by its budget", () => {
  it("when the budget runs out, then it stops between batches, says so, and the next run finishes exactly what one full run does", async () => {
    const { escalations, now } = backlog();
    const full = await world(escalations);
    full.retention.records = RECORDS_DUE.map((record) => ({ ...record }));
    const cut = await world(escalations);
    cut.retention.records = RECORDS_DUE.map((record) => ({ ...record }));

    const fullRun = await full.run(new FakeClock(now), { batchSize: 5 });
    // Each read of the clock is a second later: the deadline comes after a few batches.
    const first = await cut.run(new TickingClock(now, SECOND), { batchSize: 5, budgetMs: 3 * SECOND });
    const second = await cut.run(new TickingClock(at(now, 60 * SECOND), SECOND), { batchSize: 5 });

    expect(fullRun).toMatchObject({ erased: 12, deletedEscalations: 8, stoppedEarly: false });
    expect(first.stoppedEarly).toBe(true);
    expect(first.erased).toBeGreaterThan(0);
    expect(first.erased).toBeLessThan(12);
    expect(second.stoppedEarly).toBe(false);
    expect(first.erased + second.erased).toBe(12);
    expect(first.deletedEscalations + second.deletedEscalations).toBe(8);
    expect(stateOf(cut)).toEqual(stateOf(full));
    // Every escalation audited exactly once.
    const { erasedIds, deletedIds } = stateOf(cut);
    expect(new Set(erasedIds).size).toBe(12);
    expect(new Set(deletedIds).size).toBe(8);
  });

  it("when a record phase is cut short, then the rest of its records go in the next run", async () => {
    const { now } = backlog();
    const built = await world([]);
    built.retention.records = Array.from({ length: 9 }, (_, index) => ({
      kind: "statusEvents" as const,
      id: `e${String(index)}`,
      at: FINAL_AT,
    }));

    const first = await built.run(new TickingClock(now, SECOND), { budgetMs: 5 * SECOND });
    const second = await built.run(new FakeClock(now));

    expect(first.stoppedEarly).toBe(true);
    expect(first.deletedRecords.statusEvents + second.deletedRecords.statusEvents).toBe(9);
    expect(built.retention.records).toEqual([]);
  });
});

describe("running twice", () => {
  it("when a full run is followed by another at the same time, then the second changes nothing and audits nothing", async () => {
    const { escalations, now } = backlog();
    const built = await world(escalations);
    built.retention.records = RECORDS_DUE.map((record) => ({ ...record }));
    await built.run(new FakeClock(now));
    const after = structuredClone([...built.store.escalations.entries()]);
    const entries = built.audit.entries.length;

    const again = await built.run(new FakeClock(now));

    expect(again).toMatchObject({ erased: 0, deletedEscalations: 0, failed: 0, auditEntries: 0 });
    expect(Object.values(again.deletedRecords).every((count) => count === 0)).toBe(true);
    expect([...built.store.escalations.entries()]).toEqual(after);
    expect(built.audit.entries).toHaveLength(entries);
  });
});

describe("escalations that change or fail", () => {
  it("when an escalation is changed between the read and the deletion, then it is kept and counted as skipped", async () => {
    const { now } = backlog();
    const built = await world([escalation("esc-old", "failed", at(now, -RECORDS - DAY))]);
    const deleteEscalation = built.retention.deleteEscalation.bind(built.retention);
    built.retention.deleteEscalation = async (stored) => {
      // An operator replays it just before the delete.
      const current = await built.store.get(stored.value.id);
      if (current !== undefined) await built.store.replace({ ...current.value, status: "queued" }, current.etag);
      return deleteEscalation(stored);
    };

    const summary = await built.run(new FakeClock(now));

    expect(summary).toMatchObject({ deletedEscalations: 0, skipped: 1 });
    expect((await built.store.get("esc-old"))?.value.status).toBe("queued");
  });

  it("when one escalation cannot be read, then the others are settled and the failure is logged by id alone", async () => {
    const { now } = backlog();
    const built = await world(FINALS.map((item) => escalation(item.id, item.status, at(now, -PERSONAL - DAY))));
    const get = built.store.get.bind(built.store);
    built.store.get = (id) => (id === "esc-rejected" ? Promise.reject(new Error("RestError: timeout")) : get(id));
    const logged: { message: string; detail: Record<string, unknown> }[] = [];

    const summary = await built.run(new FakeClock(now), {
      log: (message, detail) => logged.push({ message, detail }),
    });

    expect(summary).toMatchObject({ erased: 2, failed: 1 });
    expect(logged).toEqual([
      {
        message: "data retention could not settle an escalation",
        detail: { escalationId: "esc-rejected", error: "Error: RestError: timeout" },
      },
    ]);
  });

  it("when a batch erases more escalations than one audit entry holds, then the ids are split over several entries", async () => {
    const { now } = backlog();
    const many = Array.from({ length: 1_205 }, (_, index) =>
      escalation(`esc-${String(index).padStart(5, "0")}`, "closed", at(now, -PERSONAL - DAY)),
    );
    const built = await world(many);

    const summary = await built.run(new FakeClock(now), { batchSize: 2_000, concurrency: 50 });

    expect(summary.erased).toBe(1_205);
    expect(built.audit.entries.map((entry) => entry.escalationIds.length)).toEqual([1_000, 205]);
    expect(built.audit.entries.map((entry) => entry.rows)).toEqual([1_000, 205]);
  });
});
