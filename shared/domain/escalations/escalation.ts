// An escalation as the bridge keeps it: the submitted request, where it stands in its lifecycle,
// and the history of every change. Statuses move forward, except that `forwarded` (21Vianet works
// on it) and `attention_needed` (21Vianet waits on the partner) may alternate until `closed`.
import { z } from "zod";
import { CriterionDecision } from "./criteria.js";
import { Severity, StoredEscalationRequest } from "./escalation-request.js";
import { PersonalDataErasure } from "./personal-data.js";

export const EscalationStatus = z.enum([
  "queued",
  "forwarded",
  "awaiting_portal",
  "rejected",
  "failed",
  "attention_needed",
  "closed",
]);
export type EscalationStatus = z.infer<typeof EscalationStatus>;

/** Where each status may go next; anything else is refused. */
const NEXT: Record<EscalationStatus, readonly EscalationStatus[]> = {
  queued: ["forwarded", "awaiting_portal", "rejected", "failed"],
  awaiting_portal: ["forwarded", "failed"],
  forwarded: ["attention_needed", "closed"],
  attention_needed: ["forwarded", "closed"],
  rejected: [],
  // Only an operator's replay takes a failed escalation back to queued (replay.ts).
  failed: ["queued"],
  closed: [],
};

export function canMove(from: EscalationStatus, to: EscalationStatus): boolean {
  return NEXT[from].includes(to);
}

export const HistoryEntry = z.object({
  at: z.iso.datetime(),
  from: EscalationStatus.nullable(),
  to: EscalationStatus,
  /** `21vianet`, a caller id, or `system`. */
  actor: z.string(),
  detail: z.string(),
  /** A note was added (by 21Vianet or the partner): its id in `notes`. `from` and `to` are then equal unless the same update moved the status too. */
  noteId: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;

/** Whether the queue message for an escalation has been sent: the outbox flag. */
export const Dispatch = z.enum(["pending", "sent"]);
export type Dispatch = z.infer<typeof Dispatch>;

/** A failed attempt to forward: throttled or unavailable at 21Vianet, no answer, or our credentials refused. */
export const AttemptFailure = z.object({
  kind: z.enum(["throttled", "unavailable", "authorisation", "unknown-outcome"]),
  at: z.iso.datetime(),
  /** A status or error code, never a raw error text. */
  reason: z.string(),
});
export type AttemptFailure = z.infer<typeof AttemptFailure>;

/** What the API shows of forwarding while it is retried: the attempts so far, the last failure and the next attempt. */
export const ForwardingProgress = z.object({
  attempts: z.number().int().min(0),
  lastFailure: AttemptFailure.optional(),
  nextAttemptAt: z.iso.datetime().optional(),
});
export type ForwardingProgress = z.infer<typeof ForwardingProgress>;

/** Where forwarding stands: the attempt count, and the open attempt when its outcome is not known. */
export const Forwarding = z.object({
  channel: z.enum(["partner-center", "portal"]),
  attempts: z.number().int().min(0),
  firstAttemptAt: z.iso.datetime(),
  /** Set before calling out and cleared once the outcome is recorded; its MS-RequestId is reused after an unknown outcome. */
  openAttempt: z.object({ requestId: z.string(), startedAt: z.iso.datetime() }).optional(),
  lastError: z.string().optional(),
  /** The last failed attempt's kind, when and why: what a person sees while it is retried. */
  lastFailure: AttemptFailure.optional(),
  /** When the scheduled retry is due: a delivery before it is a redelivery, never an attempt. */
  nextAttemptAt: z.iso.datetime().optional(),
  /** Retry messages scheduled so far: each one's number is in its MessageId, so none is taken for a duplicate. */
  retries: z.number().int().min(0).optional(),
});

/** An operator's last replay of a failed escalation: its message is confirmed sent once `sent` is true. */
export const Replay = z.object({
  retry: z.number().int().min(1),
  requestedAt: z.iso.datetime(),
  by: z.string(),
  sent: z.boolean(),
});
export type Replay = z.infer<typeof Replay>;
export type Forwarding = z.infer<typeof Forwarding>;

/** The 21Vianet side once forwarded (or refused). */
export const VianetReference = z.object({
  channel: z.enum(["partner-center", "portal"]),
  serviceRequestId: z.string().optional(),
  /** 21Vianet's own word for where it stands (Partner Center's status, or the status last reported). */
  status: z.string(),
  /** When 21Vianet's side last changed, as 21Vianet (or the person reporting it) dates it. */
  lastUpdatedAt: z.iso.datetime().optional(),
  /** When the status sync last read the service request (Partner Center channel): the sync visits the oldest first. */
  syncedAt: z.iso.datetime().optional(),
  code: z.string().optional(),
  description: z.string().optional(),
});

/** How a 21Vianet answer reached the bridge: read from Partner Center, or reported by a person or a flow. */
export const UpdateSource = z.enum(["partner-center", "portal", "email", "phone"]);
export type UpdateSource = z.infer<typeof UpdateSource>;

/**
 * A note on the escalation: from 21Vianet (read from Partner Center or reported), or from the
 * partner to 21Vianet. A partner's note is `queued` for the Partner Center channel until it is
 * `sent`, or listed for a person to add in the portal (`portal`).
 */
export const Note = z.object({
  id: z.string().min(1),
  at: z.iso.datetime(),
  author: z.enum(["21vianet", "partner"]),
  /** `21vianet`, or the caller that wrote or reported it. */
  actor: z.string(),
  source: UpdateSource.optional(),
  text: z.string(),
  /** `failed`: Partner Center refused the note for good, or it could not be sent within the retry budget (see the history). */
  delivery: z.enum(["queued", "sent", "portal", "failed"]).optional(),
  /** Partner Center's reference of a partner note once sent, when it gives one. */
  vianetNoteId: z.string().optional(),
  /**
   * Set before the note is sent and cleared once the answer is known: while set, the outcome of a
   * send is unknown, and the request's notes are read before it is sent again.
   */
  sendAttempt: z.object({ startedAt: z.iso.datetime() }).optional(),
  /** Retry messages scheduled so far for this note: each one's number is in its MessageId. */
  sendRetries: z.number().int().min(0).optional(),
});
export type Note = z.infer<typeof Note>;
export type VianetReference = z.infer<typeof VianetReference>;

/** What the lists of the HTTP API show of an escalation: the snapshot the list index rows keep. */
export const EscalationSummary = z.object({
  id: z.string().min(1),
  status: EscalationStatus,
  tenantId: z.string(),
  service: z.string(),
  severity: Severity,
  title: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type EscalationSummary = z.infer<typeof EscalationSummary>;

export const Escalation = z.object({
  id: z.string(),
  status: EscalationStatus,
  request: StoredEscalationRequest,
  callerId: z.string(),
  correlationId: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  dispatch: Dispatch,
  criteria: z.array(CriterionDecision),
  history: z.array(HistoryEntry),
  forwarding: Forwarding.optional(),
  vianet: VianetReference.optional(),
  replay: Replay.optional(),
  notes: z.array(Note).optional(),
  /** Set once its personal data was erased (retention or a request): the contact is gone and its text is empty. */
  erasure: PersonalDataErasure.optional(),
});
export type Escalation = z.infer<typeof Escalation>;

/** The queue message: a reference, never the escalation itself (the forwarder reads the store). */
export const EscalationMessage = z.strictObject({
  escalationId: z.string().min(1).max(128),
  correlationId: z.string().min(1).max(128),
});
export type EscalationMessage = z.infer<typeof EscalationMessage>;
