// Accepting escalations, with in-memory fakes of the store and the queue.
import { describe, expect, it } from "vitest";
import { CriteriaRules } from "../../../../shared/domain/escalations/criteria.js";
import {
  dispatchPending,
  submitEscalation,
  type Caller,
  type SubmitDependencies,
} from "../../../../shared/domain/escalations/submit-escalation.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";
import { FakeClock, InMemoryEscalationStore, InMemoryQueue, SequentialIds } from "./fakes.js";

const partner: Caller = { id: "partner-portal", tenants: "all" };

function dependencies(overrides: Partial<SubmitDependencies> = {}) {
  const store = new InMemoryEscalationStore();
  const queue = new InMemoryQueue();
  const clock = new FakeClock();
  const deps: SubmitDependencies = {
    store,
    queue,
    clock,
    ids: new SequentialIds(),
    rules: CriteriaRules.parse({}),
    services: ["office365", "azure", "dynamics365", "powerbi", "intune", "partner-center"],
    ...overrides,
  };
  return { store, queue, clock, deps };
}

describe("submitEscalation", () => {
  it("when the request meets every criterion, then it is stored, queued once and marked sent", async () => {
    const { store, queue, deps } = dependencies();
    const outcome = await submitEscalation(buildEscalationRequest(), partner, deps);
    if (!outcome.ok) throw new Error(`refused: ${outcome.error}`);
    expect(outcome.escalation).toMatchObject({
      id: "esc-0001",
      status: "queued",
      dispatch: "sent",
      callerId: "partner-portal",
    });
    expect(queue.sent).toEqual([{ escalationId: "esc-0001", correlationId: outcome.escalation.correlationId }]);
    expect(store.escalations.get("esc-0001")?.value).toMatchObject({
      dispatch: "sent",
      history: [{ from: null, to: "queued", actor: "partner-portal" }],
    });
    expect(store.gateDecisions).toEqual([
      expect.objectContaining({
        met: true,
        escalationId: "esc-0001",
        tenantId: buildEscalationRequest().customer.tenantId,
      }),
    ]);
  });

  it("when fields are wrong or unknown, then each is named and nothing is written or sent", async () => {
    const { store, queue, deps } = dependencies();
    const outcome = await submitEscalation(
      { ...buildEscalationRequest(), severity: "urgent", status: "closed", id: "mine" },
      partner,
      deps,
    );
    expect(outcome).toEqual({
      ok: false,
      error: "invalid",
      invalidParams: expect.arrayContaining([
        { name: "severity", reason: expect.any(String) as unknown },
        { name: "status", reason: "unknown field" },
        { name: "id", reason: "unknown field" },
      ]) as unknown,
    });
    expect(store.escalations.size).toBe(0);
    expect(store.gateDecisions).toHaveLength(0);
    expect(queue.sent).toHaveLength(0);
  });

  it("when the service is not in the catalogue, then the field is named with the choices", async () => {
    const { deps } = dependencies();
    const outcome = await submitEscalation(buildEscalationRequest({ service: "xbox" }), partner, deps);
    expect(outcome.ok || (outcome.error === "invalid" && outcome.invalidParams[0]?.reason)).toContain(
      "office365, azure",
    );
  });

  it("when the service is unknown, the title bad, a field missing and the customer foreign, then all are named in one answer", async () => {
    const { store, queue, deps } = dependencies();
    const limited: Caller = { id: "flow-a", tenants: ["11111111-1111-4111-8111-111111111111"] };
    const body: Record<string, unknown> = { ...buildEscalationRequest(), service: "xbox", title: "Mail\u202E flow" };
    delete body.description;
    const outcome = await submitEscalation(body, limited, deps);
    expect(outcome.ok ? [] : outcome.error === "invalid" && outcome.invalidParams).toEqual([
      { name: "service", reason: expect.stringContaining("not a service 21Vianet supports here") as unknown },
      { name: "title", reason: "contains a bidirectional control character (U+202E) at position 5" },
      { name: "description", reason: expect.any(String) as unknown },
      { name: "customer.tenantId", reason: "this key may not act for that customer" },
    ]);
    expect(store.escalations.size).toBe(0);
    expect(store.gateDecisions).toHaveLength(0);
    expect(queue.sent).toHaveLength(0);
  });

  it("when only the tenant is bad, then the answer is the same whether or not the customer has escalations", async () => {
    const { deps } = dependencies();
    await submitEscalation(buildEscalationRequest(), partner, deps);
    const limited: Caller = { id: "flow-a", tenants: ["11111111-1111-4111-8111-111111111111"] };
    const known = await submitEscalation(buildEscalationRequest(), limited, deps);
    const unknown = await submitEscalation(
      buildEscalationRequest({
        customer: { ...buildEscalationRequest().customer, tenantId: "33333333-3333-4333-8333-333333333333" },
      }),
      limited,
      deps,
    );
    expect(known).toEqual(unknown);
  });

  it("when the caller may not act for the customer, then it is refused naming the tenant", async () => {
    const { store, deps } = dependencies();
    const limited: Caller = { id: "flow-a", tenants: ["11111111-1111-4111-8111-111111111111"] };
    const outcome = await submitEscalation(buildEscalationRequest(), limited, deps);
    expect(outcome).toEqual({
      ok: false,
      error: "invalid",
      invalidParams: [{ name: "customer.tenantId", reason: "this key may not act for that customer" }],
    });
    expect(store.escalations.size).toBe(0);
  });

  it("when criteria are unmet, then the unmet ones are returned, the decision is recorded, and nothing is queued", async () => {
    const { store, queue, deps } = dependencies();
    const outcome = await submitEscalation(buildEscalationRequest({ category: "how-to" }), partner, deps);
    expect(outcome).toEqual({
      ok: false,
      error: "criteria-unmet",
      decisions: [expect.objectContaining({ criterion: "not-first-line-only", met: false })],
    });
    expect(store.escalations.size).toBe(0);
    expect(queue.sent).toHaveLength(0);
    expect(store.gateDecisions).toEqual([expect.objectContaining({ met: false, escalationId: undefined })]);
  });

  it("when the queue is down, then the escalation is still accepted and the dispatch sweep sends it later", async () => {
    const { store, queue, clock, deps } = dependencies();
    queue.failNext = 1;
    const failures: string[] = [];
    const outcome = await submitEscalation(buildEscalationRequest(), partner, {
      ...deps,
      onDispatchFailure: (id) => failures.push(id),
    });
    expect(outcome.ok && outcome.escalation.dispatch).toBe("pending");
    expect(failures).toEqual(["esc-0001"]);
    expect(queue.sent).toHaveLength(0);

    expect(await dispatchPending(deps, 30_000)).toBe(0);
    clock.advance(31_000);
    expect(await dispatchPending(deps, 30_000)).toBe(1);
    expect(queue.sent.map((message) => message.escalationId)).toEqual(["esc-0001"]);
    expect(store.escalations.get("esc-0001")?.value.dispatch).toBe("sent");
    expect(await dispatchPending(deps, 30_000)).toBe(0);
  });
});
