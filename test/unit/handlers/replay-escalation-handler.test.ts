// POST /api/escalations/{id}/retry: an operator replays a failed escalation, still with at most
// one 21Vianet request.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { Escalation } from "../../../shared/domain/escalations/escalation.js";
import { DEFAULT_BACKOFF } from "../../../shared/domain/forwarding/backoff.js";
import type { ChannelOutcome, VianetChannel } from "../../../shared/domain/forwarding/channel.js";
import { forwardEscalation, type ForwardDependencies } from "../../../shared/domain/forwarding/forward-escalation.js";
import { erasePersonalDataOf } from "../../../shared/domain/escalations/personal-data-ports.js";
import { makeReplayEscalationHandler } from "../../../shared/handlers/replay-escalation-handler.js";
import { InMemoryRetryQueue, queuedEscalation } from "../domain/forwarding/fakes.js";
import { callers, sha } from "./callers.js";

const { HttpRequest, InvocationContext } = functions;
const operators = [...callers, { id: "operations", keySha256: sha("ops-key"), tenants: "all" as const }];

/** 21Vianet: one answer per call, and it may already hold the request an attempt created. */
class ScriptedChannel implements VianetChannel {
  readonly name = "partner-center" as const;
  submits = 0;
  existing: { serviceRequestId: string; status: string } | undefined;
  constructor(private readonly answers: ChannelOutcome[]) {}
  submit(): Promise<ChannelOutcome> {
    this.submits += 1;
    return Promise.resolve(
      this.answers.shift() ?? { kind: "created", serviceRequestId: "100000000000009", status: "open" },
    );
  }
  findExisting(): Promise<{ serviceRequestId: string; status: string } | undefined> {
    return Promise.resolve(this.existing);
  }
}

/** An escalation that failed after its last attempt's outcome stayed unknown. */
async function failedEscalation(channel: ScriptedChannel) {
  const queued = await queuedEscalation();
  const forward: ForwardDependencies = {
    store: queued.store,
    channels: { "partner-center": channel },
    routing: [{ channel: "partner-center" }],
    clock: queued.clock,
    backoff: DEFAULT_BACKOFF,
    newRequestId: () => "00000000-0000-4000-8000-000000000001",
    random: () => 0.5,
  };
  expect((await forwardEscalation(queued.message, forward)).kind).toBe("retry");
  queued.clock.advance(DEFAULT_BACKOFF.budgetMs + 1);
  expect(await forwardEscalation(queued.message, forward)).toEqual({ kind: "done", status: "failed" });
  return { ...queued, forward };
}

const post = (id: string, key: string) =>
  new HttpRequest({
    url: `http://127.0.0.1:7071/api/escalations/${id}/retry`,
    method: "POST",
    headers: { "x-functions-key": key },
    params: { id },
  });
const context = () => new InvocationContext({ functionName: "escalations-retry-post", invocationId: "test" });
const viewOf = (response: { jsonBody?: unknown }) =>
  response.jsonBody as {
    status: string;
    history: { from: string | null; to: string; actor: string; detail: string }[];
  };

