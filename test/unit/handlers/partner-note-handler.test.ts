// POST /api/escalations/{id}/notes: the partner's note to 21Vianet, recorded at once; queued for the
// Partner Center channel, listed in the portal case for the portal channel.
import { describe, expect, it } from "vitest";
import { makeAddPartnerNoteHandler, type PartnerNoteQueue } from "../../../shared/handlers/partner-note-handler.js";
import { makeRecordVianetUpdateHandler } from "../../../shared/handlers/vianet-update-handler.js";
import { EscalationView } from "../../../shared/http/api-schemas.js";
import { InMemoryIdempotencyStore } from "../domain/escalations/fakes.js";
import { awaitingPortal, queuedEscalation } from "../domain/forwarding/fakes.js";
import { callers } from "./callers.js";
import { context, forwardedThroughPartnerCenter, forwardedThroughPortal, post, problemOf } from "./vianet-fixtures.js";

const note = (id: string, body: unknown, options?: Parameters<typeof post>[3]) =>
  post(`escalations/${id}/notes`, { id }, body, options);
const ctx = () => context("escalations-notes-post");

class RecordingNoteQueue implements PartnerNoteQueue {
  readonly queued: [string, string][] = [];

  queueNote(escalationId: string, noteId: string): Promise<void> {
    this.queued.push([escalationId, noteId]);
    return Promise.resolve();
  }
}

function sequentialNoteIds() {
  let next = 1;
  return () => `p-${next++}`;
}

async function onPartnerCenter() {
  const forwarded = await forwardedThroughPartnerCenter();
  const noteQueue = new RecordingNoteQueue();
  const handler = makeAddPartnerNoteHandler({
    store: forwarded.store,
    idempotency: forwarded.idempotency,
    callers,
    clock: forwarded.clock,
    newNoteId: sequentialNoteIds(),
    noteQueue,
  });
  return { ...forwarded, noteQueue, handler };
}

