// Forwarding one escalation with a fake channel: exactly one service request, whatever happens.
import { describe, expect, it } from "vitest";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import { DEFAULT_BACKOFF } from "../../../../shared/domain/forwarding/backoff.js";
import {
  requestMarker,
  type AttemptContext,
  type ChannelOutcome,
  type VianetChannel,
} from "../../../../shared/domain/forwarding/channel.js";
import {
  forwardEscalation,
  type ForwardDependencies,
} from "../../../../shared/domain/forwarding/forward-escalation.js";
import { erasePersonalDataOf } from "../../../../shared/domain/escalations/personal-data-ports.js";
import type { InMemoryEscalationStore } from "../escalations/fakes.js";
import { queuedEscalation } from "./fakes.js";

/** A 21Vianet stand-in: scripted outcomes per call, and the requests it really created. */
class ScriptedChannel implements VianetChannel {
  readonly name = "partner-center" as const;
  readonly created: { marker: string; requestId: string; id: string }[] = [];
  readonly attempts: AttemptContext[] = [];
  script: ("create" | "create-then-crash" | "create-lost" | ChannelOutcome)[] = [];

  submit(escalation: Escalation, attempt: AttemptContext): Promise<ChannelOutcome> {
    this.attempts.push(attempt);
    const step = this.script.shift() ?? "create";
    const create = () => {
      const existing = this.created.find((request) => request.requestId === attempt.requestId);
      if (existing) return existing;
      const request = {
        marker: requestMarker(escalation.id),
        requestId: attempt.requestId,
        id: String(100000000000000 + this.created.length),
      };
      this.created.push(request);
      return request;
    };
    if (step === "create") return Promise.resolve({ kind: "created", serviceRequestId: create().id, status: "open" });
    if (step === "create-then-crash") {
      create();
      return Promise.reject(new Error("worker crashed after the call"));
    }
    if (step === "create-lost") {
      create();
      return Promise.resolve({ kind: "unknown", reason: "the response was lost" });
    }
    return Promise.resolve(step);
  }

  findExisting(escalation: Escalation): Promise<{ serviceRequestId: string; status: string } | undefined> {
    const found = this.created.find((request) => request.marker === requestMarker(escalation.id));
    return Promise.resolve(found === undefined ? undefined : { serviceRequestId: found.id, status: "open" });
  }
}

/** The customer's data erased on request, as the personal-data route does. */
function eraseOnRequest(deps: ForwardDependencies, escalationId: string, at: Date) {
  return erasePersonalDataOf(deps.store, escalationId, { at: at.toISOString(), reason: "request", by: "contoso-desk" });
}

async function setup() {
  const { store, clock, escalation, message } = await queuedEscalation();
  const channel = new ScriptedChannel();
  let requestIds = 0;
  const deps: ForwardDependencies = {
    store,
    channels: { "partner-center": channel },
    routing: [{ channel: "partner-center" }],
    clock,
    backoff: DEFAULT_BACKOFF,
    newRequestId: () => `request-${++requestIds}`,
    random: () => 0.5,
  };
  const current = async () => (await store.get(escalation.id))?.value;
  return { store, clock, channel, deps, message, current };
}

