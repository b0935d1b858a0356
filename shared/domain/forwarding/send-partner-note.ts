// Sending a partner's note to 21Vianet on the Partner Center channel exactly once, whatever is
// redelivered or lost: an open-attempt marker is stored on the note before the PATCH, and after an
// unknown outcome the request's notes are read for the note's marker before it is sent again.
// Transient failures are retried by a new scheduled message (the caller sends it) within a budget.
import { z } from "zod";
import type { Escalation, HistoryEntry, Note } from "../escalations/escalation.js";
import { changeEscalation } from "../escalations/change-escalation.js";
import type { Clock, EscalationStore } from "../escalations/ports.js";
import { markNoteSent } from "../escalations/vianet-updates.js";
import { retryDelayMs, type BackoffPolicy } from "./backoff.js";
import { partnerNoteMarker, type NoteOutcome, type VianetServiceRequests } from "./service-requests.js";

/** The queue message that takes one partner note to 21Vianet: a reference, never the text. */
export const PartnerNoteMessage = z.strictObject({
  kind: z.literal("partner-note"),
  escalationId: z.string().min(1).max(128),
  noteId: z.string().min(1).max(128),
});
export type PartnerNoteMessage = z.infer<typeof PartnerNoteMessage>;

/** The hook the notes route calls once a partner note is recorded as `queued`. */
export interface PartnerNoteQueue {
  /** Sends the note's message; its MessageId names the note, so a re-send is dropped as a duplicate. */
  queueNote(escalationId: string, noteId: string): Promise<void>;
}

export interface NoteRetryQueue {
  /** Sends the note's message again at `at`, as its retry number `retry` (its own MessageId). */
  scheduleNoteRetry(message: PartnerNoteMessage, retry: number, at: Date): Promise<void>;
}

export interface SendNoteDependencies {
  store: Pick<EscalationStore, "get" | "replace">;
  requests: VianetServiceRequests;
  clock: Clock;
  backoff: BackoffPolicy;
  random?: () => number;
}

export type SendNoteResult =
  | { kind: "done"; outcome: "sent" | "already-settled" | "no-note" | "failed" }
  | { kind: "retry"; delayMs: number; retry: number; message: PartnerNoteMessage; reason: string }
  /** Someone kept changing the escalation: let the message be redelivered and look again. */
  | { kind: "conflict" };

/** The text 21Vianet receives: the partner's words, then the marker that identifies the note. */
export function noteTextToSend(note: Note): string {
  return `${note.text}\n\n${partnerNoteMarker(note.id)}`;
}

function noteOf(escalation: Escalation, noteId: string): Note | undefined {
  return escalation.notes?.find((note) => note.id === noteId && note.author === "partner");
}

function withNote(escalation: Escalation, noteId: string, change: (note: Note) => Note): Escalation {
  return {
    ...escalation,
    notes: (escalation.notes ?? []).map((note) => (note.id === noteId ? change(note) : note)),
  };
}

function failedNote(escalation: Escalation, noteId: string, why: string, at: string): Escalation {
  const entry: HistoryEntry = {
    at,
    from: escalation.status,
    to: escalation.status,
    actor: "system",
    detail: `the partner's note could not be sent to 21Vianet: ${why}; add it in the 21Vianet portal`,
    noteId,
  };
  const { history } = escalation;
  return {
    ...withNote(escalation, noteId, ({ sendAttempt: _closed, ...note }) => ({ ...note, delivery: "failed" })),
    history: [...history, entry],
  };
}

/** A queued note whose text was erased with the customer's personal data: never sent, and the history says why. */
function erasedNote(escalation: Escalation, noteId: string, at: string): Escalation {
  const entry: HistoryEntry = {
    at,
    from: escalation.status,
    to: escalation.status,
    actor: "system",
    detail: "the partner's note was not sent to 21Vianet: its text was erased with the customer's personal data",
    noteId,
  };
  return {
    ...withNote(escalation, noteId, ({ sendAttempt: _closed, ...note }) => ({ ...note, delivery: "failed" })),
    history: [...escalation.history, entry],
  };
}

/** Records one settled or failed send on the newest version of the escalation. */
async function settle(
  deps: SendNoteDependencies,
  escalationId: string,
  noteId: string,
  edit: (escalation: Escalation, note: Note) => Escalation,
): Promise<boolean> {
  const change = await changeEscalation(deps.store, escalationId, ({ value }) => {
    const note = noteOf(value, noteId);
    if (note?.delivery !== "queued") return { stop: false };
    return { write: edit(value, note), answer: true };
  });
  return change.ok;
}