describe("POST /api/escalations/{id}/notes", () => {
  it("when the escalation went through Partner Center, then 202 with the note queued for 21Vianet, handed to the note queue, and the status unchanged", async () => {
    const { handler, store, noteQueue, clock, escalation } = await onPartnerCenter();
    const response = await handler(note(escalation.id, { text: "Logs attached to the partner ticket" }), ctx());
    expect(response.status).toBe(202);
    expect(response.headers).toMatchObject({ etag: (await store.get(escalation.id))?.etag });
    const view = EscalationView.parse(response.jsonBody);
    expect(view.status).toBe("forwarded");
    expect(view.notes).toEqual([
      {
        id: "p-1",
        at: clock.now().toISOString(),
        author: "partner",
        text: "Logs attached to the partner ticket",
        delivery: "queued",
      },
    ]);
    expect(view.history.at(-1)).toMatchObject({
      from: "forwarded",
      to: "forwarded",
      actor: "contoso-desk",
      noteId: "p-1",
    });
    expect(view.portalCase).toBeUndefined();
    expect(noteQueue.queued).toEqual([[escalation.id, "p-1"]]);
  });

  it("when no note queue is given yet, then the note waits in the escalation as queued", async () => {
    const forwarded = await forwardedThroughPartnerCenter();
    const handler = makeAddPartnerNoteHandler({ ...forwarded, callers });
    const response = await handler(note(forwarded.escalation.id, { text: "Any news?" }), ctx());
    expect(response.status).toBe(202);
    expect((await forwarded.store.get(forwarded.escalation.id))?.value.notes).toMatchObject([
      { author: "partner", delivery: "queued", id: expect.stringMatching(/^p-/) as unknown },
    ]);
  });

  it("when the escalation went through the portal, then the note is listed in portalCase to add in the portal, and nothing is queued", async () => {
    const { store, clock, idempotency, escalation } = await forwardedThroughPortal();
    const noteQueue = new RecordingNoteQueue();
    const handler = makeAddPartnerNoteHandler({
      store,
      idempotency,
      callers,
      clock,
      noteQueue,
      newNoteId: () => "p-7",
    });
    const response = await handler(note(escalation.id, { text: "The customer is available after 14:00" }), ctx());
    expect(response.status).toBe(202);
    const view = EscalationView.parse(response.jsonBody);
    expect(view.notes).toMatchObject([{ id: "p-7", delivery: "portal" }]);
    expect(view.portalCase?.notesToAdd).toEqual([
      { id: "p-7", at: clock.now().toISOString(), text: "The customer is available after 14:00" },
    ]);
    expect(noteQueue.queued).toEqual([]);
  });

  it("when the escalation still awaits the portal, then the note is part of the case package the person submits", async () => {
    const { store, clock, escalation } = await awaitingPortal();
    const handler = makeAddPartnerNoteHandler({ store, idempotency: new InMemoryIdempotencyStore(), callers, clock });
    const response = await handler(note(escalation.id, { text: "Also affects Teams" }), ctx());
    expect(EscalationView.parse(response.jsonBody).portalCase?.notesToAdd).toMatchObject([
      { text: "Also affects Teams" },
    ]);
  });

  it("when the portal case is closed, then notes are refused with 409 naming the status, and the view lists no portal case", async () => {
    const { store, clock, idempotency, escalation } = await forwardedThroughPortal();
    const handler = makeAddPartnerNoteHandler({ store, idempotency, callers, clock });
    await handler(note(escalation.id, { text: "before closing" }), ctx());
    const closed = await makeRecordVianetUpdateHandler({ store, idempotency, callers, clock })(
      post(`escalations/${escalation.id}/vianet-updates`, { id: escalation.id }, { status: "closed" }),
      ctx(),
    );
    expect(EscalationView.parse(closed.jsonBody).portalCase).toBeUndefined();
    const refused = await handler(note(escalation.id, { text: "after closing" }), ctx());
    expect(refused.status).toBe(409);
    expect(problemOf(refused)).toMatchObject({
      type: expect.stringContaining("escalation-closed") as unknown,
      escalationStatus: "closed",
    });
    expect((await store.get(escalation.id))?.value.notes).toHaveLength(1);
  });

  it("when the escalation is still queued, then 409 not-with-21vianet and nothing changes", async () => {
    const { store, clock, escalation } = await queuedEscalation();
    const handler = makeAddPartnerNoteHandler({ store, idempotency: new InMemoryIdempotencyStore(), callers, clock });
    const before = await store.get(escalation.id);
    const response = await handler(note(escalation.id, { text: "hello" }), ctx());
    expect(response.status).toBe(409);
    expect(problemOf(response)).toMatchObject({ escalationStatus: "queued" });
    expect(await store.get(escalation.id)).toEqual(before);
  });

  it("when the note is sent again with its Idempotency-Key, then the same answer, one note, and the note queue hears of it once", async () => {
    const { handler, store, noteQueue, escalation } = await onPartnerCenter();
    const first = await handler(note(escalation.id, { text: "Any news?" }, { idempotencyKey: "n-1" }), ctx());
    const again = await handler(note(escalation.id, { text: "Any news?" }, { idempotencyKey: "n-1" }), ctx());
    expect(again.status).toBe(202);
    expect(again.jsonBody).toEqual(first.jsonBody);
    expect(again.headers).toMatchObject({ "idempotent-replayed": "true" });
    expect((await store.get(escalation.id))?.value.notes).toHaveLength(1);
    expect(noteQueue.queued).toHaveLength(1);
    const other = await handler(note(escalation.id, { text: "Another" }, { idempotencyKey: "n-1" }), ctx());
    expect(other.status).toBe(422);
  });

  it("when the first attempt's answer was lost, then the retry keeps the reserved note id: one note, handed to the queue again", async () => {
    const { handler, store, noteQueue, idempotency, escalation } = await onPartnerCenter();
    idempotency.failCompletions = 1;
    await handler(note(escalation.id, { text: "Any news?" }, { idempotencyKey: "n-2" }), ctx());
    idempotency.abandon("contoso-desk", "n-2");
    const retried = await handler(note(escalation.id, { text: "Any news?" }, { idempotencyKey: "n-2" }), ctx());
    expect(retried.status).toBe(202);
    expect((await store.get(escalation.id))?.value.notes?.map((stored) => stored.id)).toEqual(["p-1"]);
    expect(noteQueue.queued).toEqual([
      [escalation.id, "p-1"],
      [escalation.id, "p-1"],
    ]);
  });

  it.each([
    [{}, "text"],
    [{ text: "" }, "text"],
    [{ text: "\u200B" }, "text"],
    [{ text: "x".repeat(4_001) }, "text"],
    [{ text: 42 }, "text"],
    [{ text: "ok", delivery: "sent" }, "delivery"],
  ])("when the body is %j, then 400 naming %s and nothing changes", async (body, field) => {
    const { handler, store, escalation } = await onPartnerCenter();
    const before = await store.get(escalation.id);
    const response = await handler(note(escalation.id, body), ctx());
    expect(response.status).toBe(400);
    expect(problemOf(response)).toMatchObject({ type: expect.stringContaining("invalid-note") as unknown });
    expect(problemOf(response)["invalid-params"]).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: field })]),
    );
    expect(await store.get(escalation.id)).toEqual(before);
  });

  it("when another customer's caller, an unknown id or an unknown key asks, then 404, 404 and 401, and nothing changes", async () => {
    const { handler, store, noteQueue, escalation } = await onPartnerCenter();
    const before = await store.get(escalation.id);
    expect((await handler(note(escalation.id, { text: "x" }, { key: "fabrikam-key" }), ctx())).status).toBe(404);
    expect((await handler(note("esc-none", { text: "x" }), ctx())).status).toBe(404);
    expect((await handler(note(escalation.id, { text: "x" }, { key: "stranger" }), ctx())).status).toBe(401);
    expect(await store.get(escalation.id)).toEqual(before);
    expect(noteQueue.queued).toEqual([]);
  });
});
