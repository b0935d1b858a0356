// The metrics benchmark's deterministic data: seeded random customers, requests and ids, and
// every state an escalation goes through, moved as the app moves it.
import { seededRandom } from "../../local/seeded-random.js";
import { evaluateCriteria } from "../../shared/domain/escalations/criteria.js";
import type { Escalation, EscalationStatus, HistoryEntry } from "../../shared/domain/escalations/escalation.js";
import type { EscalationRequest, Severity } from "../../shared/domain/escalations/escalation-request.js";
import { buildEscalationRequest } from "../../test/builders/escalation-request.js";
import { CALLER, DAY_MS, HOUR_MS, MINUTE_MS, RULES, SERVICES } from "./settings.js";

/** The same sequence for the same seed, so both stores get the same activity. */
export const randomSource = seededRandom;

export const between = (random: () => number, low: number, high: number) => low + random() * (high - low);
const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const hex = (random: () => number, digits: number) =>
  Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join("");

function tenantOf(customer: number): { tenantId: string; name: string; domain: string } {
  const digits = customer.toString(16).padStart(12, "0");
  return {
    tenantId: `7b3c9e10-5a2d-4c6f-8e1a-${digits}`,
    name: `Customer ${customer}`,
    domain: `customer${customer}.partner.onmschina.cn`,
  };
}

/** Ids shaped like shared/domain/escalations/ids.ts's (time, then random), from the seeded sequence. */
export function escalationId(random: () => number, at: number): string {
  return `esc_${at.toString(36).padStart(9, "0")}${hex(random, 16)}`;
}

export function correlationId(random: () => number): string {
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
}

const SEVERITY_WEIGHTS: readonly Severity[] = ["critical", "moderate", "moderate", "moderate", "minimal", "minimal"];
/** Minutes from submission to forwarding: mostly within the severity's target, some beyond. */
export const FORWARD_MINUTES: Record<Severity, [number, number]> = {
  critical: [1, 25],
  moderate: [2, 80],
  minimal: [5, 300],
};
const VIANET_CODES = ["InvalidTenant", "DuplicateRequest", "OutOfScope"] as const;

export function requestFor(
  random: () => number,
  customer: number,
  serial: number,
  meetsCriteria: boolean,
): EscalationRequest {
  return buildEscalationRequest({
    customer: tenantOf(customer),
    service: pick(random, SERVICES),
    severity: pick(random, SEVERITY_WEIGHTS),
    title: `Service degraded for the tenant's users (case ${serial})`,
    partnerTicketId: `P-${serial}`,
    firstLineSupport: meetsCriteria
      ? {
          serviceHealthChecked: true,
          adminCenterAttempted: true,
          stepsTaken: ["Checked service health: no incident", "Reproduced in the admin center"],
        }
      : { serviceHealthChecked: random() < 0.5, adminCenterAttempted: false, stepsTaken: [] },
  });
}

// Moves as the app makes them (shared/domain/forwarding/forward-escalation.ts's moved(), the portal and
// status-sync paths): a history entry, the new status, updatedAt, and what the move records.
function moved(escalation: Escalation, to: EscalationStatus, at: number, actor: string, detail: string): Escalation {
  const iso = new Date(at).toISOString();
  const entry: HistoryEntry = { at: iso, from: escalation.status, to, actor, detail };
  return { ...escalation, status: to, updatedAt: iso, history: [...escalation.history, entry] };
}

export function forwarded(escalation: Escalation, at: number, random: () => number): Escalation {
  const serviceRequestId = `SR${hex(random, 10)}`;
  const channel = escalation.forwarding?.channel ?? "partner-center";
  const attempt = {
    channel,
    attempts: 1,
    firstAttemptAt: escalation.forwarding?.firstAttemptAt ?? new Date(at - 800).toISOString(),
  };
  return {
    ...moved(
      escalation,
      "forwarded",
      at,
      channel === "portal" ? "portal-desk" : "forwarder",
      `21Vianet service request ${serviceRequestId} created through ${channel}`,
    ),
    forwarding: attempt,
    vianet: { channel, serviceRequestId, status: "Open" },
  };
}

