// The portal hand-off: a case package to paste, then the case number a person records.
import { describe, expect, it } from "vitest";
import {
  PORTAL_PATH,
  buildCasePackage,
  recordPortalCase,
} from "../../../../shared/domain/forwarding/portal-channel.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";
import { awaitingPortal } from "./fakes.js";

/** Routed to the portal by the forwarder itself, with a partner ticket id to carry. */
const awaitingPortalWithTicket = () => awaitingPortal({ request: buildEscalationRequest({ partnerTicketId: "P-42" }) });

describe("portal channel", () => {
  it("when an escalation is routed to the portal, then it waits in awaiting_portal with the portal path in its history", async () => {
    const { escalation } = await awaitingPortalWithTicket();
    expect(escalation.status).toBe("awaiting_portal");
    expect(escalation.history.at(-1)?.detail).toContain(PORTAL_PATH);
  });

  it("when the case package is built, then it carries the marker, the first-line evidence and the partner ticket", async () => {
    const { escalation } = await awaitingPortalWithTicket();
    const casePackage = buildCasePackage(escalation);
    expect(casePackage.title).toContain(`[escalation:${escalation.id}]`);
    expect(casePackage.description).toContain("Service health checked: yes");
    expect(casePackage.description).toContain("Step 1: Checked service health: no incident");
    expect(casePackage.description).toContain("Partner ticket: P-42");
    expect(casePackage.contact?.email).toBe("li.wei@example.com");
  });

  it("when a person records the 21Vianet case number, then the escalation is forwarded with it", async () => {
    const { escalation } = await awaitingPortalWithTicket();
    const recorded = recordPortalCase(escalation, "CN-2026-000123", "support-lead", new Date("2026-11-26T09:00:00Z"));
    expect(recorded.ok && recorded.escalation).toMatchObject({
      status: "forwarded",
      vianet: { channel: "portal", serviceRequestId: "CN-2026-000123" },
      history: expect.arrayContaining([
        expect.objectContaining({ from: "awaiting_portal", to: "forwarded", actor: "support-lead" }),
      ]) as unknown,
    });
  });

  it("when the escalation is not waiting for the portal, then recording a case is refused", async () => {
    const { escalation } = await awaitingPortalWithTicket();
    const forwarded = recordPortalCase(escalation, "CN-1", "lead", new Date());
    if (!forwarded.ok) throw new Error("first record failed");
    expect(recordPortalCase(forwarded.escalation, "CN-2", "lead", new Date())).toEqual({
      ok: false,
      error: "not-awaiting-portal",
    });
    // The same number again is a retried request: answered unchanged.
    expect(recordPortalCase(forwarded.escalation, "CN-1", "lead", new Date())).toEqual({
      ok: true,
      escalation: forwarded.escalation,
      changed: false,
    });
  });
});
