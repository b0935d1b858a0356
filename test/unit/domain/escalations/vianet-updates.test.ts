// The lifecycle after forwarding: 21Vianet's answers move an escalation between forwarded and
// attention_needed until closed, notes are recorded once, and the partner's notes wait for their way
// to 21Vianet.
import { describe, expect, it } from "vitest";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import {
  VianetUpdateBody,
  addPartnerNote,
  markNoteSent,
  recordVianetUpdate,
  type VianetUpdate,
} from "../../../../shared/domain/escalations/vianet-updates.js";
import { queuedEscalation } from "../forwarding/fakes.js";

const NOW = new Date("2026-12-06T10:00:00.000Z");
const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

async function forwarded(channel: "partner-center" | "portal" = "partner-center"): Promise<Escalation> {
  const { escalation } = await queuedEscalation();
  return {
    ...escalation,
    status: "forwarded",
    vianet: { channel, serviceRequestId: "SR-1", status: "open" },
  };
}

function update(overrides: Partial<VianetUpdate> = {}): VianetUpdate {
  return { at: at(5), source: "partner-center", ...overrides };
}

function recorded(escalation: Escalation, change: VianetUpdate): Escalation {
  const result = recordVianetUpdate(escalation, change, at(10));
  if (!result.ok) throw new Error(`refused: ${result.error}`);
  return result.escalation;
}

describe("recordVianetUpdate", () => {
  it("when 21Vianet asks for information and later works on it again, then the status alternates with a history entry each time", async () => {
    let escalation = await forwarded();
    escalation = recorded(escalation, update({ status: "attention_needed", vianetStatus: "attention_needed" }));
    escalation = recorded(escalation, update({ status: "forwarded", at: at(8), vianetStatus: "open" }));
    escalation = recorded(escalation, update({ status: "closed", at: at(9), vianetStatus: "closed" }));
    expect(escalation.status).toBe("closed");
    expect(escalation.history.slice(-3).map((entry) => [entry.from, entry.to, entry.actor])).toEqual([
      ["forwarded", "attention_needed", "21vianet"],
      ["attention_needed", "forwarded", "21vianet"],
      ["forwarded", "closed", "21vianet"],
    ]);
    expect(escalation.vianet).toMatchObject({ status: "closed", lastUpdatedAt: at(9).toISOString() });
    expect(escalation.updatedAt).toBe(at(10).toISOString());
  });

  it("when the same note is read twice, then it is recorded once", async () => {
    const first = recorded(await forwarded(), update({ note: { text: "Please send the logs", id: "n-1" } }));
    const again = recordVianetUpdate(first, update({ note: { text: "Please send the logs", id: "n-1" } }), at(20));
    expect(again).toEqual({ ok: true, changed: false, escalation: first });
    expect(first.notes).toHaveLength(1);
    expect(first.notes?.[0]).toMatchObject({ author: "21vianet", actor: "21vianet", text: "Please send the logs" });
    expect(first.history.at(-1)).toMatchObject({
      from: "forwarded",
      to: "forwarded",
      noteId: first.notes?.[0]?.id,
    });
  });

  it("when a reported note has no id, then the same text at the same time is the same note, and another time is another", async () => {
    const reported = { source: "email" as const, reportedBy: "flow" };
    const once = recorded(await forwarded(), update({ ...reported, note: { text: "Looking into it" } }));
    expect(recordVianetUpdate(once, update({ ...reported, note: { text: "Looking into it" } }), NOW)).toMatchObject({
      changed: false,
    });
    const twice = recorded(once, update({ ...reported, at: at(6), note: { text: "Looking into it" } }));
    expect(twice.notes).toHaveLength(2);
    expect(twice.history.at(-1)?.detail).toBe("21Vianet added a note, reported by flow (email)");
  });

  it("when a status and a note come together, then both are recorded, the note under the new status", async () => {
    const escalation = recorded(
      await forwarded(),
      update({ status: "attention_needed", note: { text: "Which tenant?" } }),
    );
    expect(escalation.history.slice(-2).map((entry) => [entry.from, entry.to, entry.noteId === undefined])).toEqual([
      ["forwarded", "attention_needed", true],
      ["attention_needed", "attention_needed", false],
    ]);
  });

  it("when an older answer arrives after a newer one, then lastUpdatedAt keeps the newest time", async () => {
    const newer = recorded(await forwarded(), update({ status: "attention_needed", at: at(30) }));
    const older = recorded(newer, update({ note: { text: "earlier remark" }, at: at(1) }));
    expect(older.vianet?.lastUpdatedAt).toBe(at(30).toISOString());
  });

  it("when the escalation is closed, then a new status or note is refused and the same close again changes nothing", async () => {
    const closed = recorded(await forwarded(), update({ status: "closed" }));
    expect(recordVianetUpdate(closed, update({ status: "forwarded" }), NOW)).toEqual({
      ok: false,
      error: "closed",
      status: "closed",
    });
    expect(recordVianetUpdate(closed, update({ note: { text: "late" } }), NOW)).toMatchObject({ ok: false });
    expect(recordVianetUpdate(closed, update({ status: "closed" }), NOW)).toMatchObject({ ok: true, changed: false });
  });

  it.each(["queued", "awaiting_portal", "rejected", "failed"] as const)(
    "when the escalation is %s, then 21Vianet's answers are refused: it does not have it",
    async (status) => {
      const escalation = { ...(await forwarded()), status };
      expect(recordVianetUpdate(escalation, update({ status: "closed" }), NOW)).toEqual({
        ok: false,
        error: "not-with-21vianet",
        status,
      });
    },
  );
});

