// What 21Vianet answers, and the partner's notes to 21Vianet: the lifecycle after forwarding.
// 21Vianet's side moves an escalation between `forwarded` (it works on it) and `attention_needed`
// (it waits on the partner) until `closed`, which is final. Every answer is a history entry with
// its time and actor; a note is recorded once, however often the same note is read or reported.
import { createHash } from "node:crypto";
import { z } from "zod";
import { cleanText } from "./clean-text.js";
import { canMove, UpdateSource, type Escalation, type HistoryEntry, type Note } from "./escalation.js";

/** The statuses 21Vianet's side may report. */
export const VianetStatus = z.enum(["forwarded", "attention_needed", "closed"]);
export type VianetStatus = z.infer<typeof VianetStatus>;

/** The most a note holds: Partner Center's notes are short, and a longer text belongs in an attachment. */
export const NOTE_MAX_LENGTH = 4_000;

/** The body of `POST /api/escalations/{id}/vianet-updates` and `POST /api/vianet-cases/{caseNumber}/updates`. */
export const VianetUpdateBody = z
  .strictObject({
    status: VianetStatus.optional(),
    note: cleanText({ max: NOTE_MAX_LENGTH }).optional(),
    /** When 21Vianet said it; now when absent. */
    at: z.iso.datetime({ offset: true }).optional(),
    source: UpdateSource.exclude(["partner-center"]).default("portal"),
  })
  .refine((body) => body.status !== undefined || body.note !== undefined, {
    error: "give a status, a note, or both",
    path: ["status"],
  });
export type VianetUpdateBody = z.infer<typeof VianetUpdateBody>;

/** The body of `POST /api/escalations/{id}/notes`. */
export const PartnerNoteBody = z.strictObject({
  text: cleanText({ max: NOTE_MAX_LENGTH }),
});
export type PartnerNoteBody = z.infer<typeof PartnerNoteBody>;

/** One answer from 21Vianet, however it came. */
export interface VianetUpdate {
  status?: VianetStatus;
  /** 21Vianet's own word for the status, kept as `vianet.status` (Partner Center's, e.g. "attention_needed"); the status itself when absent. */
  vianetStatus?: string;
  note?: { text: string; /** 21Vianet's own id of the note, when it has one. */ id?: string };
  at: Date;
  source: UpdateSource;
  /** The caller that reported it; absent when the bridge read it from Partner Center itself. */
  reportedBy?: string;
}

export type UpdateRefusal = "not-with-21vianet" | "closed";

export type UpdateResult =
  | { ok: true; changed: boolean; escalation: Escalation }
  | { ok: false; error: UpdateRefusal; status: Escalation["status"] };

/** Where 21Vianet has the escalation: only these take its answers. */
const WITH_VIANET: ReadonlySet<Escalation["status"]> = new Set(["forwarded", "attention_needed", "closed"]);

/**
 * A note's id: 21Vianet's own when it gives one, else derived from what the note says and when,
 * so the same note read twice (or reported twice) is recorded once.
 */
export function vianetNoteId(note: { text: string; id?: string }, at: Date, source: UpdateSource): string {
  const basis = note.id === undefined ? `${source}|${at.toISOString()}|${note.text}` : `id|${note.id}`;
  return `v-${createHash("sha256").update(basis).digest("hex").slice(0, 24)}`;
}

