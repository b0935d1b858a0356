// The queue-trigger handlers: how each forwarding result settles the message.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { Escalation } from "../../../shared/domain/escalations/escalation.js";
import type { ChannelOutcome, VianetChannel } from "../../../shared/domain/forwarding/channel.js";
import type { ForwardDependencies } from "../../../shared/domain/forwarding/forward-escalation.js";
import {
  makeDeadLetterHandler,
  makeForwardMessageHandler,
  RedeliverError,
} from "../../../shared/handlers/forward-message-handler.js";
import type { InMemoryEscalationStore } from "../domain/escalations/fakes.js";
import { InMemoryDeadLetterLog, InMemoryRetryQueue, queuedEscalation } from "../domain/forwarding/fakes.js";
import type { DeadLetterLog } from "../../../shared/domain/forwarding/ports.js";

const { InvocationContext } = functions;

function context(
  triggerMetadata: Record<string, unknown> = { messageId: "m-1", deliveryCount: 1, sequenceNumber: 42 },
) {
  const logs: { level: string; args: unknown[] }[] = [];
  const invocation = new InvocationContext({
    functionName: "forward-escalation",
    invocationId: "inv-1",
    triggerMetadata,
    logHandler: (level, ...args) => logs.push({ level, args }),
  });
  return { invocation, logs };
}

class OneAnswerChannel implements VianetChannel {
  readonly name = "partner-center" as const;
  calls = 0;
  constructor(readonly answer: ChannelOutcome) {}
  submit(): Promise<ChannelOutcome> {
    this.calls += 1;
    return Promise.resolve(this.answer);
  }
  findExisting(): Promise<undefined> {
    return Promise.resolve(undefined);
  }
}

/** The handler over one queued escalation; its pauses are recorded, not waited. */
async function setup(answer: ChannelOutcome, failingLog?: DeadLetterLog) {
  const queued = await queuedEscalation();
  const log = new InMemoryDeadLetterLog();
  const channel = new OneAnswerChannel(answer);
  const retries = new InMemoryRetryQueue();
  const paused: number[] = [];
  const forward: ForwardDependencies = {
    store: queued.store,
    channels: { "partner-center": channel },
    routing: [{ channel: "partner-center" }],
    clock: queued.clock,
    backoff: { baseDelayMs: 30_000, maxDelayMs: 60_000, budgetMs: 86_400_000 },
    newRequestId: () => "00000000-0000-4000-8000-000000000001",
    random: () => 1,
  };
  const handler = makeForwardMessageHandler({
    forward,
    retries,
    deadLetters: { store: queued.store, log: failingLog ?? log, clock: queued.clock, queue: "escalations" },
    pause: (ms) => {
      paused.push(ms);
      return Promise.resolve();
    },
  });
  const status = async () => (await queued.store.get(queued.escalation.id))?.value.status;
  return { ...queued, channel, retries, log, handler, status, paused };
}