describe("POST /api/escalations/{id}/retry", () => {
  it("when an operator replays a failed escalation, then 202, back to queued with a history entry, one new message with a new retry number, and the earlier request is found, not created again", async () => {
    const channel = new ScriptedChannel([
      { kind: "unknown", reason: "HTTP 504" },
      { kind: "unknown", reason: "HTTP 504" },
    ]);
    const { store, clock, escalation, message, forward } = await failedEscalation(channel);
    const retries = new InMemoryRetryQueue();
    const handler = makeReplayEscalationHandler({ store, retries, clock, callers: operators });
    const before = (await store.get(escalation.id))?.value.forwarding?.retries ?? 0;

    const response = await handler(post(escalation.id, "ops-key"), context());

    expect(response.status).toBe(202);
    expect(viewOf(response).status).toBe("queued");
    expect(viewOf(response).history.at(-1)).toMatchObject({ from: "failed", to: "queued", actor: "operations" });
    expect(viewOf(response).history.at(-1)?.detail).toContain("looked for first");
    expect(retries.scheduled).toEqual([{ message, retry: before + 1, at: clock.now() }]);
    expect((await store.get(escalation.id))?.value.replay).toMatchObject({
      retry: before + 1,
      by: "operations",
      sent: true,
    });

    // 21Vianet did create it during the last unknown attempt: the replay finds it.
    channel.existing = { serviceRequestId: "100000000000001", status: "open" };
    expect(await forwardEscalation(message, forward)).toEqual({ kind: "done", status: "forwarded" });
    expect(channel.submits).toBe(2);
    expect((await store.get(escalation.id))?.value.vianet?.serviceRequestId).toBe("100000000000001");
  });

  it("when the replayed escalation fails to forward again, then its next retry takes a number no message used before", async () => {
    const channel = new ScriptedChannel([
      { kind: "transient", failure: "unavailable", reason: "HTTP 503" },
      { kind: "transient", failure: "unavailable", reason: "HTTP 503" },
      { kind: "transient", failure: "unavailable", reason: "HTTP 503" },
    ]);
    const { store, clock, escalation, message, forward } = await failedEscalation(channel);
    const retries = new InMemoryRetryQueue();
    await makeReplayEscalationHandler({ store, retries, clock, callers: operators })(
      post(escalation.id, "ops-key"),
      context(),
    );
    const again = await forwardEscalation(message, forward);
    expect(again.kind === "retry" && again.retry).toBe((retries.scheduled[0]?.retry ?? 0) + 1);
  });

  it("when Service Bus refuses the replay's message, then the call fails and the next call sends the same message", async () => {
    const { store, clock, escalation } = await failedEscalation(
      new ScriptedChannel([
        { kind: "transient", failure: "unavailable", reason: "HTTP 503" },
        { kind: "transient", failure: "unavailable", reason: "HTTP 503" },
      ]),
    );
    const retries = new InMemoryRetryQueue();
    retries.refuse = 1;
    const handler = makeReplayEscalationHandler({ store, retries, clock, callers: operators });
    await expect(handler(post(escalation.id, "ops-key"), context())).rejects.toThrow("ServiceUnavailable");
    expect((await store.get(escalation.id))?.value).toMatchObject({ status: "queued", replay: { sent: false } });

    const again = await handler(post(escalation.id, "ops-key"), context());
    expect(again.status).toBe(202);
    expect(retries.scheduled).toHaveLength(1);
    expect((await store.get(escalation.id))?.value.replay?.sent).toBe(true);
    expect((await handler(post(escalation.id, "ops-key"), context())).status).toBe(409);
  });

  it("when the escalation is not failed, then 409 naming its status; a key for some customers, 403; an unknown id, 404", async () => {
    const { store, clock, escalation } = await queuedEscalation();
    const handler = makeReplayEscalationHandler({
      store,
      retries: new InMemoryRetryQueue(),
      clock,
      callers: operators,
    });
    const notFailed = await handler(post(escalation.id, "ops-key"), context());
    expect(notFailed.status).toBe(409);
    expect(JSON.parse(typeof notFailed.body === "string" ? notFailed.body : "{}")).toMatchObject({
      escalationStatus: "queued",
    });
    expect((await handler(post(escalation.id, "contoso-key"), context())).status).toBe(403);
    expect((await handler(post("esc-none", "ops-key"), context())).status).toBe(404);
    expect((await store.get(escalation.id))?.value.status satisfies Escalation["status"] | undefined).toBe("queued");
  });

  it("when the failed escalation's personal data was erased, then 409 personal-data-erased, it stays failed and no message is sent", async () => {
    const channel = new ScriptedChannel([
      { kind: "transient", failure: "unavailable", reason: "HTTP 503" },
      { kind: "transient", failure: "unavailable", reason: "HTTP 503" },
    ]);
    const { store, clock, escalation } = await failedEscalation(channel);
    await erasePersonalDataOf(store, escalation.id, {
      at: clock.now().toISOString(),
      reason: "request",
      by: "contoso-desk",
    });
    const retries = new InMemoryRetryQueue();
    const handler = makeReplayEscalationHandler({ store, retries, clock, callers: operators });

    const response = await handler(post(escalation.id, "ops-key"), context());

    expect(response.status).toBe(409);
    expect(response.headers).toMatchObject({ "content-type": "application/problem+json" });
    expect(JSON.parse(typeof response.body === "string" ? response.body : "{}")).toMatchObject({
      type: "https://vianet-escalation-bridge/problems/personal-data-erased",
      status: 409,
    });
    expect(retries.scheduled).toEqual([]);
    expect((await store.get(escalation.id))?.value.status).toBe("failed");
  });
});
