// POST /api/webhooks/escalations: Standard Webhooks signatures, with redeliveries replayed.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import {
  makeWebhookEscalationHandler,
  type WebhookHandlerDependencies,
} from "../../../shared/handlers/webhook-escalation-handler.js";
import { parseWebhookSecret, signWebhook, type WebhookSecret } from "../../../shared/lib/standard-webhooks.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { FakeClock, intakePorts } from "../domain/escalations/fakes.js";

const { HttpRequest, InvocationContext } = functions;

function secret(text: string): WebhookSecret {
  const parsed = parseWebhookSecret(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.secret;
}

const current = secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
const previous = secret("whsec_c2VjcmV0LWJlZm9yZS1yb3RhdGlvbg==");
const stranger = secret("whsec_bm90LW91ci1zZWNyZXQtYXQtYWxs");
const clock = new FakeClock("2026-11-26T08:00:00.000Z");
const nowSeconds = Math.floor(clock.now().getTime() / 1000);

function setup() {
  const { store, queue, ports } = intakePorts({ clock, services: ["office365"] });
  const deps: WebhookHandlerDependencies = {
    ...ports,
    senders: [{ id: "psa-tool", secrets: [current, previous], tenants: "all" }],
  };
  return { store, queue, handler: makeWebhookEscalationHandler(deps) };
}

function delivery(options: { id?: string; timestamp?: number; body?: string; sign?: WebhookSecret | null } = {}) {
  const body = options.body ?? JSON.stringify(buildEscalationRequest());
  const id = options.id ?? "msg_2Lw7bI4Xq0";
  const timestamp = options.timestamp ?? nowSeconds;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
  };
  if (options.sign !== null)
    headers["webhook-signature"] = signWebhook({
      id,
      timestamp,
      body: Buffer.from(body),
      secret: options.sign ?? current,
    });
  return new HttpRequest({
    url: "http://127.0.0.1:7071/api/webhooks/escalations",
    method: "POST",
    headers,
    body: { string: body },
  });
}

const context = () => new InvocationContext({ functionName: "webhooks-escalations-post", invocationId: "test" });

describe("POST /api/webhooks/escalations", () => {
  it("when a delivery is signed with a current secret, then it is accepted for that sender", async () => {
    const { store, handler } = setup();
    const response = await handler(delivery(), context());
    expect(response.status).toBe(202);
    expect([...store.escalations.values()][0]?.value.callerId).toBe("webhook:psa-tool");
  });

  it("when a delivery is signed with the secret being rotated out, then it is still accepted", async () => {
    const { handler } = setup();
    expect((await handler(delivery({ sign: previous }), context())).status).toBe(202);
  });

  it.each([
    ["unsigned", { sign: null }],
    ["signed with another secret", { sign: stranger }],
    ["stale by more than five minutes", { timestamp: nowSeconds - 301 }],
    ["from the future by more than five minutes", { timestamp: nowSeconds + 301 }],
  ] as const)("when a delivery is %s, then 401 and nothing is stored", async (_case, options) => {
    const { store, queue, handler } = setup();
    const response = await handler(delivery(options), context());
    expect(response.status).toBe(401);
    expect(store.escalations.size + store.gateDecisions.length + queue.sent.length).toBe(0);
  });

  it("when the signed body is changed in transit, then 401", async () => {
    const { store, handler } = setup();
    const body = JSON.stringify(buildEscalationRequest());
    const signed = signWebhook({ id: "msg_1", timestamp: nowSeconds, body: Buffer.from(body), secret: current });
    const tampered = new HttpRequest({
      url: "http://127.0.0.1:7071/api/webhooks/escalations",
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": "msg_1",
        "webhook-timestamp": String(nowSeconds),
        "webhook-signature": signed,
      },
      body: { string: body.replace("moderate", "critical") },
    });
    expect((await handler(tampered, context())).status).toBe(401);
    expect(store.escalations.size).toBe(0);
  });

  it("when the same webhook is delivered twice, then the first answer is replayed and one escalation exists", async () => {
    const { store, queue, handler } = setup();
    const first = await handler(delivery({ id: "msg_same" }), context());
    const second = await handler(delivery({ id: "msg_same" }), context());
    expect(second.status).toBe(202);
    expect(second.body).toBe(first.body);
    expect(store.escalations.size).toBe(1);
    expect(queue.sent).toHaveLength(1);
  });

  it("when a signed delivery is not valid JSON, then 400 after the signature check", async () => {
    const { handler } = setup();
    expect((await handler(delivery({ body: '{"customer": ' }), context())).status).toBe(400);
    expect((await handler(delivery({ body: '{"customer": ', sign: null }), context())).status).toBe(401);
  });

  it("when a signed delivery carries a NUL in its title and an unknown service, then 400 naming both and nothing is stored", async () => {
    const { store, queue, handler } = setup();
    const body = JSON.stringify(buildEscalationRequest({ title: "Mail flow\u0000stopped", service: "xbox" }));
    const response = await handler(delivery({ body }), context());
    expect(response.status).toBe(400);
    const problem = JSON.parse(typeof response.body === "string" ? response.body : "{}") as {
      "invalid-params"?: { name: string }[];
    };
    expect(problem["invalid-params"]?.map((param) => param.name)).toEqual(["service", "title"]);
    expect(store.escalations.size + store.gateDecisions.length + queue.sent.length).toBe(0);
  });
});
