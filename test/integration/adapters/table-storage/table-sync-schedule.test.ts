// The status sync's line in Table Storage: the escalation store keeps a row per open Partner
// Center escalation, ordered by its last sync, moved by each sync and removed when it closes.
import { describe, expect, it } from "vitest";
import { TableEscalationStore } from "../../../../shared/adapters/table-storage/table-escalation-store.js";
import { TableSyncSchedule } from "../../../../shared/adapters/table-storage/table-sync-schedule.js";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import { FakeClock, SequentialIds } from "../../../unit/domain/escalations/fakes.js";
import { queuedEscalation } from "../../../unit/domain/forwarding/fakes.js";
import { freshTable } from "./fresh-table.js";

const table = freshTable("syncline");
const store = new TableEscalationStore(table);
const schedule = new TableSyncSchedule(table);
const clock = new FakeClock("2026-12-01T08:00:00.000Z");
const ids = new SequentialIds();

/** A queued escalation stored in Azurite, then forwarded through `channel`. */
async function forwarded(channel: "partner-center" | "portal"): Promise<Escalation> {
  const { escalation } = await queuedEscalation({ clock, ids });
  const created = await store.create(escalation);
  clock.advance(60_000);
  const next: Escalation = {
    ...escalation,
    status: "forwarded",
    dispatch: "sent",
    vianet: { channel, ...(channel === "portal" ? {} : { serviceRequestId: `SR-${escalation.id}` }), status: "open" },
  };
  const saved = await store.replace(next, created.etag);
  if (!saved.ok) throw new Error(saved.error);
  return next;
}

async function change(escalation: Escalation, edit: (value: Escalation) => Escalation): Promise<void> {
  const stored = await store.get(escalation.id);
  if (stored === undefined) throw new Error("lost");
  const saved = await store.replace(edit(stored.value), stored.etag);
  if (!saved.ok) throw new Error(saved.error);
}

describe("TableSyncSchedule", () => {
  it("when escalations are forwarded through Partner Center, then the line holds them oldest first; portal ones are not in it", async () => {
    const first = await forwarded("partner-center");
    await forwarded("portal");
    const third = await forwarded("partner-center");

    expect((await schedule.oldestSynced(10)).map((entry) => entry.escalationId)).toEqual([first.id, third.id]);
    expect(await schedule.oldestSynced(1)).toEqual([{ escalationId: first.id, orderedBy: first.createdAt }]);
  });

  it("when an escalation is synced, then it moves to the back; when it closes, it leaves the line", async () => {
    const [head] = await schedule.oldestSynced(1);
    if (head === undefined) throw new Error("empty line");
    const stored = await store.get(head.escalationId);
    if (stored === undefined) throw new Error("lost");
    const syncedAt = "2026-12-02T00:00:00.000Z";
    await change(stored.value, (value) =>
      value.vianet === undefined ? value : { ...value, vianet: { ...value.vianet, syncedAt } },
    );
    const line = await schedule.oldestSynced(10);
    expect(line.at(-1)).toEqual({ escalationId: head.escalationId, orderedBy: syncedAt });
    expect(line.filter((entry) => entry.escalationId === head.escalationId)).toHaveLength(1);

    await change(stored.value, (value) => ({ ...value, status: "closed" }));
    expect((await schedule.oldestSynced(10)).map((entry) => entry.escalationId)).not.toContain(head.escalationId);
  });

  it("when an escalation's row was dropped before a sync moves it, then the sync's row is written all the same", async () => {
    const escalation = await forwarded("partner-center");
    const [entry] = (await schedule.oldestSynced(100)).filter((line) => line.escalationId === escalation.id);
    if (entry === undefined) throw new Error("not in the line");
    await schedule.drop(entry);
    const syncedAt = "2026-12-03T00:00:00.000Z";

    await change(escalation, (value) =>
      value.vianet === undefined ? value : { ...value, vianet: { ...value.vianet, syncedAt } },
    );

    expect((await schedule.oldestSynced(100)).filter((line) => line.escalationId === escalation.id)).toEqual([
      { escalationId: escalation.id, orderedBy: syncedAt },
    ]);
  });

  it("when an entry is dropped, then it is gone from the line", async () => {
    const [head] = await schedule.oldestSynced(1);
    if (head === undefined) throw new Error("empty line");
    await schedule.drop(head);
    expect((await schedule.oldestSynced(10)).map((entry) => entry.escalationId)).not.toContain(head.escalationId);
  });
});
