// GET /api/escalations/{id}: the view, and 404 for anything the caller may not see.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import { CriteriaRules } from "../../../shared/escalations/criteria.js";
import { submitEscalation } from "../../../shared/escalations/submit-escalation.js";
import { makeGetEscalationHandler } from "../../../shared/handlers/get-escalation-handler.js";
import { buildEscalationRequest } from "../escalations/builders.js";
import { FakeClock, InMemoryEscalationStore, InMemoryQueue, SequentialIds } from "../escalations/fakes.js";
import { callers, tenant } from "./callers.js";

const { HttpRequest, InvocationContext } = functions;

async function storedEscalation() {
  const store = new InMemoryEscalationStore();
  const outcome = await submitEscalation(buildEscalationRequest(), { id: "contoso-desk", tenants: [tenant] }, {
    store,
    queue: new InMemoryQueue(),
    clock: new FakeClock(),
    ids: new SequentialIds(),
    rules: CriteriaRules.parse({}),
    services: ["office365"],
  });
  if (!outcome.ok) throw new Error("not stored");
  return { store, id: outcome.escalation.id };
}

function get(id: string, key: string) {
  return new HttpRequest({ url: `http://127.0.0.1:7071/api/escalations/${id}`, method: "GET", headers: { "x-functions-key": key }, params: { id } });
}

const context = () => new InvocationContext({ functionName: "escalations-get", invocationId: "test" });

describe("GET /api/escalations/{id}", () => {
  it("when the caller may see the customer, then 200 with status, history and criteria", async () => {
    const { store, id } = await storedEscalation();
    const response = await makeGetEscalationHandler({ store, callers })(get(id, "contoso-key"), context());
    expect(response.status).toBe(200);
    expect(response.jsonBody).toMatchObject({ id, status: "queued", service: "office365", history: [{ from: null, to: "queued" }], customer: { tenantId: tenant } });
    expect((response.jsonBody as { criteria: unknown[] }).criteria).toHaveLength(4);
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
    expect((await makeGetEscalationHandler({ store, callers })(get("../etc", "contoso-key"), context())).status).toBe(404);
  });
});