export function awaitingPortal(escalation: Escalation, at: number): Escalation {
  const iso = new Date(at).toISOString();
  return {
    ...moved(
      escalation,
      "awaiting_portal",
      at,
      "forwarder",
      "waiting for a person to submit it through the portal: /support/new",
    ),
    forwarding: { channel: "portal", attempts: 1, firstAttemptAt: iso },
    vianet: { channel: "portal", status: "awaiting_portal" },
  };
}

export function refused(escalation: Escalation, at: number, random: () => number): Escalation {
  const code = pick(random, VIANET_CODES);
  const iso = new Date(at - 700).toISOString();
  return {
    ...moved(escalation, "rejected", at, "forwarder", `21Vianet refused it: ${code} not accepted`),
    forwarding: { channel: "partner-center", attempts: 1, firstAttemptAt: iso },
    vianet: { channel: "partner-center", status: "rejected", code, description: "not accepted" },
  };
}

export const attention = (escalation: Escalation, at: number) =>
  moved(escalation, "attention_needed", at, "vianet-sync", "21Vianet asks the partner for more information");
export const closed = (escalation: Escalation, at: number) =>
  moved(escalation, "closed", at, "vianet-sync", "21Vianet closed the service request");
const failedByDeadLetter = (escalation: Escalation, at: number) =>
  moved(escalation, "failed", at, "dead-letter", "dead-lettered by Service Bus: MaxDeliveryCountExceeded");

/** What submitEscalation stores for an accepted request at `at` (dispatch already sent). */
export function accepted(random: () => number, request: EscalationRequest, at: number): Escalation {
  const iso = new Date(at).toISOString();
  return {
    id: escalationId(random, at),
    status: "queued",
    request,
    callerId: CALLER.id,
    correlationId: correlationId(random),
    createdAt: iso,
    updatedAt: iso,
    dispatch: "sent",
    criteria: evaluateCriteria(request, RULES).decisions,
    history: [
      { at: iso, from: null, to: "queued", actor: CALLER.id, detail: "accepted: every escalation criterion met" },
    ],
  };
}

export const HISTORY_FATES = [
  "closed",
  "closed-after-attention",
  "closed-via-portal",
  "forwarded",
  "attention_needed",
  "rejected",
  "failed",
] as const;
type HistoryFate = (typeof HISTORY_FATES)[number];

export function historyFate(random: () => number): HistoryFate {
  const draw = random();
  if (draw < 0.55) return "closed";
  if (draw < 0.6) return "closed-after-attention";
  if (draw < 0.63) return "closed-via-portal";
  if (draw < 0.83) return "forwarded";
  if (draw < 0.87) return "attention_needed";
  if (draw < 0.96) return "rejected";
  return "failed";
}

/** Every state an older escalation went through, the first as submitted (dispatch sent), the last final. */
export function historyStates(random: () => number, fate: HistoryFate, start: Escalation): Escalation[] {
  const states = [start];
  const push = (next: Escalation) => {
    states.push(next);
    return next;
  };
  const submitted = Date.parse(start.createdAt);
  const [low, high] = FORWARD_MINUTES[start.request.severity];
  const forwardAt = submitted + between(random, low, high) * MINUTE_MS;
  const closeAt = forwardAt + between(random, 2 * HOUR_MS, 5 * DAY_MS);
  switch (fate) {
    case "rejected":
      push(refused(start, submitted + between(random, 1, 20) * MINUTE_MS, random));
      break;
    case "failed":
      push(failedByDeadLetter(start, submitted + between(random, 10, 120) * MINUTE_MS));
      break;
    case "closed-via-portal": {
      const waiting = push(awaitingPortal(start, submitted + between(random, 1, 5) * MINUTE_MS));
      push(closed(push(forwarded(waiting, forwardAt + HOUR_MS, random)), closeAt + HOUR_MS));
      break;
    }
    default: {
      const sent = push(forwarded(start, forwardAt, random));
      if (fate === "forwarded") break;
      if (fate === "closed") {
        push(closed(sent, closeAt));
        break;
      }
      const asked = push(attention(sent, forwardAt + between(random, HOUR_MS, DAY_MS)));
      if (fate === "closed-after-attention") push(closed(asked, closeAt + DAY_MS));
    }
  }
  return states;
}
