// A partner's note reaches 21Vianet exactly once: a lost answer and a redelivery read the request's
// notes before sending again; definite failures are retried later; a refusal ends it.
import { describe, expect, it } from "vitest";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import { erasePersonalDataOf } from "../../../../shared/domain/escalations/personal-data-ports.js";
import { addPartnerNote } from "../../../../shared/domain/escalations/vianet-updates.js";
import { DEFAULT_BACKOFF } from "../../../../shared/domain/forwarding/backoff.js";
import {
  noteTextToSend,
  sendPartnerNote,
  type PartnerNoteMessage,
  type SendNoteDependencies,
} from "../../../../shared/domain/forwarding/send-partner-note.js";
import type {
  NoteOutcome,
  ReadOutcome,
  ServiceRequestNote,
  VianetServiceRequests,
} from "../../../../shared/domain/forwarding/service-requests.js";
import { queuedEscalation } from "./fakes.js";

/** 21Vianet's side of one request; each scripted answer is taken by the next call. */
class FakeRequest implements VianetServiceRequests {
  readonly notes: ServiceRequestNote[] = [];
  /** "lost": the note is added but the answer never comes back. */
  readonly noteAnswers: ("lost" | NoteOutcome)[] = [];
  readonly readAnswers: ReadOutcome[] = [];
  patches = 0;
  reads = 0;

  read(): Promise<ReadOutcome> {
    this.reads++;
    return Promise.resolve(
      this.readAnswers.shift() ?? { kind: "read", request: { status: "open", notes: structuredClone(this.notes) } },
    );
  }

  addNote(_id: string, text: string): Promise<NoteOutcome> {
    this.patches++;
    const answer = this.noteAnswers.shift();
    if (answer !== undefined && answer !== "lost") return Promise.resolve(answer);
    this.notes.push({ text });
    return Promise.resolve(
      answer === "lost"
        ? { kind: "unknown", reason: "no answer from Partner Center: connection reset" }
        : { kind: "added" },
    );
  }
}

async function setUp() {
  const { store, clock, escalation } = await queuedEscalation();
  const stored = await store.get(escalation.id);
  if (stored === undefined) throw new Error("lost");
  const forwarded: Escalation = {
    ...stored.value,
    status: "forwarded",
    vianet: { channel: "partner-center", serviceRequestId: "SR-1", status: "open" },
  };
  const noted = addPartnerNote(forwarded, { id: "p-1", text: "Message trace attached.", by: "desk" }, clock.now());
  if (!noted.ok) throw new Error(noted.error);
  await store.replace(noted.escalation, stored.etag);
  const request = new FakeRequest();
  const deps: SendNoteDependencies = { store, requests: request, clock, backoff: DEFAULT_BACKOFF, random: () => 0.5 };
  const message: PartnerNoteMessage = { kind: "partner-note", escalationId: escalation.id, noteId: "p-1" };
  const note = async () => (await store.get(escalation.id))?.value.notes?.find((each) => each.id === "p-1");
  return { deps, request, message, note, clock };
}

describe("sendPartnerNote", () => {
  it("when Partner Center takes the note, then it is sent once with its marker and marked sent", async () => {
    const { deps, request, message, note } = await setUp();
    expect(await sendPartnerNote(message, deps)).toEqual({ kind: "done", outcome: "sent" });
    expect(request.notes.map((each) => each.text)).toEqual(["Message trace attached.\n\n[note:p-1]"]);
    expect(await note()).toMatchObject({ delivery: "sent" });
    expect((await note())?.sendAttempt).toBeUndefined();
  });

  it("when the customer's personal data was erased before the note went out, then nothing is sent and the note is failed with a history entry saying why", async () => {
    const { deps, request, message, note, clock } = await setUp();
    await erasePersonalDataOf(deps.store, message.escalationId, {
      at: clock.now().toISOString(),
      reason: "request",
      by: "desk",
    });

    expect(await sendPartnerNote(message, deps)).toEqual({ kind: "done", outcome: "failed" });

    expect(request.patches).toBe(0);
    expect(await note()).toMatchObject({ delivery: "failed", text: "" });
    const history = (await deps.store.get(message.escalationId))?.value.history ?? [];
    expect(history.at(-1)).toMatchObject({ noteId: "p-1", detail: expect.stringContaining("erased") as unknown });
  });

  it("when the answer is lost and the message comes again (twice), then the notes are read and nothing is sent twice", async () => {
    const { deps, request, message, note } = await setUp();
    request.noteAnswers.push("lost");

    expect(await sendPartnerNote(message, deps)).toMatchObject({ kind: "retry", retry: 1 });
    expect(await note()).toMatchObject({ delivery: "queued" });
    expect((await note())?.sendAttempt).toBeDefined();
    expect(await sendPartnerNote(message, deps)).toEqual({ kind: "done", outcome: "sent" });
    expect(await sendPartnerNote(message, deps)).toEqual({ kind: "done", outcome: "already-settled" });

    expect(request.patches).toBe(1);
    expect(request.notes).toHaveLength(1);
    expect(await note()).toMatchObject({ delivery: "sent" });
  });

  it("when the send was lost before reaching 21Vianet, then the read finds nothing and the note is sent again", async () => {
    const { deps, request, message } = await setUp();
    request.noteAnswers.push({ kind: "unknown", reason: "no answer from Partner Center: timed out" });
    await sendPartnerNote(message, deps);
    expect(await sendPartnerNote(message, deps)).toEqual({ kind: "done", outcome: "sent" });
    expect(request.reads).toBe(1);
    expect(request.notes).toHaveLength(1);
  });

  it("when Partner Center throttles, then a retry is asked for no sooner than Retry-After and nothing is left open", async () => {
    const { deps, request, message, note } = await setUp();
    request.noteAnswers.push({ kind: "transient", failure: "throttled", reason: "HTTP 429", retryAfterMs: 45_000 });
    const result = await sendPartnerNote(message, deps);
    expect(result).toMatchObject({ kind: "retry", retry: 1 });
    expect(result.kind === "retry" && result.delayMs >= 45_000).toBe(true);
    expect((await note())?.sendAttempt).toBeUndefined();
    expect(await sendPartnerNote(message, deps)).toEqual({ kind: "done", outcome: "sent" });
    expect(request.reads).toBe(0);
  });

  it("when Partner Center refuses the note for good, then it is failed with a history entry asking for the portal", async () => {
    const { deps, request, message, note } = await setUp();
    request.noteAnswers.push({ kind: "permanent", code: "400", description: "NewNote: Text is required" });
    expect(await sendPartnerNote(message, deps)).toEqual({ kind: "done", outcome: "failed" });
    expect(await note()).toMatchObject({ delivery: "failed" });
  });

  it("when the note's text is sent, then it ends with the marker the sync leaves out", async () => {
    const { note } = await setUp();
    const queued = await note();
    if (queued === undefined) throw new Error("no note");
    expect(noteTextToSend(queued)).toBe("Message trace attached.\n\n[note:p-1]");
  });
});
