// POST /api/escalations with the real HttpRequest and InvocationContext, over in-memory ports.
import functions from "@azure/functions";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  makeSubmitEscalationHandler,
  type SubmitHandlerDependencies,
} from "../../../shared/handlers/submit-escalation-handler.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { intakePorts } from "../domain/escalations/fakes.js";

const { HttpRequest, InvocationContext } = functions;

function setup(overrides: Partial<SubmitHandlerDependencies> = {}) {
  const { store, queue, ports } = intakePorts();
  return { store, queue, handler: makeSubmitEscalationHandler({ ...ports, callers: [], ...overrides }) };
}

function submit(body: unknown, headers: Record<string, string> = {}) {
  return new HttpRequest({
    url: "http://127.0.0.1:7071/api/escalations",
    method: "POST",
    headers: { "content-type": "application/json", "x-functions-key": "local-dev-key", ...headers },
    body: { string: typeof body === "string" ? body : JSON.stringify(body) },
  });
}

const context = () => new InvocationContext({ functionName: "escalations-post", invocationId: "test" });

async function jsonOf(response: { body?: unknown }): Promise<Record<string, unknown>> {
  return typeof response.body === "string"
    ? (JSON.parse(response.body) as Record<string, unknown>)
    : Promise.reject(new Error("no JSON body"));
}