describe("forward-escalation handler", () => {
  it("when 21Vianet creates the request, then the message completes and nothing is scheduled", async () => {
    const { handler, message, retries, status } = await setup({
      kind: "created",
      serviceRequestId: "100000000000001",
      status: "open",
    });
    await handler(message, context().invocation);
    expect(await status()).toBe("forwarded");
    expect(retries.scheduled).toEqual([]);
  });

  it("when 21Vianet throttles, then the retry is a new scheduled message no sooner than Retry-After, and the message completes", async () => {
    const { handler, message, retries, clock, status } = await setup({
      kind: "transient",
      failure: "throttled",
      reason: "HTTP 429",
      retryAfterMs: 90_000,
    });
    await handler(message, context().invocation);
    expect(retries.scheduled).toEqual([{ message, retry: 1, at: new Date(clock.now().getTime() + 90_000) }]);
    expect(await status()).toBe("queued");
  });

  it("when the escalation changed meanwhile, then the handler throws so Service Bus redelivers", async () => {
    const { message, store, escalation } = await queuedEscalation();
    const racing = Object.assign(Object.create(store) as InMemoryEscalationStore, {
      get: (id: string) => store.get(id),
      replace: async (next: Escalation, etag: string) => {
        const current = await store.get(escalation.id);
        if (current) await store.replace({ ...current.value }, current.etag);
        return store.replace(next, etag);
      },
    });
    const conflicted = makeForwardMessageHandler({
      forward: {
        store: racing,
        channels: {
          "partner-center": new OneAnswerChannel({ kind: "created", serviceRequestId: "1", status: "open" }),
        },
        routing: [{ channel: "partner-center" }],
        clock: { now: () => new Date() },
        backoff: { baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1 },
        newRequestId: () => "r",
      },
      retries: new InMemoryRetryQueue(),
      deadLetters: { store, log: new InMemoryDeadLetterLog(), clock: { now: () => new Date() }, queue: "escalations" },
    });
    await expect(conflicted(message, context().invocation)).rejects.toBeInstanceOf(RedeliverError);
  });

  it("when the message is not an escalation reference, then it is logged as the forwarder's dead letter and completes without calling 21Vianet", async () => {
    const { handler, channel, log, message, status } = await setup({
      kind: "created",
      serviceRequestId: "1",
      status: "open",
    });
    const { invocation, logs } = context({ messageId: "poison-1", deliveryCount: 1, sequenceNumber: 9 });
    await handler({ ...message, correlationId: 42 }, invocation);
    expect(channel.calls).toBe(0);
    const [entry] = [...log.entries.values()];
    expect(entry).toMatchObject({
      source: "forwarder",
      messageId: "poison-1",
      sequenceNumber: 9,
      reason: "InvalidMessage",
      outcome: "escalation-unchanged",
      escalationId: message.escalationId,
    });
    expect(entry?.description).toContain("correlationId");
    expect(await status()).toBe("queued");
    expect(logs.some((line) => line.level === "error")).toBe(true);
  });

  it("when the message names no stored escalation, then it is logged as UnknownEscalation", async () => {
    const { handler, log } = await setup({ kind: "created", serviceRequestId: "1", status: "open" });
    await handler({ escalationId: "esc-missing", correlationId: "c" }, context().invocation);
    expect([...log.entries.values()]).toMatchObject([
      { reason: "UnknownEscalation", outcome: "no-escalation", escalationId: "esc-missing" },
    ]);
  });
});

describe("forward-escalation handler when its own dependencies fail", () => {
  it("when the store is unreachable, then it waits longer at each delivery before throwing the message back", async () => {
    const { message, store, clock } = await queuedEscalation();
    const unreachable = Object.assign(Object.create(store) as InMemoryEscalationStore, {
      get: () => Promise.reject(new Error("ECONNREFUSED 127.0.0.1:10002")),
    });
    const paused: number[] = [];
    const handler = makeForwardMessageHandler({
      forward: {
        store: unreachable,
        channels: {
          "partner-center": new OneAnswerChannel({ kind: "created", serviceRequestId: "1", status: "open" }),
        },
        routing: [{ channel: "partner-center" }],
        clock,
        backoff: { baseDelayMs: 1, maxDelayMs: 1, budgetMs: 1 },
        newRequestId: () => "r",
      },
      retries: new InMemoryRetryQueue(),
      deadLetters: { store, log: new InMemoryDeadLetterLog(), clock, queue: "escalations" },
      pause: (ms) => {
        paused.push(ms);
        return Promise.resolve();
      },
    });
    for (const deliveryCount of [1, 2, 3, 6, 7, 10]) {
      await expect(handler(message, context({ messageId: "m", deliveryCount }).invocation)).rejects.toThrow(
        "ECONNREFUSED",
      );
    }
    expect(paused).toEqual([1_000, 2_000, 4_000, 30_000, 30_000, 30_000]);
  });
});

