// What operators are told as escalations move: accepted or refused at the door, then forwarded,
// rejected by 21Vianet or failed. An adapter turns these into metrics; the events carry ids,
// codes and configured names only, never a customer's name, a contact, a title or a description.
import type { EscalationRequest } from "./escalation-request.js";

export interface AcceptedEvent {
  escalationId: string;
  correlationId: string;
  callerId: string;
  service: string;
  severity: EscalationRequest["severity"];
}

export interface RefusedEvent {
  callerId: string;
  /** The kind of refusal the intake answered, e.g. `invalid` or `criteria-unmet`. */
  reason: string;
}

export interface ForwardedEvent {
  escalationId: string;
  correlationId: string;
  channel: string;
  severity: EscalationRequest["severity"];
  /** From acceptance to 21Vianet's confirmation, retries included. */
  timeToForwardMs: number;
}

export interface RejectedEvent {
  escalationId: string;
  correlationId: string;
  channel: string;
  /** 21Vianet's error code, or the HTTP status when it gave none. */
  code: string;
}

export interface FailedEvent {
  escalationId: string;
  reason: "retry-budget-spent" | "dead-letter";
}

export interface EscalationTelemetry {
  accepted(event: AcceptedEvent): void;
  refused(event: RefusedEvent): void;
  forwarded(event: ForwardedEvent): void;
  rejected(event: RejectedEvent): void;
  failed(event: FailedEvent): void;
}

/** For runs without telemetry, and tests that do not look at it. */
export const noTelemetry: EscalationTelemetry = {
  accepted: () => undefined,
  refused: () => undefined,
  forwarded: () => undefined,
  rejected: () => undefined,
  failed: () => undefined,
};
