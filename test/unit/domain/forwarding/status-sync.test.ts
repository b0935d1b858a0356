// The status sync's run: the longest unsynced first within a budget of calls, 21Vianet's changes
// and notes recorded once, 429 honoured, one failure never stopping the others, closed never read.
import { describe, expect, it } from "vitest";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import { addPartnerNote, markNoteSent } from "../../../../shared/domain/escalations/vianet-updates.js";
import {
  NOTE_RESEND_AFTER_MS,
  applyServiceRequestState,
  isSyncable,
  notesToResend,
  runStatusSync,
  syncOrder,
  type StatusSyncDependencies,
  type SyncEntry,
  type SyncSchedule,
} from "../../../../shared/domain/forwarding/status-sync.js";
import {
  partnerNoteMarker,
  type NoteOutcome,
  type ReadOutcome,
  type ServiceRequestState,
  type VianetServiceRequests,
} from "../../../../shared/domain/forwarding/service-requests.js";
import { FakeClock, InMemoryEscalationStore, SequentialIds } from "../escalations/fakes.js";
import { queuedEscalation } from "./fakes.js";

/** The line as the Table store keeps it: every syncable escalation, by its sync order. */
class InMemorySyncSchedule implements SyncSchedule {
  readonly dropped: SyncEntry[] = [];
  /** Entries left behind by writes cut short, e.g. a closed escalation's. */
  readonly stale: SyncEntry[] = [];

  constructor(private readonly store: InMemoryEscalationStore) {}

  oldestSynced(limit: number): Promise<SyncEntry[]> {
    const live = [...this.store.escalations.values()]
      .map((stored) => stored.value)
      .filter(isSyncable)
      .map((escalation) => ({ escalationId: escalation.id, orderedBy: syncOrder(escalation) }));
    const entries = [...live, ...this.stale.filter((entry) => !this.dropped.includes(entry))].sort(
      (a, b) => a.orderedBy.localeCompare(b.orderedBy) || a.escalationId.localeCompare(b.escalationId),
    );
    return Promise.resolve(entries.slice(0, limit));
  }

  drop(entry: SyncEntry): Promise<void> {
    this.dropped.push(entry);
    return Promise.resolve();
  }
}

/** 21Vianet's side: each request's state, and scripted failures per request. */
class FakeServiceRequests implements VianetServiceRequests {
  readonly states = new Map<string, ServiceRequestState>();
  readonly failures = new Map<string, ReadOutcome[]>();
  readonly reads: string[] = [];

  read(serviceRequestId: string): Promise<ReadOutcome> {
    this.reads.push(serviceRequestId);
    const failure = this.failures.get(serviceRequestId)?.shift();
    if (failure !== undefined) return Promise.resolve(failure);
    const state = this.states.get(serviceRequestId);
    return Promise.resolve(
      state === undefined
        ? { kind: "permanent", code: "404", description: "not found" }
        : { kind: "read", request: structuredClone(state) },
    );
  }

  addNote(): Promise<NoteOutcome> {
    return Promise.resolve({ kind: "added" });
  }
}

async function setUp(count: number) {
  const clock = new FakeClock("2026-12-01T08:00:00.000Z");
  const store = new InMemoryEscalationStore();
  const requests = new FakeServiceRequests();
  const ids: string[] = [];
  const sequence = new SequentialIds();
  for (let index = 0; index < count; index++) {
    const { escalation } = await queuedEscalation({ store, clock, ids: sequence });
    const serviceRequestId = `SR-${String(index)}`;
    const stored = await store.get(escalation.id);
    if (stored === undefined) throw new Error("lost");
    await store.replace(
      { ...stored.value, status: "forwarded", vianet: { channel: "partner-center", serviceRequestId, status: "open" } },
      stored.etag,
    );
    requests.states.set(serviceRequestId, { status: "open", notes: [] });
    ids.push(escalation.id);
    clock.advance(60_000);
  }
  const schedule = new InMemorySyncSchedule(store);
  const pauses: number[] = [];
  const deps = (overrides: Partial<StatusSyncDependencies> = {}): StatusSyncDependencies => ({
    store,
    schedule,
    requests,
    clock,
    maxRequests: 100,
    pause: (ms) => {
      pauses.push(ms);
      clock.advance(ms);
      return Promise.resolve();
    },
    ...overrides,
  });
  const escalation = async (index: number): Promise<Escalation> => {
    const stored = await store.get(ids[index] ?? "");
    if (stored === undefined) throw new Error("lost");
    return stored.value;
  };
  return { clock, store, requests, schedule, ids, deps, escalation, pauses };
}

