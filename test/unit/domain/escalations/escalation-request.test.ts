// The submission schema: strict, with a message naming each bad field.
import { describe, expect, it } from "vitest";
import {
  EscalationRequest,
  StoredEscalationRequest,
  escalationRequestFor,
} from "../../../../shared/domain/escalations/escalation-request.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";

function issuesOf(input: unknown): string[] {
  const parsed = EscalationRequest.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join("."));
}

describe("EscalationRequest", () => {
  it("when the body follows the contract, then it parses, normalizing service and domain", () => {
    const parsed = EscalationRequest.parse({
      ...buildEscalationRequest(),
      service: " Office365 ",
      customer: { ...buildEscalationRequest().customer, domain: "Contoso.Partner.OnMSChina.cn" },
    });
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
    expect(issues).toEqual(
      expect.arrayContaining([
        "severity",
        "customer.tenantId",
        "contact.email",
        "firstLineSupport.serviceHealthChecked",
      ]),
    );
  });

  it("when required text is blank, then it is refused", () => {
    expect(issuesOf({ ...buildEscalationRequest(), title: "   " })).toEqual(["title"]);
  });

  it("when optional fields are left out, then the request is still valid", () => {
    const request: Record<string, unknown> = {
      ...buildEscalationRequest(),
      contact: { name: "Li Wei", email: "li.wei@example.com" },
    };
    delete request.partnerTicketId;
    expect(EscalationRequest.safeParse(request).success).toBe(true);
  });

  // Every free-text field, with the body that puts `text` into it.
  const textFields: [string, (text: string) => unknown][] = [
    ["title", (title) => ({ ...buildEscalationRequest(), title })],
    ["description", (description) => ({ ...buildEscalationRequest(), description })],
    [
      "customer.name",
      (name) => ({ ...buildEscalationRequest(), customer: { ...buildEscalationRequest().customer, name } }),
    ],
    [
      "contact.name",
      (name) => ({ ...buildEscalationRequest(), contact: { ...buildEscalationRequest().contact, name } }),
    ],
    [
      "firstLineSupport.stepsTaken.1",
      (step) => ({
        ...buildEscalationRequest(),
        firstLineSupport: {
          ...buildEscalationRequest().firstLineSupport,
          stepsTaken: ["Checked service health", step],
        },
      }),
    ],
    ["partnerTicketId", (partnerTicketId) => ({ ...buildEscalationRequest(), partnerTicketId })],
  ];

  describe.each(textFields)("free text in %s", (path, withText) => {
    it.each([
      ["a NUL", "P-1\u0000"],
      ["a right-to-left override", "\u202EP-1"],
      ["a lone surrogate", "P-1\ud83d"],
      ["only zero-width characters", "\u200B\u200D\uFEFF"],
    ])("when it holds %s, then the field is named", (_what, text) => {
      expect(issuesOf(withText(text))).toEqual([path]);
    });

    it("when it is decomposed, then it is accepted composed", () => {
      expect(EscalationRequest.parse(withText("Zu\u0308rich"))).toEqual(
        EscalationRequest.parse(withText("Z\u00fcrich")),
      );
    });
  });

  it("when the description has tabs and line breaks, then they are kept", () => {
    const description = "Steps:\n\t1. Checked health\r\n\t2. Ran a trace";
    expect(EscalationRequest.parse({ ...buildEscalationRequest(), description }).description).toBe(description);
  });

  it("when an escalation stored before the text rules is read back, then its text is taken as stored", () => {
    const stored = { ...buildEscalationRequest(), title: "Accepted before\u0000the rule" };
    expect(StoredEscalationRequest.parse(stored).title).toBe("Accepted before\u0000the rule");
  });

  it("when the service is not in the catalogue, then it is named with the choices alongside every other bad field", () => {
    const parsed = escalationRequestFor(["office365", "azure"]).safeParse({
      ...buildEscalationRequest(),
      service: "Xbox",
      title: "\u0000",
    });
    expect(parsed.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([
      ["service", "not a service 21Vianet supports here; one of: office365, azure"],
      ["title", "contains a control character (U+0000) at position 1"],
    ]);
  });
});
