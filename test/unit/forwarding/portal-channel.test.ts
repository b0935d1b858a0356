// The portal hand-off: a case package to paste, then the case number a person records.
import { describe, expect, it } from "vitest";
import { CriteriaRules } from "../../../shared/escalations/criteria.js";
import { submitEscalation } from "../../../shared/escalations/submit-escalation.js";
import { DEFAULT_BACKOFF } from "../../../shared/forwarding/backoff.js";
import { forwardEscalation } from "../../../shared/forwarding/forward-escalation.js";
import { PORTAL_PATH, PortalChannel, buildCasePackage, recordPortalCase } from "../../../shared/forwarding/portal-channel.js";
import { buildEscalationRequest } from "../escalations/builders.js";
import { FakeClock, InMemoryEscalationStore, InMemoryQueue, SequentialIds } from "../escalations/fakes.js";

async function awaitingPortal() {
  const store = new InMemoryEscalationStore();
  const clock = new FakeClock();
  const accepted = await submitEscalation(buildEscalationRequest({ partnerTicketId: "P-42" }), { id: "desk", tenants: "all" }, {
    store,
    queue: new InMemoryQueue(),
    clock,
    ids: new SequentialIds(),
    rules: CriteriaRules.parse({}),
    services: ["office365"],
  });
  if (!accepted.ok) throw new Error("not accepted");
  const result = await forwardEscalation(
    { escalationId: accepted.escalation.id, correlationId: accepted.escalation.correlationId },
    { store, channels: { portal: new PortalChannel() }, routing: [{ channel: "portal" }], clock, backoff: DEFAULT_BACKOFF, newRequestId: () => "unused" },
  );
  const stored = await store.get(accepted.escalation.id);
  if (stored === undefined) throw new Error("lost");
  return { result, escalation: stored.value };
}

describe("portal channel", () => {
  it("when an escalation is routed to the portal, then it waits in awaiting_portal with the portal path in its history", async () => {
    const { result, escalation } = await awaitingPortal();
    expect(result).toEqual({ kind: "done", status: "awaiting_portal" });
    expect(escalation.status).toBe("awaiting_portal");
    expect(escalation.history.at(-1)?.detail).toContain(PORTAL_PATH);
  });

  it("when the case package is built, then it carries the marker, the first-line evidence and the partner ticket", async () => {
    const { escalation } = await awaitingPortal();
    const casePackage = buildCasePackage(escalation);
    expect(casePackage.title).toContain(`[escalation:${escalation.id}]`);
    expect(casePackage.description).toContain("Service health checked: yes");
    expect(casePackage.description).toContain("Step 1: Checked service health: no incident");
    expect(casePackage.description).toContain("Partner ticket: P-42");
    expect(casePackage.contact.email).toBe("li.wei@example.com");
  });

  it("when a person records the 21Vianet case number, then the escalation is forwarded with it", async () => {
    const { escalation } = await awaitingPortal();
    const recorded = recordPortalCase(escalation, "CN-2026-000123", "support-lead", new Date("2026-11-26T09:00:00Z"));
    expect(recorded.ok && recorded.escalation).toMatchObject({
      status: "forwarded",
      vianet: { channel: "portal", serviceRequestId: "CN-2026-000123" },
      history: expect.arrayContaining([expect.objectContaining({ from: "awaiting_portal", to: "forwarded", actor: "support-lead" })]) as unknown,
    });
  });

  it("when the escalation is not waiting for the portal, then recording a case is refused", async () => {
    const { escalation } = await awaitingPortal();
    const forwarded = recordPortalCase(escalation, "CN-1", "lead", new Date());
    if (!forwarded.ok) throw new Error("first record failed");
    expect(recordPortalCase(forwarded.escalation, "CN-2", "lead", new Date())).toEqual({ ok: false, error: "not-awaiting-portal" });
  });
});
