// Where a report's facts come from: each read covers the window (or, for the backlog and those
// waiting for 21Vianet, what is open now), never the whole history.
import type { StatusEvent } from "./status-event.js";
import type { DeadLetterFact, EscalationFact, GateFact } from "./report.js";

export interface MetricsSource {
  /** Status changes in [from, to). */
  statusEvents(from: Date, to: Date): Promise<StatusEvent[]>;
  /** Criteria-gate decisions in [from, to). */
  gateDecisions(from: Date, to: Date): Promise<GateFact[]>;
  /** Dead letters recorded in [from, to). */
  deadLetters(from: Date, to: Date): Promise<DeadLetterFact[]>;
  /** Escalations open now (queued or awaiting the portal). */
  openEscalations(): Promise<EscalationFact[]>;
  /** Escalations forwarded to 21Vianet that it has not answered yet (status `forwarded`, with `forwardedAt`). */
  waitingForVianet(): Promise<EscalationFact[]>;
}
