// The event-deliveries queue handler with the real InvocationContext: what it logs, schedules and
// throws for each outcome, never the receiver's URL or secret.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { Escalation } from "../../../shared/domain/escalations/escalation.js";
import type { EventDeliveryMessage } from "../../../shared/domain/events/deliver-event.js";
import type { PostOutcome } from "../../../shared/domain/metrics/deliver-report.js";
import { makeEventDeliveryHandler } from "../../../shared/handlers/event-delivery-handler.js";
import { toEscalationView } from "../../../shared/handlers/get-escalation-handler.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { buildSubscription } from "../domain/events/event-fakes.js";
import { InMemorySubscriptionStore } from "../domain/events/fakes.js";
import { InMemoryEscalationStore } from "../domain/escalations/fakes.js";

const { InvocationContext } = functions;
const AT = "2026-11-26T10:00:00.000Z";

const escalation: Escalation = {
  id: "esc-1",
  status: "queued",
  request: buildEscalationRequest(),
  callerId: "contoso-desk",
  correlationId: "corr-1",
  createdAt: AT,
  updatedAt: AT,
  dispatch: "sent",
  criteria: [],
  history: [{ at: AT, from: null, to: "queued", actor: "contoso-desk", detail: "accepted" }],
};
const message: EventDeliveryMessage = {
  escalationId: "esc-1",
  sequence: 1,
  type: "escalation.queued",
  at: AT,
  subscriptionId: "sub-1",
  attempt: 1,
};

async function setUp(outcome: PostOutcome | Error) {
  const store = new InMemoryEscalationStore();
  await store.create(escalation);
  const subscriptions = new InMemorySubscriptionStore();
  await subscriptions.create(buildSubscription());
  const logs: { level: string; args: unknown[] }[] = [];
  const scheduled: { message: EventDeliveryMessage; at: Date }[] = [];
  const pauses: number[] = [];
  const handler = makeEventDeliveryHandler({
    delivery: {
      backoff: { baseDelayMs: 1_000, maxDelayMs: 10_000, budgetMs: 3_600_000 },
      subscriptions,
      store,
      view: toEscalationView,
      post: () => (outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome)),
      clock: { now: () => new Date("2026-11-26T10:00:01.000Z") },
      random: () => 0.5,
    },
    retries: { schedule: (next, at) => Promise.resolve(void scheduled.push({ message: next, at })) },
    pause: (ms) => Promise.resolve(void pauses.push(ms)),
  });
  const context = new InvocationContext({
    functionName: "event-delivery",
    invocationId: "inv-1",
    triggerMetadata: { messageId: "m-1", deliveryCount: 2 },
    logHandler: (level, ...args) => logs.push({ level, args }),
  });
  return { handler, context, logs, scheduled, pauses, subscriptions };
}

const detail = { escalationId: "esc-1", sequence: 1, type: "escalation.queued", subscriptionId: "sub-1", attempt: 1 };

describe("makeEventDeliveryHandler", () => {
  it("when the event is delivered, then it logs so and schedules nothing", async () => {
    const { handler, context, logs, scheduled } = await setUp({ kind: "delivered", status: 204 });
    await handler(message, context);
    expect(scheduled).toEqual([]);
    expect(logs).toEqual([{ level: "information", args: ["event delivered", { ...detail, status: 204 }] }]);
  });

  it("when the receiver is unavailable, then the next attempt is scheduled", async () => {
    const { handler, context, logs, scheduled } = await setUp({ kind: "transient", reason: "HTTP 503" });
    await handler(message, context);
    expect(scheduled).toEqual([{ message: { ...message, attempt: 2 }, at: new Date("2026-11-26T10:00:02.000Z") }]);
    expect(logs[0]).toMatchObject({
      level: "warning",
      args: ["event delivery will be retried", { reason: "HTTP 503" }],
    });
  });

  it("when the receiver answers 410, then the subscription is removed and the logs name neither its URL nor its secret", async () => {
    const { handler, context, logs, subscriptions } = await setUp({ kind: "refused", reason: "HTTP 410", status: 410 });
    await handler(message, context);
    expect(await subscriptions.get("sub-1")).toBeUndefined();
    expect(logs[0]?.level).toBe("warning");
    const logged = JSON.stringify(logs);
    expect(logged).not.toContain(buildSubscription().url);
    expect(logged).not.toContain(buildSubscription().secret);
  });

  it("when the message is not a delivery, then it is dropped with the problems named, nothing posted", async () => {
    const { handler, context, logs } = await setUp(new Error("must not post"));
    await handler({ ...message, type: "escalation.deleted" }, context);
    expect(logs[0]?.level).toBe("error");
    expect(JSON.stringify(logs[0]?.args)).toContain("type");
  });

  it("when the attempt throws (our storage or queue failing), then it pauses and throws so Service Bus redelivers", async () => {
    const { handler, context, pauses } = await setUp(new Error("socket hang up"));
    await expect(handler(message, context)).rejects.toThrow("socket hang up");
    expect(pauses.length).toBe(1);
  });
});
