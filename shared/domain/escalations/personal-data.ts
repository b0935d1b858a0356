// The personal data an escalation holds, and its erasure (China's PIPL: the shortest retention the
// purpose needs, and deletion on request). Personal data is the contact (name, e-mail, phone) and
// the free text that may name people: title, description, first-line steps and note texts. What
// stays after erasure is what the metrics and an audit need: ids, the customer's tenant and name,
// service, severity, the criteria outcome, the status history with its times and 21Vianet's
// references. Erasing is a pure change of the escalation; the stores write it like any other.
import { z } from "zod";
import type { Escalation, EscalationStatus, HistoryEntry } from "./escalation.js";

/** Statuses an escalation stays in for good (a failed one only leaves through an operator's replay). */
export const FINAL_STATUSES = ["closed", "rejected", "failed"] as const satisfies readonly EscalationStatus[];
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export function isFinal(status: EscalationStatus): status is FinalStatus {
  return (FINAL_STATUSES as readonly EscalationStatus[]).includes(status);
}

/** Why personal data was erased: its retention ran out, or someone asked for it. */
export const ErasureReason = z.enum(["retention", "request"]);
export type ErasureReason = z.infer<typeof ErasureReason>;

/** When and why an escalation's personal data was last erased, and by whom (`data-retention` or a caller id). */
export const PersonalDataErasure = z.object({
  at: z.iso.datetime(),
  reason: ErasureReason,
  by: z.string().min(1),
});
export type PersonalDataErasure = z.infer<typeof PersonalDataErasure>;

/** Whether any personal data is still stored on the escalation (notes added after an erasure count). */
export function holdsPersonalData(escalation: Escalation): boolean {
  const { request } = escalation;
  return (
    request.contact !== undefined ||
    request.title !== "" ||
    request.description !== "" ||
    request.firstLineSupport.stepsTaken.length > 0 ||
    (escalation.notes ?? []).some((note) => note.text !== "")
  );
}

/**
 * When the escalation entered the final status it is in, or undefined while it is open. The last
 * history entry that moved it there: a replayed and failed-again escalation counts from its
 * second failure.
 */
export function finalSince(escalation: Escalation): string | undefined {
  if (!isFinal(escalation.status)) return undefined;
  const entered = escalation.history.findLast(
    (entry: HistoryEntry) => entry.to === escalation.status && entry.from !== escalation.status,
  );
  return entered?.at ?? escalation.updatedAt;
}

/** Whether the escalation is due for erasure at `now`: final for at least `retentionMs`, and still holding personal data. */
export function isDueForErasure(escalation: Escalation, now: Date, retentionMs: number): boolean {
  const since = finalSince(escalation);
  return since !== undefined && holdsPersonalData(escalation) && Date.parse(since) + retentionMs <= now.getTime();
}

/** An escalation not yet with 21Vianet when its data is erased on request: nothing can be forwarded any more. */
function withdrawable(escalation: Escalation): boolean {
  if (escalation.status === "awaiting_portal") return true;
  // An attempt in flight may have reached 21Vianet: the forwarder records its outcome as usual.
  return escalation.status === "queued" && escalation.forwarding?.openAttempt === undefined;
}

export interface ErasureResult {
  escalation: Escalation;
  /** Whether anything changed: an escalation erased before and untouched since is left as it is. */
  changed: boolean;
  /** The request erased an escalation 21Vianet had not received yet, which moved it to `failed`. */
  withdrawn: boolean;
}

/**
 * The escalation without its personal data, marked with when and why. Text becomes empty and the
 * contact goes; everything else stays. Erasing on request an escalation that 21Vianet has not
 * received yet withdraws it (`failed`, with the reason in its history): there is nothing left to
 * forward. Retention only erases final escalations, so never withdraws.
 */
export function erasePersonalData(escalation: Escalation, erasure: PersonalDataErasure): ErasureResult {
  if (!holdsPersonalData(escalation)) return { escalation, changed: false, withdrawn: false };
  const request = {
    ...escalation.request,
    title: "",
    description: "",
    firstLineSupport: { ...escalation.request.firstLineSupport, stepsTaken: [] },
  };
  delete request.contact;
  const withdrawn = erasure.reason === "request" && withdrawable(escalation);
  const erased: Escalation = {
    ...escalation,
    request,
    ...(escalation.notes === undefined ? {} : { notes: escalation.notes.map((note) => ({ ...note, text: "" })) }),
    updatedAt: erasure.at,
    erasure,
  };
  if (!withdrawn) return { escalation: erased, changed: true, withdrawn: false };
  const entry: HistoryEntry = {
    at: erasure.at,
    from: escalation.status,
    to: "failed",
    actor: erasure.by,
    detail: "withdrawn: the customer's personal data was erased on request before 21Vianet received the escalation",
  };
  return {
    escalation: { ...erased, status: "failed", history: [...escalation.history, entry] },
    changed: true,
    withdrawn: true,
  };
}

/** What an access request returns of one escalation: every piece of personal data it holds, with where it sits. */
export interface StoredPersonalData {
  escalationId: string;
  createdAt: string;
  status: EscalationStatus;
  contact?: { name: string; email: string; phone?: string };
  title: string;
  description: string;
  firstLineSteps: string[];
  partnerTicketId?: string;
  notes: { id: string; at: string; author: "21vianet" | "partner"; text: string }[];
  erasure?: PersonalDataErasure;
}

export function personalDataOf(escalation: Escalation): StoredPersonalData {
  const { request } = escalation;
  return {
    escalationId: escalation.id,
    createdAt: escalation.createdAt,
    status: escalation.status,
    ...(request.contact === undefined ? {} : { contact: request.contact }),
    title: request.title,
    description: request.description,
    firstLineSteps: request.firstLineSupport.stepsTaken,
    ...(request.partnerTicketId === undefined ? {} : { partnerTicketId: request.partnerTicketId }),
    notes: (escalation.notes ?? [])
      .filter((note) => note.text !== "")
      .map(({ id, at, author, text }) => ({ id, at, author, text })),
    ...(escalation.erasure === undefined ? {} : { erasure: escalation.erasure }),
  };
}