describe("forwardEscalation", () => {
  it("when 21Vianet creates the request, then the escalation is forwarded with its service request id", async () => {
    const { channel, deps, message, current } = await setup();
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
    expect(channel.created).toHaveLength(1);
    const escalation = await current();
    expect(escalation?.vianet).toEqual({
      channel: "partner-center",
      serviceRequestId: "100000000000000",
      status: "open",
    });
    expect(escalation?.history.map((entry) => [entry.from, entry.to, entry.actor])).toEqual([
      [null, "queued", "desk"],
      ["queued", "forwarded", "forwarder"],
    ]);
    expect(escalation?.forwarding?.openAttempt).toBeUndefined();
  });

  it("when the message is redelivered after forwarding, then nothing is sent again, and the rows following the escalation's are written again", async () => {
    const { channel, deps, message, store } = await setup();
    await forwardEscalation(message, deps);
    expect(store.restored).toEqual([]);
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
    expect(channel.attempts).toHaveLength(1);
    expect(store.restored).toEqual([message.escalationId]);
  });

  it("when a queued escalation's personal data was erased on request while its retry was waiting, then the retry's message completes and nothing is sent", async () => {
    const { channel, clock, deps, message, current } = await setup();
    channel.script = [{ kind: "transient", failure: "throttled", reason: "HTTP 429", retryAfterMs: 120_000 }];
    const first = await forwardEscalation(message, deps);
    expect(first.kind).toBe("retry");
    const erased = await eraseOnRequest(deps, message.escalationId, clock.now());
    expect(erased).toMatchObject({ ok: true, withdrawn: true });
    clock.advance(first.kind === "retry" ? first.delayMs : 0);

    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "failed" });

    expect(channel.attempts).toHaveLength(1);
    expect(channel.created).toEqual([]);
    expect((await current())?.status).toBe("failed");
  });

  it("when the personal data was erased while an attempt's outcome was unknown and 21Vianet has no request, then no request is made and it is withdrawn", async () => {
    const { channel, clock, deps, message, current } = await setup();
    channel.script = [{ kind: "unknown", reason: "timed out after 30 s" }];
    const first = await forwardEscalation(message, deps);
    expect(first.kind).toBe("retry");
    const erased = await eraseOnRequest(deps, message.escalationId, clock.now());
    // The attempt may have reached 21Vianet, so the erasure cannot withdraw it yet.
    expect(erased).toMatchObject({ ok: true, withdrawn: false });
    clock.advance(first.kind === "retry" ? first.delayMs : 0);

    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "failed" });

    expect(channel.attempts).toHaveLength(1);
    expect(channel.created).toEqual([]);
    const escalation = await current();
    expect(escalation?.history.at(-1)).toMatchObject({ from: "queued", to: "failed", actor: "forwarder" });
    expect(escalation?.forwarding?.openAttempt).toBeUndefined();
  });

  it("when the personal data was erased while an attempt's outcome was unknown and 21Vianet has the request, then it is recorded forwarded", async () => {
    const { channel, clock, deps, message, current } = await setup();
    channel.script = ["create-lost"];
    const first = await forwardEscalation(message, deps);
    await eraseOnRequest(deps, message.escalationId, clock.now());
    clock.advance(first.kind === "retry" ? first.delayMs : 0);

    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });

    expect(channel.attempts).toHaveLength(1);
    expect(channel.created).toHaveLength(1);
    expect((await current())?.vianet?.serviceRequestId).toBe(channel.created[0]?.id);
  });

  it("when 21Vianet throttles, then a retry is scheduled no sooner than Retry-After, with a new MS-RequestId next time", async () => {
    const { channel, clock, deps, message, current } = await setup();
    channel.script = [{ kind: "transient", failure: "throttled", reason: "HTTP 429", retryAfterMs: 120_000 }];
    const first = await forwardEscalation(message, deps);
    expect(first).toMatchObject({ kind: "retry", retry: 1, failure: "throttled" });
    expect(first.kind === "retry" && first.delayMs).toBeGreaterThanOrEqual(120_000);
    expect((await current())?.status).toBe("queued");
    clock.advance(first.kind === "retry" ? first.delayMs : 0);
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
    expect(channel.attempts.map((attempt) => attempt.requestId)).toEqual(["request-1", "request-2"]);
    expect(channel.created).toHaveLength(1);
  });

  it("when the response is lost after 21Vianet created the request, then the next attempt finds it instead of creating again", async () => {
    const { channel, clock, deps, message, current } = await setup();
    channel.script = ["create-lost"];
    const first = await forwardEscalation(message, deps);
    expect(first.kind).toBe("retry");
    expect((await current())?.forwarding?.openAttempt?.requestId).toBe("request-1");
    clock.advance(first.kind === "retry" ? first.delayMs : 0);
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
    expect(channel.created).toHaveLength(1);
    expect(channel.attempts).toHaveLength(1);
  });

  it("when the outcome is unknown and nothing was created, then the retry reuses the same MS-RequestId", async () => {
    const { channel, clock, deps, message } = await setup();
    channel.script = [{ kind: "unknown", reason: "timed out after 30 s" }];
    const first = await forwardEscalation(message, deps);
    clock.advance(first.kind === "retry" ? first.delayMs : 0);
    await forwardEscalation(message, deps);
    expect(channel.attempts.map((attempt) => attempt.requestId)).toEqual(["request-1", "request-1"]);
    expect(channel.created).toHaveLength(1);
  });

  it("when the worker crashes between the call and the status write, then redelivery records the request created once", async () => {
    const { channel, deps, message, current } = await setup();
    channel.script = ["create-then-crash"];
    await expect(forwardEscalation(message, deps)).rejects.toThrow("worker crashed");
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
    expect(channel.created).toHaveLength(1);
    expect((await current())?.vianet?.serviceRequestId).toBe("100000000000000");
  });

  it("when 21Vianet answers with a permanent error, then the escalation is rejected with its code", async () => {
    const { deps, channel, message, current } = await setup();
    channel.script = [
      { kind: "permanent", code: "900127", description: "The operation is not supported in this environment." },
    ];
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "rejected" });
    expect((await current())?.vianet).toMatchObject({ status: "rejected", code: "900127" });
  });

  it("when transient failures outlast the retry budget, then the escalation fails with the last reason", async () => {
    const { deps, channel, clock, message, current } = await setup();
    channel.script = [
      { kind: "transient", failure: "unavailable", reason: "503 Service Unavailable" },
      { kind: "transient", failure: "unavailable", reason: "503 Service Unavailable" },
    ];
    expect((await forwardEscalation(message, deps)).kind).toBe("retry");
    clock.advance(DEFAULT_BACKOFF.budgetMs + 1);
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "failed" });
    expect((await current())?.history.at(-1)?.detail).toContain("503 Service Unavailable");
  });

  it("when looking for the earlier request throws a raw transport error, then the history and lastFailure name only the step, never the error's text", async () => {
    const { channel, clock, deps, message, current } = await setup();
    channel.script = ["create-lost"];
    const first = await forwardEscalation(message, deps);
    clock.advance(first.kind === "retry" ? first.delayMs : 0);
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.20.30.40:443"), { code: "ECONNREFUSED" });
    const failingLookup = Object.assign(Object.create(channel) as ScriptedChannel, {
      findExisting: () => Promise.reject(refused),
    });
    expect(await forwardEscalation(message, { ...deps, channels: { "partner-center": failingLookup } })).toMatchObject({
      kind: "retry",
      failure: "unknown-outcome",
    });
    const stored = await current();
    expect(stored?.forwarding?.lastFailure?.reason).toBe("could not look for the earlier request: lookup failed");
    expect(JSON.stringify(stored)).not.toContain("10.20.30.40");
  });

  it("when the message is not an escalation reference, then it is dead-lettered with a reason, not retried", async () => {
    const { deps } = await setup();
    expect(await forwardEscalation({ hello: "world" }, deps)).toMatchObject({
      kind: "dead-letter",
      reason: "InvalidMessage",
    });
    expect(await forwardEscalation({ escalationId: "esc-missing", correlationId: "c" }, deps)).toMatchObject({
      kind: "dead-letter",
      reason: "UnknownEscalation",
    });
  });

  it("when the intake's own update races the marker, then forwarding reads again and goes on without a redelivery", async () => {
    const { store, channel, deps, message, current } = await setup();
    let raced = 0;
    const racing = Object.assign(Object.create(store) as InMemoryEscalationStore, {
      get: (id: string) => store.get(id),
      replace: async (next: Escalation, etag: string) => {
        if (raced < 2) {
          raced += 1;
          const latest = await store.get(next.id);
          if (latest) await store.replace({ ...latest.value, dispatch: "sent" }, latest.etag);
        }
        return store.replace(next, etag);
      },
    });
    expect(await forwardEscalation(message, { ...deps, store: racing })).toEqual({ kind: "done", status: "forwarded" });
    expect(raced).toBe(2);
    expect(channel.created).toHaveLength(1);
    expect((await current())?.forwarding?.attempts).toBe(1);
  });

  it("when looking for the earlier request fails, then a retry is scheduled and nothing is created meanwhile", async () => {
    const { channel, clock, deps, message, current } = await setup();
    channel.script = ["create-lost"];
    const first = await forwardEscalation(message, deps);
    expect(first.kind).toBe("retry");
    clock.advance(first.kind === "retry" ? first.delayMs : 0);
    const failingLookup = Object.assign(Object.create(channel) as ScriptedChannel, {
      findExisting: () => Promise.reject(new Error("HTTP 503 on list")),
    });
    const result = await forwardEscalation(message, { ...deps, channels: { "partner-center": failingLookup } });
    expect(result).toMatchObject({ kind: "retry", retry: 2 });
    expect(channel.created).toHaveLength(1);
    const escalation = await current();
    expect(escalation?.status).toBe("queued");
    expect(escalation?.forwarding?.openAttempt).toBeDefined();
    // The raw error is not kept: only what kind of step failed.
    expect(escalation?.forwarding?.lastFailure).toMatchObject({
      kind: "unknown-outcome",
      reason: "could not look for the earlier request: lookup failed",
    });
    // Once the lookup works, the request created before is found, not created again.
    clock.advance(result.kind === "retry" ? result.delayMs : 0);
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
    expect(channel.created).toHaveLength(1);
  });

  it("when 21Vianet is unavailable several times, then every retry gets its own number, so duplicate detection drops none", async () => {
    const { channel, deps, message, clock } = await setup();
    channel.script = [
      { kind: "transient", failure: "unavailable", reason: "HTTP 503" },
      { kind: "transient", failure: "unavailable", reason: "HTTP 503" },
      { kind: "unknown", reason: "timeout" },
    ];
    const retries: number[] = [];
    for (let pass = 0; pass < 3; pass++) {
      const result = await forwardEscalation(message, deps);
      if (result.kind !== "retry") throw new Error(`expected a retry, got ${result.kind}`);
      retries.push(result.retry);
      clock.advance(result.delayMs);
    }
    expect(retries).toEqual([1, 2, 3]);
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
  });

  it("when a delivery comes before the scheduled retry is due (the retry could not be scheduled), then 21Vianet is not called and the same retry is scheduled again", async () => {
    const { channel, clock, deps, message, current } = await setup();
    channel.script = [{ kind: "transient", failure: "throttled", reason: "HTTP 429", retryAfterMs: 600_000 }];
    const first = await forwardEscalation(message, deps);
    if (first.kind !== "retry") throw new Error("expected a retry");

    clock.advance(1_000);
    const early = await forwardEscalation(message, deps);

    expect(early).toMatchObject({ kind: "retry", retry: first.retry, failure: "throttled" });
    expect(early.kind === "retry" && early.delayMs).toBe(first.delayMs - 1_000);
    expect(channel.attempts).toHaveLength(1);
    expect((await current())?.forwarding).toMatchObject({
      retries: 1,
      nextAttemptAt: new Date(Date.parse("2026-11-26T08:00:00.000Z") + first.delayMs).toISOString(),
    });
    clock.advance(early.kind === "retry" ? early.delayMs : 0);
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
    expect(channel.attempts).toHaveLength(2);
  });

  it("when each retry fails, then the escalation shows the attempts, the last failure's kind and reason, and when the next attempt is due", async () => {
    const { channel, clock, deps, message, current } = await setup();
    channel.script = [{ kind: "transient", failure: "authorisation", reason: "HTTP 401" }];
    const result = await forwardEscalation(message, deps);
    if (result.kind !== "retry") throw new Error("expected a retry");
    expect((await current())?.forwarding).toMatchObject({
      attempts: 1,
      lastFailure: { kind: "authorisation", reason: "HTTP 401", at: clock.now().toISOString() },
      nextAttemptAt: new Date(clock.now().getTime() + result.delayMs).toISOString(),
    });
  });

  it("when our credentials are refused until the budget is spent, then the escalation fails (never rejected) naming a configuration problem", async () => {
    const { channel, clock, deps, message, current } = await setup();
    channel.script = [
      { kind: "transient", failure: "authorisation", reason: "token: invalid_grant (AADSTS700082)" },
      { kind: "transient", failure: "authorisation", reason: "HTTP 401" },
    ];
    const first = await forwardEscalation(message, deps);
    expect(first).toMatchObject({ kind: "retry", failure: "authorisation" });
    clock.advance(DEFAULT_BACKOFF.budgetMs + 1);
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "failed" });
    const escalation = await current();
    expect(escalation?.status).toBe("failed");
    expect(escalation?.vianet).toBeUndefined();
    expect(escalation?.history.at(-1)?.detail).toContain(
      "credentials were refused (a configuration problem on our side",
    );
  });
});