describe("POST /api/escalations", () => {
  it("when a valid escalation is submitted, then 202 with id, status queued and Location, stored and queued", async () => {
    const { store, queue, handler } = setup();
    const response = await handler(submit(buildEscalationRequest()), context());
    expect(response.status).toBe(202);
    expect(response.headers).toMatchObject({ location: "/api/escalations/esc-0001" });
    expect(await jsonOf(response)).toEqual({ id: "esc-0001", status: "queued" });
    expect(store.escalations.size).toBe(1);
    expect(queue.sent.map((message) => message.escalationId)).toEqual(["esc-0001"]);
  });

  it("when no function key came with the request, then 401 and nothing happens", async () => {
    const { store, handler } = setup();
    const response = await handler(submit(buildEscalationRequest(), { "x-functions-key": "" }), context());
    expect(response.status).toBe(401);
    expect(store.escalations.size).toBe(0);
  });

  it("when fields are wrong, then 400 problem+json naming each, and nothing is written", async () => {
    const { store, queue, handler } = setup();
    const response = await handler(
      submit({ ...buildEscalationRequest(), severity: "urgent", status: "closed" }),
      context(),
    );
    expect(response.status).toBe(400);
    expect(response.headers).toMatchObject({ "content-type": "application/problem+json" });
    const problem = await jsonOf(response);
    expect(problem["invalid-params"]).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: "severity" }),
        { name: "status", reason: "unknown field" },
      ]),
    );
    expect(store.escalations.size + store.gateDecisions.length + queue.sent.length).toBe(0);
  });

  it("when the criteria are not met, then 422 listing each unmet criterion", async () => {
    const { handler } = setup();
    const response = await handler(
      submit(
        buildEscalationRequest({
          firstLineSupport: { serviceHealthChecked: false, adminCenterAttempted: true, stepsTaken: ["checked"] },
        }),
      ),
      context(),
    );
    expect(response.status).toBe(422);
    expect((await jsonOf(response))["unmet-criteria"]).toEqual([
      { criterion: "service-health-checked", detail: expect.stringContaining("service health") as unknown },
    ]);
  });

  it("when the same Idempotency-Key and body come again, then the first answer is replayed and one escalation exists", async () => {
    const { store, queue, handler } = setup();
    const first = await handler(submit(buildEscalationRequest(), { "idempotency-key": "flow-run-17" }), context());
    const again = await handler(submit(buildEscalationRequest(), { "idempotency-key": "flow-run-17" }), context());
    expect(again.status).toBe(202);
    expect(again.body).toBe(first.body);
    expect(again.headers).toMatchObject({ "idempotent-replayed": "true", location: "/api/escalations/esc-0001" });
    expect(store.escalations.size).toBe(1);
    expect(queue.sent).toHaveLength(1);
  });

  it("when an Idempotency-Key is reused with another body, then 422 and nothing new is stored", async () => {
    const { store, handler } = setup();
    await handler(submit(buildEscalationRequest(), { "idempotency-key": "flow-run-18" }), context());
    const reused = await handler(
      submit(buildEscalationRequest({ title: "Another problem entirely" }), { "idempotency-key": "flow-run-18" }),
      context(),
    );
    expect(reused.status).toBe(422);
    expect((await jsonOf(reused)).type).toContain("idempotency-key-reused");
    expect(store.escalations.size).toBe(1);
  });

  it("when concurrent duplicates share a key, then one escalation and one message result", async () => {
    const { store, queue, handler } = setup();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        handler(submit(buildEscalationRequest(), { "idempotency-key": "burst" }), context()),
      ),
    );
    expect(responses.every((response) => response.status === 202 || response.status === 409)).toBe(true);
    expect(store.escalations.size).toBe(1);
    expect(queue.sent).toHaveLength(1);
  });

  it("when any number of concurrent duplicates share a key, then exactly one escalation and one message result (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 25 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 64 }).filter((key) => /^[\x21-\x7e]+$/.test(key)),
        async (copies, title, key) => {
          fc.pre(title.trim().length > 0);
          const { store, queue, handler } = setup();
          const body = buildEscalationRequest({ title });
          const responses = await Promise.all(
            Array.from({ length: copies }, () => handler(submit(body, { "idempotency-key": key }), context())),
          );
          expect(responses.every((response) => response.status === 202 || response.status === 409)).toBe(true);
          expect(responses.filter((response) => response.status === 202).length).toBeGreaterThanOrEqual(1);
          expect(store.escalations.size).toBe(1);
          expect(queue.sent).toHaveLength(1);
          const again = await handler(submit(body, { "idempotency-key": key }), context());
          expect(again.headers).toMatchObject({ "idempotent-replayed": "true" });
          expect(store.escalations.size).toBe(1);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("when the Idempotency-Key is too long, then 400 naming the header", async () => {
    const { handler } = setup();
    const response = await handler(submit(buildEscalationRequest(), { "idempotency-key": "k".repeat(256) }), context());
    expect(response.status).toBe(400);
    expect((await jsonOf(response))["invalid-params"]).toEqual([
      { name: "Idempotency-Key", reason: "must be 1 to 255 characters" },
    ]);
  });

  it("when thousands of generated bad bodies are submitted, then each gets a 4xx and nothing is ever written", async () => {
    const { store, queue, handler } = setup();
    const valid = buildEscalationRequest() as unknown as Record<string, unknown>;
    const mutation = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.string().map((text) => `{"customer":${text}`),
      fc.constantFrom(...Object.keys(valid)).map((field) => JSON.stringify({ ...valid, [field]: undefined })),
      fc
        .tuple(fc.constantFrom(...Object.keys(valid)), fc.jsonValue())
        .map(([field, value]) => JSON.stringify({ ...valid, [field]: value })),
      fc
        .tuple(
          fc.string({ minLength: 1 }).filter((key) => !(key in valid)),
          fc.jsonValue(),
        )
        .map(([field, value]) => JSON.stringify({ ...valid, [field]: value })),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (body) => {
        const parsedValid = (() => {
          try {
            return JSON.stringify(JSON.parse(body)) === JSON.stringify(valid);
          } catch {
            return false;
          }
        })();
        fc.pre(!parsedValid);
        const before = {
          escalations: store.escalations.size,
          decisions: store.gateDecisions.length,
          sent: queue.sent.length,
        };
        const response = await handler(submit(body), context());
        const status = response.status ?? 200;
        // A mutation may stay valid (another valid title, say): then it is accepted like any other.
        if (status === 202) return;
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        // Refused by validation: nothing written. Refused by the criteria: only the decision is kept.
        expect(store.escalations.size).toBe(before.escalations);
        expect(queue.sent).toHaveLength(before.sent);
        expect(store.gateDecisions.length - before.decisions).toBe(status === 422 ? 1 : 0);
      }),
      { numRuns: 2_000 },
    );
    const accepted = store.escalations.size;
    expect(queue.sent).toHaveLength(accepted);
    expect(store.gateDecisions.filter((decision) => decision.met)).toHaveLength(accepted);
    // 2,000 generated bodies through the real handler: seconds on a busy 2-core machine, so the
    // limit is generous; it bounds a hang, it measures nothing.
  }, 60_000);
});
