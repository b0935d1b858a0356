// What the stored records tell a report: an escalation's submission, forwarding, refusal, first
// 21Vianet response and closing times come from its status events, a gate decision's unmet
// criteria from its decisions.
import type { Escalation } from "../escalations/escalation.js";
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

/** 21Vianet's answers come as history entries by this actor (vianet-updates.ts). */
const VIANET_ACTOR = "21vianet";

/** Where an escalation's history reached 21Vianet: the index of each milestone entry, when reached. */
export interface VianetMilestones {
  /** The first entry to `forwarded` (later ones are 21Vianet moving it back from attention_needed). */
  forwarded?: number;
  /** 21Vianet's first note or status change after it. */
  firstResponse?: number;
}

export function vianetMilestones(history: Escalation["history"]): VianetMilestones {
  const forwarded = history.findIndex((entry) => entry.to === "forwarded");
  if (forwarded === -1) return {};
  const response = history.findIndex((entry, index) => index > forwarded && entry.actor === VIANET_ACTOR);
  return { forwarded, ...(response === -1 ? {} : { firstResponse: response }) };
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
    // Events carry the forwarding time from then on; older rows without it fall back to the first
    // move to `forwarded` that is not 21Vianet moving it back from attention_needed.
    const forwardedAt =
      ordered.find((event) => event.forwardedAt !== undefined)?.forwardedAt ??
      ordered.find((event) => event.to === "forwarded" && event.from !== "attention_needed")?.at;
    const vianetRespondedAt = ordered.find((event) => event.vianetRespondedAt !== undefined)?.vianetRespondedAt;
    const closedAt = ordered.find((event) => event.to === "closed" && event.from !== "closed")?.at;
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
      ...(vianetRespondedAt === undefined ? {} : { vianetRespondedAt }),
      ...(closedAt === undefined ? {} : { closedAt }),
    };
  });
}
