// An escalation as the bridge keeps it: the submitted request, where it stands in its lifecycle,
// and the history of every change. Statuses only move forward.
import { z } from "zod";
import { CriterionDecision } from "./criteria.js";
import { Severity, StoredEscalationRequest } from "./escalation-request.js";

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
  actor: z.string(),
  detail: z.string(),
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
  status: z.string(),
  code: z.string().optional(),
  description: z.string().optional(),
});
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
});
export type Escalation = z.infer<typeof Escalation>;

/** The queue message: a reference, never the escalation itself (the forwarder reads the store). */
export const EscalationMessage = z.strictObject({
  escalationId: z.string().min(1).max(128),
  correlationId: z.string().min(1).max(128),
});
export type EscalationMessage = z.infer<typeof EscalationMessage>;
