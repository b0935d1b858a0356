// The way back from 21Vianet on the Partner Center channel: reading a service request's status and
// notes, and adding a partner's note to it. A port with no SDK or HTTP types; every answer is an
// outcome classified by Partner Center's retry rules, as the channel's create call is.
import type { TransientFailure } from "./channel.js";

/** A note on a service request, as 21Vianet's side shows it. Partner Center gives notes no id. */
export interface ServiceRequestNote {
  /** The note's own id, when the service gives one. */
  id?: string;
  text: string;
  /** ISO time, when the service dates it. */
  createdAt?: string;
  createdByName?: string;
}

export interface ServiceRequestState {
  /** Partner Center's word: `open`, `attention_needed`, `closed` (or `none`). */
  status: string;
  /** Oldest first. */
  notes: ServiceRequestNote[];
  /** ISO time of the request's last change, when the service dates it. */
  lastModifiedAt?: string;
}

/** A call that did not succeed; `reason` is short and safe to keep or log, never a raw error text. */
export type ServiceRequestFailure =
  /** Definitely not applied: throttled (429), unavailable (503) or our credentials refused. */
  | { kind: "transient"; failure: TransientFailure; reason: string; retryAfterMs?: number }
  /** Refused for good (400, 404...): trying again changes nothing. */
  | { kind: "permanent"; code: string; description: string }
  /** No answer, a timeout or a server error: a change may or may not have been applied. */
  | { kind: "unknown"; reason: string; cause?: unknown };

export type ReadOutcome = { kind: "read"; request: ServiceRequestState } | ServiceRequestFailure;
export type NoteOutcome = { kind: "added" } | ServiceRequestFailure;

export interface VianetServiceRequests {
  /** `GET /v1/servicerequests/{id}`. */
  read(serviceRequestId: string, correlationId: string): Promise<ReadOutcome>;
  /** `PATCH /v1/servicerequests/{id}` with `NewNote`: a note 21Vianet's engineer sees. */
  addNote(serviceRequestId: string, text: string, correlationId: string): Promise<NoteOutcome>;
}

/** The marker a partner's note carries when sent, so the sync never takes it for 21Vianet's and a lost answer can be checked. */
export function partnerNoteMarker(noteId: string): string {
  return `[note:${noteId}]`;
}

/** Whether a note read back is one of the partner's own, sent by the bridge. */
export function isPartnerNote(text: string): boolean {
  return /\[note:[^\]\s]+\]\s*$/.test(text);
}
