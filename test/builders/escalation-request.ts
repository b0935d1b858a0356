// A valid escalation request that meets the default criteria, with overrides: the request the
// tests build on, and the one the benchmarks submit (the build compiles test/builders/ for them).
import type { EscalationRequest } from "../../shared/domain/escalations/escalation-request.js";

/** The tenant of the request's customer. */
export const BUILT_TENANT_ID = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";

export function buildEscalationRequest(overrides: Partial<EscalationRequest> = {}): EscalationRequest {
  return {
    customer: { tenantId: BUILT_TENANT_ID, name: "Contoso China", domain: "contoso.partner.onmschina.cn" },
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
