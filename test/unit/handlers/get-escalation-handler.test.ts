// GET /api/escalations/{id}: the view, and 404 for anything the caller may not see.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import { CriteriaRules } from "../../../shared/domain/escalations/criteria.js";
import { submitEscalation } from "../../../shared/domain/escalations/submit-escalation.js";
import { makeGetEscalationHandler } from "../../../shared/handlers/get-escalation-handler.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { FakeClock, InMemoryEscalationStore, InMemoryQueue, SequentialIds } from "../domain/escalations/fakes.js";
import { callers, tenant } from "./callers.js";

const { HttpRequest, InvocationContext } = functions;

async function storedEscalation() {
  const store = new InMemoryEscalationStore();
  const outcome = await submitEscalation(
    buildEscalationRequest(),
    { id: "contoso-desk", tenants: [tenant] },
    {
      store,
      queue: new InMemoryQueue(),
      clock: new FakeClock(),
      ids: new SequentialIds(),
      rules: CriteriaRules.parse({}),
      services: ["office365"],
    },
  );
  if (!outcome.ok) throw new Error("not stored");
  return { store, id: outcome.escalation.id };
}

function get(id: string, key: string) {
  return new HttpRequest({
    url: `http://127.0.0.1:7071/api/escalations/${id}`,
    method: "GET",
    headers: { "x-functions-key": key },
    params: { id },
  });
}

const context = () => new InvocationContext({ functionName: "escalations-get", invocationId: "test" });

describe("GET /api/escalations/{id}", () => {
  it("when the caller may see the customer, then 200 with status, history and criteria", async () => {
    const { store, id } = await storedEscalation();
    const response = await makeGetEscalationHandler({ store, callers })(get(id, "contoso-key"), context());
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({
      id,
      status: "queued",
      service: "office365",
      history: [{ from: null, to: "queued" }],
      customer: { tenantId: tenant },
    });
    expect((response.jsonBody as { criteria: unknown[] }).criteria).toHaveLength(4);
  });

  it("when forwarding is being retried, then the view shows the attempts, the last failure's kind and the next attempt's time; once final, no next attempt", async () => {
    const { store, id } = await storedEscalation();
    const stored = await store.get(id);
    if (stored === undefined) throw new Error("not stored");
    const forwarding = {
      channel: "partner-center" as const,
      attempts: 3,
      firstAttemptAt: "2026-11-26T08:00:00.000Z",
      retries: 3,
      lastFailure: { kind: "authorisation" as const, at: "2026-11-26T08:05:00.000Z", reason: "HTTP 401" },
      nextAttemptAt: "2026-11-26T08:09:00.000Z",
    };
    const replaced = await store.replace({ ...stored.value, dispatch: "sent", forwarding }, stored.etag);
    const handler = makeGetEscalationHandler({ store, callers });

    const retrying = await handler(get(id, "contoso-key"), context());
    expect((retrying.jsonBody as { forwarding: unknown }).forwarding).toEqual({
      attempts: 3,
      lastFailure: forwarding.lastFailure,
      nextAttemptAt: "2026-11-26T08:09:00.000Z",
    });

    if (!replaced.ok) throw new Error("not replaced");
    const failedAt = "2026-11-27T08:00:00.000Z";
    await store.replace(
      {
        ...stored.value,
        dispatch: "sent",
        forwarding,
        status: "failed",
        history: [
          ...stored.value.history,
          { at: failedAt, from: "queued", to: "failed", actor: "forwarder", detail: "gave up" },
        ],
      },
      replaced.etag,
    );
    const failed = await handler(get(id, "contoso-key"), context());
    expect((failed.jsonBody as { forwarding: unknown }).forwarding).toEqual({
      attempts: 3,
      lastFailure: forwarding.lastFailure,
    });
  });

  it("when another customer's caller asks, then 404 exactly as for an unknown id", async () => {
    const { store, id } = await storedEscalation();
    const handler = makeGetEscalationHandler({ store, callers });
    const foreign = await handler(get(id, "fabrikam-key"), context());
    const unknown = await handler(get("esc-9999", "fabrikam-key"), context());
    expect(foreign.status).toBe(404);
    expect(foreign.body).toBe(unknown.body);
  });

  it("when the key is not a registered caller, then 401", async () => {
    const { store, id } = await storedEscalation();
    expect((await makeGetEscalationHandler({ store, callers })(get(id, "stranger"), context())).status).toBe(401);
  });

  it("when the id has characters no id has, then 404 without a lookup", async () => {
    const { store } = await storedEscalation();
    expect((await makeGetEscalationHandler({ store, callers })(get("../etc", "contoso-key"), context())).status).toBe(
      404,
    );
  });
});
