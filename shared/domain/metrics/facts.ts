// What the stored records tell a report: an escalation's submission, forwarding and refusal
// times come from its status events, a gate decision's unmet criteria from its decisions.
import type { GateDecision } from "../escalations/ports.js";
import type { StatusEvent } from "./status-event.js";
import type { DeadLetterEntry } from "../forwarding/ports.js";
import type { DeadLetterFact, EscalationFact, GateFact } from "./report.js";

export function gateFact(decision: Pick<GateDecision, "at" | "met" | "decisions">): GateFact {
  return {
    at: decision.at,
    met: decision.met,
    unmet: decision.decisions.filter((entry) => !entry.met).map((entry) => entry.criterion),
  };
}

export function deadLetterFact(entry: Pick<DeadLetterEntry, "at" | "reason">): DeadLetterFact {
  return { at: entry.at, reason: entry.reason };
}

/**
 * Escalation facts from the status events of one window: each escalation as the window saw it,
 * its status the last one it reached before the window ended. Escalations submitted earlier
 * appear too when something happened to them in the window (their forwarding counts there).
 */
export function factsFromEvents(events: readonly StatusEvent[]): EscalationFact[] {
  const byId = new Map<string, StatusEvent[]>();
  for (const event of events) {
    const list = byId.get(event.escalationId) ?? [];
    list.push(event);
    byId.set(event.escalationId, list);
  }
  return [...byId.values()].map((list) => {
    const ordered = [...list].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    const last = ordered.at(-1) ?? ordered[0];
    if (last === undefined) throw new Error("no events");
    const forwardedAt = ordered.find((event) => event.to === "forwarded")?.at;
    const rejected = ordered.find((event) => event.to === "rejected");
    const channel = [...ordered].reverse().find((event) => event.channel !== undefined)?.channel;
    return {
      id: last.escalationId,
      tenantId: last.tenantId,
      customerName: last.customerName,
      service: last.service,
      severity: last.severity,
      status: last.to,
      submittedAt: last.submittedAt,
      ...(channel === undefined ? {} : { channel }),
      ...(forwardedAt === undefined ? {} : { forwardedAt }),
      ...(rejected === undefined ? {} : { rejectedAt: rejected.at }),
      ...(rejected?.vianetCode === undefined ? {} : { vianetCode: rejected.vianetCode }),
    };
  });
}