describe("runStatusSync", () => {
  it("when 21Vianet changed status and added a note, then both are recorded from partner-center, its word kept", async () => {
    const { requests, deps, escalation, clock } = await setUp(1);
    requests.states.set("SR-0", {
      status: "attention_needed",
      lastModifiedAt: "2026-12-01T08:30:00.000Z",
      notes: [
        { text: "Please send a message trace.", createdAt: "2026-12-01T08:30:00.000Z", createdByName: "Engineer" },
      ],
    });
    clock.advance(60 * 60_000);

    const summary = await runStatusSync(deps());

    expect(summary).toMatchObject({ requests: 1, visited: 1, changed: 1, failed: 0 });
    const after = await escalation(0);
    expect(after.status).toBe("attention_needed");
    expect(after.vianet).toMatchObject({
      status: "attention_needed",
      lastUpdatedAt: "2026-12-01T08:30:00.000Z",
      syncedAt: clock.now().toISOString(),
    });
    expect(after.notes).toEqual([
      expect.objectContaining({ author: "21vianet", source: "partner-center", text: "Please send a message trace." }),
    ]);
    expect(after.history.slice(-2).map((entry) => [entry.actor, entry.to])).toEqual([
      ["21vianet", "forwarded"],
      ["21vianet", "attention_needed"],
    ]);
  });

  it("when the same request is read again, then no note is recorded twice and nothing else changes", async () => {
    const { requests, deps, escalation, clock } = await setUp(1);
    requests.states.set("SR-0", {
      status: "open",
      notes: [{ text: "Looking into it.", createdAt: "2026-12-01T08:10:00.000Z" }, { text: "Undated note" }],
    });
    await runStatusSync(deps());
    clock.advance(600_000);
    const second = await runStatusSync(deps());

    expect(second).toMatchObject({ visited: 1, changed: 0 });
    expect((await escalation(0)).notes?.map((note) => note.text)).toEqual(["Looking into it.", "Undated note"]);
  });

  it("when a partner note stayed queued with no attempt past its grace time, then the visit sends its message again, once per run and only then", async () => {
    const { store, deps, ids, clock } = await setUp(1);
    const stored = await store.get(ids[0] ?? "");
    if (stored === undefined) throw new Error("lost");
    const noted = addPartnerNote(stored.value, { id: "note-1", text: "Logs attached", by: "desk" }, clock.now());
    if (!noted.ok) throw new Error(noted.error);
    await store.replace(noted.escalation, stored.etag);
    const queued: string[] = [];
    const noteQueue = {
      queueNote: (escalationId: string, noteId: string) => {
        queued.push(`${escalationId}/${noteId}`);
        return Promise.resolve();
      },
    };

    clock.advance(NOTE_RESEND_AFTER_MS - 1_000);
    expect(await runStatusSync(deps({ noteQueue }))).toMatchObject({ notesResent: 0 });
    clock.advance(1_000);
    expect(await runStatusSync(deps({ noteQueue }))).toMatchObject({ notesResent: 1 });
    expect(queued).toEqual([`${ids[0] ?? ""}/note-1`]);

    // An attempt under way (or already sent) is the sender's to finish: never re-sent.
    const current = await store.get(ids[0] ?? "");
    if (current === undefined) throw new Error("lost");
    expect(notesToResend(markNoteSent(current.value, "note-1", undefined), clock.now())).toEqual([]);
  });

  it("when the partner's own notes come back in the read, then they are not taken for 21Vianet's", async () => {
    const { requests, deps, escalation } = await setUp(1);
    requests.states.set("SR-0", {
      status: "open",
      notes: [{ text: `Logs attached\n\n${partnerNoteMarker("p-1")}`, createdAt: "2026-12-01T08:10:00.000Z" }],
    });
    expect(await runStatusSync(deps())).toMatchObject({ changed: 0 });
    expect((await escalation(0)).notes ?? []).toEqual([]);
  });

  it("when the budget is smaller than the backlog, then the oldest-synced go first and every one is visited in turn", async () => {
    const { requests, deps, clock } = await setUp(5);

    await runStatusSync(deps({ maxRequests: 2 }));
    clock.advance(600_000);
    await runStatusSync(deps({ maxRequests: 2 }));
    clock.advance(600_000);
    await runStatusSync(deps({ maxRequests: 2 }));

    expect(requests.reads).toEqual(["SR-0", "SR-1", "SR-2", "SR-3", "SR-4", "SR-0"]);
  });

  it("when several calls run at once, then the run never spends more than its budget", async () => {
    const { requests, deps } = await setUp(10);
    const summary = await runStatusSync(deps({ maxRequests: 3, concurrency: 8 }));
    expect(summary.requests).toBe(3);
    expect(requests.reads).toHaveLength(3);
  });

  it("when one read fails, then the others are still read and the failed one goes to the back of the line", async () => {
    const { requests, deps, escalation, clock } = await setUp(3);
    requests.failures.set("SR-0", [{ kind: "unknown", reason: "no answer from Partner Center: timed out" }]);
    requests.states.set("SR-1", { status: "closed", notes: [] });

    const summary = await runStatusSync(deps({ concurrency: 1 }));

    expect(summary).toMatchObject({ requests: 3, visited: 2, failed: 1, changed: 1 });
    expect((await escalation(1)).status).toBe("closed");
    expect((await escalation(0)).vianet?.syncedAt).toBe(clock.now().toISOString());
  });

  it("when a storage write throws for one escalation, then the run goes on with the others", async () => {
    const { store, deps } = await setUp(3);
    store.faults.replace = 1;
    const summary = await runStatusSync(deps({ concurrency: 1 }));
    expect(summary).toMatchObject({ requests: 3, visited: 2, failed: 1 });
  });

  it("when Partner Center answers 429 with a Retry-After beyond the run's time, then the run stops and the rest keep their place", async () => {
    const { requests, deps } = await setUp(4);
    requests.failures.set("SR-1", [
      { kind: "transient", failure: "throttled", reason: "HTTP 429", retryAfterMs: 120_000 },
    ]);

    const summary = await runStatusSync(deps({ concurrency: 1, maxWaitMs: 60_000 }));

    expect(summary).toMatchObject({ requests: 2, visited: 1, throttled: { retryAfterMs: 120_000 } });
    expect(requests.reads).toEqual(["SR-0", "SR-1"]);
    // The next run starts with the throttled one: it never lost its place.
    await runStatusSync(deps({ maxRequests: 1 }));
    expect(requests.reads.at(-1)).toBe("SR-1");
  });

  it("when Partner Center answers 429 with a short Retry-After, then the run waits it out and carries on", async () => {
    const { requests, deps, pauses, escalation } = await setUp(3);
    requests.failures.set("SR-1", [
      { kind: "transient", failure: "throttled", reason: "HTTP 429", retryAfterMs: 5_000 },
    ]);
    requests.states.set("SR-1", { status: "closed", notes: [] });

    const summary = await runStatusSync(deps({ concurrency: 1 }));

    expect(pauses).toEqual([5_000]);
    expect(summary).toMatchObject({ requests: 4, visited: 3 });
    expect(summary.throttled).toBeUndefined();
    expect((await escalation(1)).status).toBe("closed");
  });

  it("when an escalation is closed (or its entry is stale), then its request is never read and the entry is dropped", async () => {
    const { requests, deps, schedule, store, ids, escalation } = await setUp(2);
    const closed = await store.get(ids[0] ?? "");
    if (closed === undefined) throw new Error("lost");
    await store.replace({ ...closed.value, status: "closed" }, closed.etag);
    schedule.stale.push({ escalationId: ids[0] ?? "", orderedBy: (await escalation(0)).createdAt });

    const summary = await runStatusSync(deps());

    expect(requests.reads).toEqual(["SR-1"]);
    expect(summary).toMatchObject({ requests: 1, dropped: 1 });
    expect(schedule.dropped).toHaveLength(1);
  });

  it("when a portal escalation is forwarded, then it takes no part in the sync", async () => {
    const { escalation } = await queuedEscalation();
    expect(isSyncable({ ...escalation, status: "forwarded", vianet: { channel: "portal", status: "forwarded" } })).toBe(
      false,
    );
  });
});

describe("applyServiceRequestState", () => {
  it("when Partner Center closed the request with a final note, then the note is kept before closed", async () => {
    const { escalation } = await setUp(1);
    const before = await escalation(0);
    const now = new Date("2026-12-02T00:00:00.000Z");
    const { escalation: after, changed } = applyServiceRequestState(
      before,
      { status: "closed", notes: [{ text: "Resolved.", createdAt: "2026-12-01T23:00:00.000Z" }] },
      now,
    );
    expect(changed).toBe(true);
    expect(after.status).toBe("closed");
    expect(after.notes?.map((note) => note.text)).toEqual(["Resolved."]);
  });

  it("when Partner Center says none or an unknown word, then the status stays", async () => {
    const { escalation } = await setUp(1);
    const before = await escalation(0);
    expect(applyServiceRequestState(before, { status: "none", notes: [] }, new Date()).changed).toBe(false);
  });
});
