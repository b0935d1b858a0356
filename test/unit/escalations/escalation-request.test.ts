// The submission schema: strict, with a message naming each bad field.
import { describe, expect, it } from "vitest";
import { EscalationRequest } from "../../../shared/escalations/escalation-request.js";
import { buildEscalationRequest } from "./builders.js";

function issuesOf(input: unknown): string[] {
  const parsed = EscalationRequest.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join("."));
}

describe("EscalationRequest", () => {
  it("when the body follows the contract, then it parses, normalizing service and domain", () => {
    const parsed = EscalationRequest.parse({ ...buildEscalationRequest(), service: " Office365 ", customer: { ...buildEscalationRequest().customer, domain: "Contoso.Partner.OnMSChina.cn" } });
    expect(parsed.service).toBe("office365");
    expect(parsed.customer.domain).toBe("contoso.partner.onmschina.cn");
  });

  it("when a client tries to set status or id, then both are refused as unknown fields", () => {
    const issues = EscalationRequest.safeParse({ ...buildEscalationRequest(), status: "forwarded", id: "esc-1" });
    expect(issues.success).toBe(false);
    expect(issues.error?.issues.map((issue) => issue.code)).toContain("unrecognized_keys");
  });

  it("when several fields are wrong, then each one is named", () => {
    const request = buildEscalationRequest();
    const issues = issuesOf({
      ...request,
      severity: "urgent",
      customer: { ...request.customer, tenantId: "not-a-uuid" },
      contact: { ...request.contact, email: "nope" },
      firstLineSupport: { ...request.firstLineSupport, serviceHealthChecked: "yes" },
    });
    expect(issues).toEqual(expect.arrayContaining(["severity", "customer.tenantId", "contact.email", "firstLineSupport.serviceHealthChecked"]));
  });

  it("when required text is blank, then it is refused", () => {
    expect(issuesOf({ ...buildEscalationRequest(), title: "   " })).toEqual(["title"]);
  });

  it("when optional fields are left out, then the request is still valid", () => {
    const request: Record<string, unknown> = { ...buildEscalationRequest(), contact: { name: "Li Wei", email: "li.wei@example.com" } };
    delete request.partnerTicketId;
    expect(EscalationRequest.safeParse(request).success).toBe(true);
  });
});
