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

export type ChannelOutcome =
  | { kind: "created"; serviceRequestId: string; status: string }
  | { kind: "awaiting-portal"; portalPath: string }
  | { kind: "transient"; reason: string; retryAfterMs?: number; detail?: string }
  | { kind: "permanent"; code: string; description: string }
  /** Timeout or lost response: the request may or may not exist now. */
  | { kind: "unknown"; reason: string; detail?: string };

/*
 * `reason` is what the escalation's history may show: HTTP statuses and failure kinds (timeout,
 * unreachable, unauthorised, error), never a transport error's or token endpoint's own text,
 * which callers would read. That text, when there is one, is `detail`: logged and kept as the
 * escalation's internal lastError for operators.
 */

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