describe("forward-escalation handler: every way back to the queue pauses", () => {
  it("when Service Bus refuses the scheduled retry, then the handler pauses before throwing, and the redelivery schedules the same retry without calling 21Vianet again", async () => {
    const { channel, retries, paused, handler, message, clock } = await setup({
      kind: "transient",
      failure: "throttled",
      reason: "HTTP 429",
      retryAfterMs: 120_000,
    });
    retries.refuse = 1;

    await expect(handler(message, context({ messageId: "m", deliveryCount: 1 }).invocation)).rejects.toThrow(
      "ServiceUnavailable",
    );
    clock.advance(1_000);
    await handler(message, context({ messageId: "m", deliveryCount: 2 }).invocation);

    expect(paused).toEqual([1_000]);
    expect(channel.calls).toBe(1);
    expect(retries.scheduled).toEqual([{ message, retry: 1, at: new Date(clock.now().getTime() - 1_000 + 120_000) }]);
  });

  it("when a dead letter cannot be recorded, then the handler pauses before throwing", async () => {
    const { paused, handler } = await setup(
      { kind: "created", serviceRequestId: "1", status: "open" },
      { record: () => Promise.reject(new Error("table unreachable")) },
    );
    await expect(
      handler({ not: "a reference" }, context({ messageId: "p", deliveryCount: 3 }).invocation),
    ).rejects.toThrow("table unreachable");
    expect(paused).toEqual([4_000]);
  });

  it("when our credentials are refused, then the retry is logged as an error naming a configuration problem", async () => {
    const { handler, message } = await setup({ kind: "transient", failure: "authorisation", reason: "HTTP 401" });
    const { invocation, logs } = context();
    await handler(message, invocation);
    expect(logs.filter((line) => line.level === "error").map((line) => String(line.args[0]))).toEqual([
      "forwarding will be retried: Partner Center refused our credentials (configuration problem)",
    ]);
  });
});

describe("escalations-dead-letter handler", () => {
  it("when Service Bus dead-lettered the message, then its reason and description from the metadata are recorded and the escalation fails", async () => {
    const { message, store, clock, escalation } = await queuedEscalation();
    const log = new InMemoryDeadLetterLog();
    const handler = makeDeadLetterHandler({ store, log, clock, queue: "escalations" });
    await handler(
      message,
      context({
        messageId: escalation.id,
        deliveryCount: 1,
        deadLetterReason: "MaxDeliveryCountExceeded",
        deadLetterErrorDescription: "10 attempts",
        enqueuedTimeUtc: "2026-11-26T07:00:00Z",
      }).invocation,
    );
    expect([...log.entries.values()]).toMatchObject([
      {
        source: "dead-letter-queue",
        reason: "MaxDeliveryCountExceeded",
        description: "10 attempts",
        enqueuedAt: "2026-11-26T07:00:00.000Z",
        outcome: "escalation-failed",
      },
    ]);
    expect((await store.get(escalation.id))?.value.status).toBe("failed");
  });

  it("when the reason is only in the application properties, then it is read from there; with none at all it says unknown", async () => {
    const { message, store, clock } = await queuedEscalation();
    const log = new InMemoryDeadLetterLog();
    const handler = makeDeadLetterHandler({ store, log, clock, queue: "escalations" });
    await handler(
      message,
      context({
        messageId: "a",
        applicationProperties: { DeadLetterReason: "TTLExpiredException", DeadLetterErrorDescription: "expired" },
      }).invocation,
    );
    await handler("not json", context({ messageId: "b" }).invocation);
    const entries = [...log.entries.values()];
    expect(entries.map((entry) => [entry.messageId, entry.reason, entry.description, entry.outcome])).toEqual([
      ["a", "TTLExpiredException", "expired", "escalation-failed"],
      ["b", "unknown", "Service Bus gave no description", "no-escalation"],
    ]);
  });

  it("when the log cannot be written, then it pauses before throwing, since a dead-letter queue redelivers forever", async () => {
    const { message, store, clock } = await queuedEscalation();
    const paused: number[] = [];
    const handler = makeDeadLetterHandler({
      store,
      clock,
      queue: "escalations",
      log: { record: () => Promise.reject(new Error("table unreachable")) },
      pause: (ms) => {
        paused.push(ms);
        return Promise.resolve();
      },
    });
    await expect(handler(message, context({ messageId: "d", deliveryCount: 12 }).invocation)).rejects.toThrow(
      "table unreachable",
    );
    expect(paused).toEqual([30_000]);
  });
});
