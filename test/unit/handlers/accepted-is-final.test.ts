// A 202 is final: once the escalation's own record is stored, nothing that fails after it turns
// the answer into an error, and no retry with the same Idempotency-Key makes a second escalation.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import { dispatchPending } from "../../../shared/domain/escalations/submit-escalation.js";
import {
  makeSubmitEscalationHandler,
  type SubmitHandlerDependencies,
} from "../../../shared/handlers/submit-escalation-handler.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { intakePorts } from "../domain/escalations/fakes.js";

const { HttpRequest, InvocationContext } = functions;

function setup() {
  const { store, queue, idempotency, clock, ports } = intakePorts();
  const deps: SubmitHandlerDependencies = { ...ports, callers: [] };
  return { store, queue, idempotency, clock, deps, handler: makeSubmitEscalationHandler(deps) };
}

const submit = (headers: Record<string, string> = {}) =>
  new HttpRequest({
    url: "http://127.0.0.1:7071/api/escalations",
    method: "POST",
    headers: { "content-type": "application/json", "x-functions-key": "local-dev-key", ...headers },
    body: { string: JSON.stringify(buildEscalationRequest()) },
  });

function recordingContext() {
  const warnings: string[] = [];
  const context = new InvocationContext({
    functionName: "escalations-post",
    invocationId: "test",
    logHandler: (level, ...args) => level === "warning" && warnings.push(String(args[0])),
  });
  return { context, warnings };
}

const idOf = (response: { body?: unknown }) => (JSON.parse(String(response.body)) as { id: string }).id;

describe("a 202 is final", () => {
  it("when the list entries fail after the escalation is stored, then 202, nothing is queued yet, and the sweep queues it once", async () => {
    const { store, queue, clock, deps, handler } = setup();
    store.faults.followingRows = 1;
    const { context, warnings } = recordingContext();

    const response = await handler(submit(), context);

    expect(response.status).toBe(202);
    expect(store.escalations.get(idOf(response))?.value.dispatch).toBe("pending");
    expect(queue.sent).toEqual([]);
    expect(warnings.some((message) => message.includes("dispatch sweep"))).toBe(true);
    clock.advance(120_000);
    expect(await dispatchPending(deps, 60_000)).toBe(1);
    expect(store.restored).toEqual([idOf(response)]);
    expect(queue.sent.map((message) => message.escalationId)).toEqual([idOf(response)]);
  });

  it("when marking the message sent fails after it was queued, then 202 and the escalation stays pending for the sweep", async () => {
    const { store, queue, handler } = setup();
    store.faults.replace = 1;
    const response = await handler(submit(), recordingContext().context);
    expect(response.status).toBe(202);
    expect(queue.sent).toHaveLength(1);
    expect(store.escalations.get(idOf(response))?.value.dispatch).toBe("pending");
  });

  it("when the store's answer is lost after it wrote the escalation, then the retry with the same Idempotency-Key answers 202 for that same escalation", async () => {
    const { store, queue, handler } = setup();
    store.faults.throwAfterStoring = 1;

    await expect(handler(submit({ "idempotency-key": "flow-run-1" }), recordingContext().context)).rejects.toThrow(
      "lost",
    );
    const retry = await handler(submit({ "idempotency-key": "flow-run-1" }), recordingContext().context);

    expect(retry.status).toBe(202);
    expect([...store.escalations.keys()]).toEqual([idOf(retry)]);
    expect(queue.sent.map((message) => message.escalationId)).toEqual([idOf(retry)]);
    expect(store.gateDecisions).toHaveLength(1);
  });

  it("when the answer cannot be recorded against the key, then the caller still gets its 202, and a retry after the claim is abandoned finds the same escalation", async () => {
    const { store, queue, idempotency, handler } = setup();
    idempotency.failCompletions = 1;
    const { context, warnings } = recordingContext();

    const first = await handler(submit({ "idempotency-key": "flow-run-2" }), context);
    idempotency.abandon("default", "flow-run-2");
    const retry = await handler(submit({ "idempotency-key": "flow-run-2" }), recordingContext().context);

    expect(first.status).toBe(202);
    expect(warnings.some((message) => message.includes("Idempotency-Key could not be recorded"))).toBe(true);
    expect(retry.status).toBe(202);
    expect(idOf(retry)).toBe(idOf(first));
    expect(store.escalations.size).toBe(1);
    expect(queue.sent).toHaveLength(1);
  });

  it("when the first attempt's answer is lost and the retry's queue send fails, then both answer for one escalation, and the sweep queues it once", async () => {
    const { store, queue, clock, deps, handler } = setup();
    store.faults.throwAfterStoring = 1;

    await expect(handler(submit({ "idempotency-key": "flow-run-3" }), recordingContext().context)).rejects.toThrow();
    queue.failNext = 1;
    const retry = await handler(submit({ "idempotency-key": "flow-run-3" }), recordingContext().context);
    clock.advance(120_000);
    await dispatchPending(deps, 60_000);

    expect(retry.status).toBe(202);
    expect(store.escalations.size).toBe(1);
    expect(queue.sent.map((message) => message.escalationId)).toEqual([idOf(retry)]);
    expect(store.escalations.get(idOf(retry))?.value.dispatch).toBe("sent");
  });
});
