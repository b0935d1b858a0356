// A valid escalation body that meets the default criteria, with overrides: submitted by the
// intake benchmark, and the request the escalation tests build on.
import type { EscalationRequest } from "../shared/domain/escalations/escalation-request.js";

export const BENCH_TENANT_ID = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";

export function buildEscalationRequest(overrides: Partial<EscalationRequest> = {}): EscalationRequest {
  return {
    customer: { tenantId: BENCH_TENANT_ID, name: "Contoso China", domain: "contoso.partner.onmschina.cn" },
    service: "office365",
    severity: "moderate",
    title: "Exchange Online mail flow stopped for all users",
    description: "Since 09:00 CST no external mail is delivered; message trace shows deferrals.",
    contact: { name: "Li Wei", email: "li.wei@example.com", phone: "+86 10 5555 0100" },
    firstLineSupport: {
      serviceHealthChecked: true,
      adminCenterAttempted: true,
      stepsTaken: ["Checked service health: no incident", "Ran message trace in the Exchange admin center"],
    },
    partnerTicketId: "P-1001",
    ...overrides,
  };
}