/** Records 21Vianet's answer: a status change, a note, or both; the same answer again changes nothing. */
export function recordVianetUpdate(escalation: Escalation, update: VianetUpdate, now: Date): UpdateResult {
  if (!WITH_VIANET.has(escalation.status)) return { ok: false, error: "not-with-21vianet", status: escalation.status };
  const notes = escalation.notes ?? [];
  const noteId = update.note === undefined ? undefined : vianetNoteId(update.note, update.at, update.source);
  const newNote =
    update.note !== undefined && noteId !== undefined && !notes.some((note) => note.id === noteId)
      ? { id: noteId, text: update.note.text }
      : undefined;
  const moves = update.status !== undefined && update.status !== escalation.status;
  if (!moves && newNote === undefined) return { ok: true, changed: false, escalation };
  if (escalation.status === "closed") return { ok: false, error: "closed", status: escalation.status };
  if (moves && update.status !== undefined && !canMove(escalation.status, update.status))
    return { ok: false, error: "closed", status: escalation.status };

  const at = update.at.toISOString();
  const to = update.status ?? escalation.status;
  const how =
    update.reportedBy === undefined
      ? `read from ${update.source}`
      : `reported by ${update.reportedBy} (${update.source})`;
  const entries: HistoryEntry[] = [];
  if (moves)
    entries.push({
      at,
      from: escalation.status,
      to,
      actor: "21vianet",
      detail: `21Vianet: ${STATUS_WORDS[to]}, ${how}`,
    });
  const added: Note[] = [];
  if (newNote !== undefined) {
    added.push({
      id: newNote.id,
      at,
      author: "21vianet",
      actor: "21vianet",
      source: update.source,
      text: newNote.text,
    });
    entries.push({ at, from: to, to, actor: "21vianet", detail: `21Vianet added a note, ${how}`, noteId: newNote.id });
  }
  const vianet = escalation.vianet;
  const lastUpdatedAt = vianet?.lastUpdatedAt !== undefined && vianet.lastUpdatedAt > at ? vianet.lastUpdatedAt : at;
  return {
    ok: true,
    changed: true,
    escalation: {
      ...escalation,
      status: to,
      updatedAt: now.toISOString(),
      ...(vianet === undefined
        ? {}
        : { vianet: { ...vianet, status: moves ? (update.vianetStatus ?? to) : vianet.status, lastUpdatedAt } }),
      notes: [...notes, ...added],
      history: [...escalation.history, ...entries],
    },
  };
}

const STATUS_WORDS: Record<Escalation["status"], string> = {
  queued: "queued",
  forwarded: "working on it",
  awaiting_portal: "waiting for the portal",
  rejected: "refused",
  failed: "failed",
  attention_needed: "waiting on the partner",
  closed: "closed",
};

/** Where a partner's note may be added: 21Vianet has the escalation, or a person is about to hand it over. */
const TAKES_PARTNER_NOTES: ReadonlySet<Escalation["status"]> = new Set([
  "forwarded",
  "attention_needed",
  "awaiting_portal",
]);

export type PartnerNoteResult =
  | { ok: true; escalation: Escalation; note: Note }
  | { ok: false; error: "not-with-21vianet" | "closed"; status: Escalation["status"] };

/**
 * The partner's note to 21Vianet, recorded at once. On the Partner Center channel it is queued to
 * be sent as a note of the service request; on the portal channel a person adds it in the portal.
 * It does not move the status: 21Vianet's side does.
 */
export function addPartnerNote(
  escalation: Escalation,
  note: { id: string; text: string; by: string },
  now: Date,
): PartnerNoteResult {
  if (escalation.status === "closed") return { ok: false, error: "closed", status: escalation.status };
  if (!TAKES_PARTNER_NOTES.has(escalation.status))
    return { ok: false, error: "not-with-21vianet", status: escalation.status };
  const at = now.toISOString();
  const channel = escalation.vianet?.channel ?? escalation.forwarding?.channel ?? "portal";
  const added: Note = {
    id: note.id,
    at,
    author: "partner",
    actor: note.by,
    text: note.text,
    delivery: channel === "partner-center" ? "queued" : "portal",
  };
  const entry: HistoryEntry = {
    at,
    from: escalation.status,
    to: escalation.status,
    actor: note.by,
    detail:
      added.delivery === "queued"
        ? "the partner added a note, to be sent to 21Vianet"
        : "the partner added a note, to add in the 21Vianet portal",
    noteId: note.id,
  };
  return {
    ok: true,
    note: added,
    escalation: {
      ...escalation,
      updatedAt: at,
      notes: [...(escalation.notes ?? []), added],
      history: [...escalation.history, entry],
    },
  };
}

/** A queued partner note was sent to 21Vianet: marked so it is never sent again. */
export function markNoteSent(escalation: Escalation, noteId: string, vianetNoteId: string | undefined): Escalation {
  return {
    ...escalation,
    notes: (escalation.notes ?? []).map((note) => {
      if (note.id !== noteId || note.delivery !== "queued") return note;
      // The send is settled: no attempt is open any more.
      const rest = { ...note };
      delete rest.sendAttempt;
      return { ...rest, delivery: "sent", ...(vianetNoteId === undefined ? {} : { vianetNoteId }) };
    }),
  };
}
