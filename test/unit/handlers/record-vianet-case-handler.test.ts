// POST /api/escalations/{id}/vianet-case: the portal route's last step.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { Escalation } from "../../../shared/domain/escalations/escalation.js";
import { EscalationView } from "../../../shared/http/api-schemas.js";
import { makeGetEscalationHandler } from "../../../shared/handlers/get-escalation-handler.js";
import { makeRecordVianetCaseHandler } from "../../../shared/handlers/record-vianet-case-handler.js";
import { PORTAL_PATH } from "../../../shared/domain/forwarding/portal-channel.js";
import { awaitingPortal, queuedEscalation } from "../domain/forwarding/fakes.js";
import { callers, tenant } from "./callers.js";

const { HttpRequest, InvocationContext } = functions;
/** The problem+json body of a response. */
function problemOf(response: functions.HttpResponseInit): Record<string, unknown> {
  if (typeof response.body !== "string") throw new Error("no problem+json body");
  return JSON.parse(response.body) as Record<string, unknown>;
}

const context = () => new InvocationContext({ functionName: "escalations-vianet-case-post", invocationId: "test" });

/** An escalation routed to the portal and waiting there, and the handler over its store. */
async function awaitingPortalCase() {
  const waiting = await awaitingPortal();
  return { ...waiting, handler: makeRecordVianetCaseHandler({ store: waiting.store, callers, clock: waiting.clock }) };
}

function post(id: string, body: unknown, key = "contoso-key", contentType = "application/json") {
  return new HttpRequest({
    url: `http://127.0.0.1:7071/api/escalations/${id}/vianet-case`,
    method: "POST",
    headers: { "x-functions-key": key, "content-type": contentType },
    params: { id },
    body: { string: typeof body === "string" ? body : JSON.stringify(body) },
  });
}

describe("POST /api/escalations/{id}/vianet-case", () => {
  it("when awaiting the portal, then GET shows the case package, and the case number moves it to forwarded", async () => {
    const { handler, store, escalation } = await awaitingPortalCase();
    const before = await makeGetEscalationHandler({ store, callers })(
      new HttpRequest({
        url: `http://127.0.0.1/api/escalations/${escalation.id}`,
        method: "GET",
        headers: { "x-functions-key": "contoso-key" },
        params: { id: escalation.id },
      }),
      context(),
    );
    const waiting = EscalationView.parse(before.jsonBody);
    expect(waiting.status).toBe("awaiting_portal");
    expect(waiting.portalCase).toMatchObject({
      portalPath: PORTAL_PATH,
      customer: { tenantId: tenant },
      severity: escalation.request.severity,
    });
    expect(waiting.portalCase?.title).toContain(`[escalation:${escalation.id}]`);

    const response = await handler(post(escalation.id, { caseNumber: " 2611260010000123 " }), context());
    expect(response.status).toBe(200);
    const view = EscalationView.parse(response.jsonBody);
    expect(view.status).toBe("forwarded");
    expect(view.vianet).toEqual({ channel: "portal", serviceRequestId: "2611260010000123", status: "open" });
    expect(view.portalCase).toBeUndefined();
    expect(view.history.at(-1)).toMatchObject({ from: "awaiting_portal", to: "forwarded", actor: "contoso-desk" });
  });

  it("when the same case number is sent again, then 200 and nothing changes; another number is 409", async () => {
    const { handler, store, escalation } = await awaitingPortalCase();
    await handler(post(escalation.id, { caseNumber: "A-1" }), context());
    const once = (await store.get(escalation.id))?.value as Escalation;
    const again = await handler(post(escalation.id, { caseNumber: "A-1" }), context());
    expect(again.status).toBe(200);
    expect((await store.get(escalation.id))?.value).toEqual(once);
    const other = await handler(post(escalation.id, { caseNumber: "A-2" }), context());
    expect(other.status).toBe(409);
    expect(problemOf(other)).toMatchObject({
      status: 409,
      type: expect.stringContaining("not-awaiting-portal") as unknown,
      detail: expect.stringContaining("forwarded") as unknown,
    });
  });

  it("when the escalation is still queued, then 409 naming its status, and it is unchanged", async () => {
    const { store, clock, escalation } = await queuedEscalation();
    const response = await makeRecordVianetCaseHandler({ store, callers, clock })(
      post(escalation.id, { caseNumber: "1" }),
      context(),
    );
    expect(response.status).toBe(409);
    expect(problemOf(response)).toMatchObject({ status: 409, escalationStatus: "queued" });
    expect((await store.get(escalation.id))?.value.status).toBe("queued");
  });

  it.each([
    [{}, "caseNumber"],
    [{ caseNumber: "" }, "caseNumber"],
    [{ caseNumber: "12 34" }, "caseNumber"],
    [{ caseNumber: "2611260010000123\u0000" }, "caseNumber"],
    [{ caseNumber: "\u202E2611260010000123" }, "caseNumber"],
    [{ caseNumber: "\u200B" }, "caseNumber"],
    [{ caseNumber: "x".repeat(65) }, "caseNumber"],
    [{ caseNumber: 42 }, "caseNumber"],
    [{ caseNumber: "1", status: "closed" }, "status"],
  ])("when the body is %j, then 400 naming %s and nothing changes", async (body, field) => {
    const { handler, store, escalation } = await awaitingPortalCase();
    const response = await handler(post(escalation.id, body), context());
    expect(response.status).toBe(400);
    expect(problemOf(response)["invalid-params"]).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: field })]),
    );
    expect((await store.get(escalation.id))?.value.status).toBe("awaiting_portal");
  });

  it("when the body is not JSON, then 415 or 400, and nothing changes", async () => {
    const { handler, store, escalation } = await awaitingPortalCase();
    expect((await handler(post(escalation.id, "caseNumber=1", "contoso-key", "text/plain"), context())).status).toBe(
      415,
    );
    expect((await handler(post(escalation.id, "{", "contoso-key"), context())).status).toBe(400);
    expect((await store.get(escalation.id))?.value.status).toBe("awaiting_portal");
  });

  it("when another customer's caller or an unknown key asks, then 404 or 401 and nothing changes", async () => {
    const { handler, store, escalation } = await awaitingPortalCase();
    expect((await handler(post(escalation.id, { caseNumber: "1" }, "fabrikam-key"), context())).status).toBe(404);
    expect((await handler(post("esc-none", { caseNumber: "1" }), context())).status).toBe(404);
    expect((await handler(post(escalation.id, { caseNumber: "1" }, "stranger"), context())).status).toBe(401);
    expect((await store.get(escalation.id))?.value.status).toBe("awaiting_portal");
  });
});
