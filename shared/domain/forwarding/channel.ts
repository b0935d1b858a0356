// How an escalation reaches 21Vianet: a channel behind this port. Partner Center's
// service-request API is the one public machine contract, but it is not documented for 21Vianet,
// so which channel serves which escalation is configuration (see routing.ts).
import type { Escalation } from "../escalations/escalation.js";

export type ChannelName = "partner-center" | "portal";

/** One attempt's identity: MS-RequestId is reused only when the last outcome was unknown. */
export interface AttemptContext {
  requestId: string;
  correlationId: string;
}

/**
 * Why an attempt will be tried again: 21Vianet asked us to slow down, was unavailable, or our
 * credentials were refused (a configuration problem on our side, never 21Vianet's refusal).
 */
export type TransientFailure = "throttled" | "unavailable" | "authorisation";

/** Every kind of failure an escalation being retried can show, an unknown outcome included. */
export type RetryFailure = TransientFailure | "unknown-outcome";

export type ChannelOutcome =
  | { kind: "created"; serviceRequestId: string; status: string }
  | { kind: "awaiting-portal"; portalPath: string }
  /**
   * Nothing was created. `reason` is short and safe to show: a status or error code, never a raw
   * error text; the error behind it, if any, is the `cause`, for the log only.
   */
  | { kind: "transient"; failure: TransientFailure; reason: string; retryAfterMs?: number; cause?: unknown }
  /** 21Vianet refused the escalation itself. */
  | { kind: "permanent"; code: string; description: string }
  /** Timeout or lost response: the request may or may not exist now. `cause`: the socket error, for the log only. */
  | { kind: "unknown"; reason: string; cause?: unknown };

export interface VianetChannel {
  readonly name: ChannelName;
  submit(escalation: Escalation, attempt: AttemptContext): Promise<ChannelOutcome>;
  /** After an unknown outcome: the request this escalation already created, if any. */
  findExisting(escalation: Escalation): Promise<{ serviceRequestId: string; status: string } | undefined>;
}

/** The marker every created request carries, so a lost response can be matched later. */
export function requestMarker(escalationId: string): string {
  return `[escalation:${escalationId}]`;
}