describe("VianetUpdateBody", () => {
  it("when neither status nor note is given, then it names the rule", () => {
    const parsed = VianetUpdateBody.safeParse({ source: "email" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe("give a status, a note, or both");
  });

  it("when a status outside 21Vianet's side or an unknown source is given, then it is refused", () => {
    expect(VianetUpdateBody.safeParse({ status: "rejected" }).success).toBe(false);
    expect(VianetUpdateBody.safeParse({ status: "closed", source: "partner-center" }).success).toBe(false);
    expect(VianetUpdateBody.parse({ note: " Done \n" })).toEqual({ note: "Done", source: "portal" });
  });
});

describe("addPartnerNote", () => {
  it("when the escalation went through Partner Center, then the note is queued to be sent, and marked sent once", async () => {
    const result = addPartnerNote(await forwarded(), { id: "p-1", text: "Logs attached", by: "desk" }, NOW);
    if (!result.ok) throw new Error(result.error);
    expect(result.note).toMatchObject({ author: "partner", actor: "desk", delivery: "queued" });
    expect(result.escalation.status).toBe("forwarded");
    expect(result.escalation.history.at(-1)).toMatchObject({ actor: "desk", noteId: "p-1" });
    const sent = markNoteSent(result.escalation, "p-1", "note-9");
    expect(sent.notes?.[0]).toMatchObject({ delivery: "sent", vianetNoteId: "note-9" });
  });

  it("when the escalation is with the portal, then the note is listed for a person to add there", async () => {
    const result = addPartnerNote(await forwarded("portal"), { id: "p-2", text: "Call me", by: "desk" }, NOW);
    expect(result.ok && result.note.delivery).toBe("portal");
  });

  it("when the escalation is closed or not yet with 21Vianet, then the note is refused", async () => {
    const base = await forwarded();
    expect(addPartnerNote({ ...base, status: "closed" }, { id: "x", text: "t", by: "d" }, NOW)).toMatchObject({
      ok: false,
      error: "closed",
    });
    expect(addPartnerNote({ ...base, status: "queued" }, { id: "x", text: "t", by: "d" }, NOW)).toMatchObject({
      ok: false,
      error: "not-with-21vianet",
    });
  });
});
