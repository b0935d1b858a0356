// What the stored records tell a report: an escalation's submission, forwarding and refusal
// times come from its history, a gate decision's unmet criteria from its decisions.
import type { Escalation } from "../escalations/escalation.js";
import type { GateDecision } from "../escalations/ports.js";
import type { DeadLetterEntry } from "../forwarding/ports.js";
import type { DeadLetterFact, EscalationFact, GateFact } from "./report.js";

export function escalationFact(escalation: Escalation): EscalationFact {
  const firstTo = (status: Escalation["status"]) => escalation.history.find((entry) => entry.to === status)?.at;
  const forwardedAt = firstTo("forwarded");
  const rejectedAt = firstTo("rejected");
  const channel = escalation.vianet?.channel ?? escalation.forwarding?.channel;
  return {
    id: escalation.id,
    tenantId: escalation.request.customer.tenantId,
    customerName: escalation.request.customer.name,
    service: escalation.request.service,
    severity: escalation.request.severity,
    status: escalation.status,
    submittedAt: escalation.createdAt,
    ...(channel === undefined ? {} : { channel }),
    ...(forwardedAt === undefined ? {} : { forwardedAt }),
    ...(rejectedAt === undefined ? {} : { rejectedAt }),
    ...(escalation.vianet?.code === undefined ? {} : { vianetCode: escalation.vianet.code }),
  };
}

export function gateFact(decision: GateDecision): GateFact {
  return { at: decision.at, met: decision.met, unmet: decision.decisions.filter((entry) => !entry.met).map((entry) => entry.criterion) };
}

export function deadLetterFact(entry: DeadLetterEntry): DeadLetterFact {
  return { at: entry.at, reason: entry.reason };
}