export async function sendPartnerNote(
  message: PartnerNoteMessage,
  deps: SendNoteDependencies,
): Promise<SendNoteResult> {
  const stored = await deps.store.get(message.escalationId);
  const note = stored === undefined ? undefined : noteOf(stored.value, message.noteId);
  if (stored === undefined || note === undefined) return { kind: "done", outcome: "no-note" };
  if (note.delivery !== "queued") return { kind: "done", outcome: "already-settled" };
  const escalation = stored.value;
  const serviceRequestId = escalation.vianet?.serviceRequestId;
  const now = deps.clock.now().toISOString();
  // Erased on request before it went out: an empty note would tell 21Vianet nothing.
  if (escalation.erasure !== undefined && note.text === "" && note.sendAttempt === undefined) {
    const done = await settle(deps, escalation.id, note.id, (value) => erasedNote(value, note.id, now));
    return done ? { kind: "done", outcome: "failed" } : { kind: "conflict" };
  }
  if (escalation.vianet?.channel !== "partner-center" || serviceRequestId === undefined) {
    const done = await settle(deps, escalation.id, note.id, (value) =>
      failedNote(value, note.id, "the escalation has no Partner Center service request", now),
    );
    return done ? { kind: "done", outcome: "failed" } : { kind: "conflict" };
  }
  const marker = partnerNoteMarker(note.id);

  if (note.sendAttempt !== undefined) {
    // The last send's outcome is unknown: it may have reached 21Vianet. Look before sending again.
    const read = await deps.requests.read(serviceRequestId, escalation.correlationId);
    if (read.kind === "read") {
      if (read.request.notes.some((sent) => sent.text.includes(marker))) {
        const done = await settle(deps, escalation.id, note.id, (value) => markNoteSent(value, note.id, undefined));
        return done ? { kind: "done", outcome: "sent" } : { kind: "conflict" };
      }
    } else {
      return retryOrGiveUp(deps, stored.value, note, message, read, now);
    }
  }

  // The open attempt is stored before calling out: a crash after the PATCH leaves it for the next delivery.
  const opened = withNote(escalation, note.id, (value) => ({ ...value, sendAttempt: { startedAt: now } }));
  const marked = await deps.store.replace(opened, stored.etag);
  if (!marked.ok) return { kind: "conflict" };
  const outcome = await deps.requests.addNote(serviceRequestId, noteTextToSend(note), escalation.correlationId);
  if (outcome.kind === "added") {
    const done = await settle(deps, escalation.id, note.id, (value) => markNoteSent(value, note.id, undefined));
    return done ? { kind: "done", outcome: "sent" } : { kind: "conflict" };
  }
  return retryOrGiveUp(deps, opened, note, message, outcome, deps.clock.now().toISOString());
}

async function retryOrGiveUp(
  deps: SendNoteDependencies,
  escalation: Escalation,
  note: Note,
  message: PartnerNoteMessage,
  outcome: Exclude<NoteOutcome, { kind: "added" }>,
  at: string,
): Promise<SendNoteResult> {
  const reason = outcome.kind === "permanent" ? `${outcome.code} ${outcome.description}` : outcome.reason;
  const budgetSpent = Date.parse(at) - Date.parse(note.at) >= deps.backoff.budgetMs;
  if (outcome.kind === "permanent" || budgetSpent) {
    const done = await settle(deps, escalation.id, note.id, (value) =>
      failedNote(value, note.id, outcome.kind === "permanent" ? `21Vianet refused it (${reason})` : reason, at),
    );
    return done ? { kind: "done", outcome: "failed" } : { kind: "conflict" };
  }
  const retry = (note.sendRetries ?? 0) + 1;
  const delayMs = retryDelayMs(
    deps.backoff,
    retry,
    outcome.kind === "transient" ? outcome.retryAfterMs : undefined,
    deps.random,
  );
  // A definite answer leaves nothing open; an unknown one keeps the attempt, so the next one reads first.
  const saved = await settle(deps, escalation.id, note.id, (value) =>
    withNote(value, note.id, (current) => {
      const { sendAttempt, ...rest } = current;
      return {
        ...rest,
        sendRetries: retry,
        ...(outcome.kind === "unknown" && sendAttempt !== undefined ? { sendAttempt } : {}),
      };
    }),
  );
  if (!saved) return { kind: "conflict" };
  return { kind: "retry", delayMs, retry, message, reason };
}
