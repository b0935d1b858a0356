// The first-line work an escalation carries, written out the same way for every channel: 21Vianet
// asks partners to show it before they escalate, whether through the API or the portal.
import type { EscalationRequest } from "../escalations/escalation-request.js";

export function firstLineEvidence(firstLine: EscalationRequest["firstLineSupport"]): string[] {
  return [
    `Service health checked: ${firstLine.serviceHealthChecked ? "yes" : "no"}`,
    `Admin center attempted: ${firstLine.adminCenterAttempted ? "yes" : "no"}`,
    ...firstLine.stepsTaken.map((step, index) => `Step ${String(index + 1)}: ${step}`),
  ];
}
