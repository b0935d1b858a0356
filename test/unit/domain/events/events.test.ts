// Events recorded with their change, fanned out once per matching subscription, and delivered signed.
import { describe, expect, it } from "vitest";
import { CriteriaRules } from "../../../../shared/domain/escalations/criteria.js";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import { submitEscalation } from "../../../../shared/domain/escalations/submit-escalation.js";
import { eventsOf, eventWebhookId } from "../../../../shared/domain/events/escalation-events.js";
import {
  deliverEvent,
  eventDeliveryMessageId,
  type EventDeliveryMessage,
  type EventDeliveryPorts,
} from "../../../../shared/domain/events/deliver-event.js";
import {
  EVENT_OUTBOX_GRACE_MS,
  publishEvents,
  publishRecorded,
  sweepEvents,
  type PublishEventsDependencies,
} from "../../../../shared/domain/events/publish-events.js";
import { publishingQuietly } from "../../../../shared/domain/events/publishing-store.js";
import type { PostOutcome, SignedPost } from "../../../../shared/domain/metrics/deliver-report.js";
import { parseWebhookSecret, verifyWebhook } from "../../../../shared/lib/standard-webhooks.js";
import { DEFAULT_EVENT_BACKOFF } from "../../../../shared/settings/event-settings.js";
import { BUILT_TENANT_ID, buildEscalationRequest } from "../../../builders/escalation-request.js";
import { FakeClock, InMemoryEscalationStore, InMemoryQueue, SequentialIds } from "../escalations/fakes.js";
import { buildSubscription, InMemoryDeliveryQueue, InMemoryEventOutbox } from "./event-fakes.js";
import { InMemorySubscriptionStore } from "./fakes.js";

const OTHER_TENANT = "0b1c2d3e-4f50-4612-8734-956a7b8c9d0e";

/** A store that writes an outbox row before each change, as the Table adapter does. */
class RecordingStore extends InMemoryEscalationStore {
  constructor(
    private readonly outbox: InMemoryEventOutbox,
    private readonly clock: FakeClock,
  ) {
    super();
  }

  get store(): InMemoryEscalationStore {
    return this;
  }

  async #mark(escalation: Escalation, after: number): Promise<void> {
    if (eventsOf(escalation, after).length === 0) return;
    await this.outbox.mark({
      escalationId: escalation.id,
      after,
      upTo: escalation.history.length,
      markedAt: this.clock.now().toISOString(),
    });
  }

  override async create(escalation: Escalation) {
    await this.#mark(escalation, 0);
    return super.create(escalation);
  }

  override async replace(escalation: Escalation, etag: string) {
    const before = await this.get(escalation.id);
    await this.#mark(escalation, before?.value.history.length ?? 0);
    return super.replace(escalation, etag);
  }
}

async function setUp() {
  const clock = new FakeClock();
  const outbox = new InMemoryEventOutbox();
  const subscriptions = new InMemorySubscriptionStore();
  const deliveries = new InMemoryDeliveryQueue(eventDeliveryMessageId);
  const recording = new RecordingStore(outbox, clock);
  const deps: PublishEventsDependencies = { store: recording.store, outbox, subscriptions, deliveries, clock };
  await subscriptions.create(buildSubscription({ id: "all-tenants" }));
  await subscriptions.create(buildSubscription({ id: "other-tenant", tenants: [OTHER_TENANT] }));
  await subscriptions.create(buildSubscription({ id: "forwarded-only", events: ["escalation.forwarded"] }));
  const outcome = await submitEscalation(
    buildEscalationRequest(),
    { id: "contoso-desk", tenants: [BUILT_TENANT_ID] },
    {
      store: recording,
      queue: new InMemoryQueue(),
      clock,
      ids: new SequentialIds(),
      rules: CriteriaRules.parse({}),
      services: ["office365"],
    },
  );
  if (!outcome.ok) throw new Error("not stored");
  return { clock, outbox, subscriptions, deliveries, recording, deps, id: outcome.escalation.id };
}

async function forward(recording: RecordingStore, id: string, clock: FakeClock) {
  const stored = await recording.store.get(id);
  if (stored === undefined) throw new Error("gone");
  const at = clock.now().toISOString();
  const next: Escalation = {
    ...stored.value,
    status: "forwarded",
    updatedAt: at,
    history: [
      ...stored.value.history,
      { at, from: stored.value.status, to: "forwarded", actor: "system", detail: "forwarded" },
      { at, from: "forwarded", to: "forwarded", actor: "system", detail: "bookkeeping" },
    ],
  };
  const replaced = await recording.replace(next, stored.etag);
  if (!replaced.ok) throw new Error("conflict");
}

describe("events of an escalation", () => {
  it("when history entries move the status or add a note, then each is an event numbered by its position", () => {
    const at = "2026-11-26T08:00:00.000Z";
    const history = [
      { at, from: null, to: "queued" as const, actor: "a", detail: "" },
      { at, from: "queued" as const, to: "forwarded" as const, actor: "a", detail: "" },
      { at, from: "forwarded" as const, to: "forwarded" as const, actor: "a", detail: "sync" },
      { at, from: "forwarded" as const, to: "forwarded" as const, actor: "21vianet", detail: "", noteId: "n1" },
      { at, from: "forwarded" as const, to: "forwarded" as const, actor: "system", detail: "failed", noteId: "n1" },
      { at, from: "forwarded" as const, to: "closed" as const, actor: "21vianet", detail: "" },
    ];
    const escalation = { id: "e1", request: { customer: { tenantId: "t" } }, history } as unknown as Escalation;

    expect(eventsOf(escalation).map(({ sequence, type }) => [sequence, type])).toEqual([
      [1, "escalation.queued"],
      [2, "escalation.forwarded"],
      [4, "escalation.note_added"],
      [6, "escalation.closed"],
    ]);
    expect(eventsOf(escalation, 3).map((event) => event.sequence)).toEqual([4, 6]);
  });

  it("the webhook-id is the same for one event and subscription, and differs for another of either", () => {
    expect(eventWebhookId({ escalationId: "e1", sequence: 2 }, "s1")).toBe("evt_e1_2_s1");
    expect(eventWebhookId({ escalationId: "e1", sequence: 3 }, "s1")).not.toBe("evt_e1_2_s1");
    expect(eventWebhookId({ escalationId: "e1", sequence: 2 }, "s2")).not.toBe("evt_e1_2_s1");
  });
});

describe("fan-out", () => {
  it("when a change is published, then each matching subscription of the customer gets one message and the outbox row goes", async () => {
    const { deps, deliveries, outbox, id } = await setUp();

    await publishEvents(id, deps);

    expect(deliveries.sent.map((m) => [m.subscriptionId, m.type, m.sequence])).toEqual([
      ["all-tenants", "escalation.queued", 1],
    ]);
    expect(outbox.rows.size).toBe(0);
  });

  it("when the change's own version and outbox row are given, then its events go out and the row goes, nothing read", async () => {
    const { deps, deliveries, outbox, id } = await setUp();
    const [entry] = await outbox.forEscalation(id);
    const stored = await deps.store.get(id);
    if (entry === undefined || stored === undefined) throw new Error("not marked");
    const reading = { ...deps, store: { get: () => Promise.reject(new Error("read")) } };

    await publishRecorded({ escalation: stored.value, entry }, reading);

    expect(deliveries.sent.map((m) => [m.subscriptionId, m.type, m.sequence])).toEqual([
      ["all-tenants", "escalation.queued", 1],
    ]);
    expect(outbox.rows.size).toBe(0);
    await expect(
      publishRecorded({ escalation: stored.value, entry: { ...entry, upTo: entry.upTo + 1 } }, reading),
    ).rejects.toThrow(RangeError);
  });

  it("when the change is written but the fan-out never ran (a crash), then the sweep publishes it once the grace period passed", async () => {
    const { deps, deliveries, outbox, recording, clock, id } = await setUp();
    await publishEvents(id, deps);
    await forward(recording, id, clock);

    expect(await sweepEvents(deps)).toBe(0);
    clock.advance(EVENT_OUTBOX_GRACE_MS + 1);
    await sweepEvents(deps);

    expect(
      deliveries.sent
        .filter((m) => m.sequence === 2)
        .map((m) => m.subscriptionId)
        .sort(),
    ).toEqual(["all-tenants", "forwarded-only"]);
    expect(outbox.rows.size).toBe(0);
  });

  it("when the fan-out runs twice (a crash before the row was removed), then the copies carry the same MessageId and are dropped", async () => {
    const { deps, deliveries, outbox, id } = await setUp();
    const rows = [...outbox.rows.values()];

    await publishEvents(id, deps);
    for (const row of rows) await outbox.mark(row);
    await publishEvents(id, deps);

    expect(deliveries.sent).toHaveLength(1);
  });

  it("when the change was never written (a conflict), then its outbox row is removed after the grace period and nothing is sent", async () => {
    const { deps, deliveries, outbox, clock, id } = await setUp();
    await publishEvents(id, deps);
    await outbox.mark({ escalationId: id, after: 1, upTo: 3, markedAt: clock.now().toISOString() });

    await publishEvents(id, deps);
    expect(outbox.rows.size).toBe(1);
    clock.advance(EVENT_OUTBOX_GRACE_MS + 1);
    await sweepEvents(deps);

    expect(outbox.rows.size).toBe(0);
    expect(deliveries.sent).toHaveLength(1);
  });

  it("when the immediate fan-out fails, then the failure is reported, not thrown, and the outbox row stays for the sweep", async () => {
    const { outbox, id } = await setUp();
    const failures: string[] = [];
    const publish = publishingQuietly(
      () => Promise.reject(new Error("queue down")),
      (escalationId) => failures.push(escalationId),
    );

    await publish(id);

    expect(failures).toEqual([id]);
    expect(outbox.rows.size).toBe(1);
  });
});

describe("delivery", () => {
  async function deliverySetUp(answers: PostOutcome[], format: "json" | "teams" = "json") {
    const { recording, clock, id } = await setUp();
    const subscriptions = new InMemorySubscriptionStore();
    await subscriptions.create(buildSubscription({ format }));
    const posts: SignedPost[] = [];
    const ports: EventDeliveryPorts = {
      backoff: DEFAULT_EVENT_BACKOFF,
      subscriptions,
      store: recording.store,
      view: (escalation) => ({ id: escalation.id, status: escalation.status, contact: escalation.request.contact }),
      post: (request) => {
        posts.push(request);
        return Promise.resolve(answers.shift() ?? { kind: "delivered", status: 200 });
      },
      clock,
      random: () => 0.5,
    };
    const message: EventDeliveryMessage = {
      escalationId: id,
      sequence: 1,
      type: "escalation.queued",
      at: clock.now().toISOString(),
      subscriptionId: "sub-1",
      attempt: 1,
    };
    return { ports, posts, message, subscriptions, clock };
  }

  it("when delivered, then the body is the Standard Webhooks envelope and the signature verifies with the secret", async () => {
    const { ports, posts, message, clock } = await deliverySetUp([]);

    const result = await deliverEvent(message, ports);

    expect(result.kind).toBe("delivered");
    const post = posts[0];
    if (post === undefined) throw new Error("no post");
    expect(JSON.parse(post.body)).toMatchObject({
      type: "escalation.queued",
      timestamp: message.at,
      data: { sequence: 1 },
    });
    const secret = parseWebhookSecret(buildSubscription().secret);
    if (!secret.ok) throw new Error("bad secret");
    const verified = verifyWebhook({
      headers: new Headers(post.headers),
      body: Buffer.from(post.body),
      secrets: [secret.secret],
      now: clock.now(),
    });
    expect(verified).toMatchObject({ ok: true, webhookId: `evt_${message.escalationId}_1_sub-1` });
  });

  it("when the receiver answers 503 with Retry-After, then the next attempt is scheduled no sooner, with the same webhook-id, signed afresh", async () => {
    const { ports, posts, message, clock } = await deliverySetUp([
      { kind: "transient", reason: "HTTP 503", retryAfterMs: 120_000 },
    ]);

    const first = await deliverEvent(message, ports);
    if (first.kind !== "retry") throw new Error(`expected a retry, got ${first.kind}`);
    expect(first.at.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(120_000);
    clock.advance(first.at.getTime() - clock.now().getTime());
    const second = await deliverEvent(first.message, ports);

    expect(second.kind).toBe("delivered");
    expect(posts.map((post) => post.headers["webhook-id"])).toEqual([
      `evt_${message.escalationId}_1_sub-1`,
      `evt_${message.escalationId}_1_sub-1`,
    ]);
    expect(posts[0]?.headers["webhook-timestamp"]).not.toBe(posts[1]?.headers["webhook-timestamp"]);
    expect(eventDeliveryMessageId(first.message)).not.toBe(eventDeliveryMessageId(message));
  });

  it("when the retry budget is spent, then it gives up", async () => {
    const { ports, message, clock } = await deliverySetUp([{ kind: "transient", reason: "HTTP 503" }]);
    clock.advance(DEFAULT_EVENT_BACKOFF.budgetMs);

    expect((await deliverEvent(message, ports)).kind).toBe("gave-up");
  });

  it("when the receiver answers 410 Gone, then the subscription is removed", async () => {
    const { ports, message, subscriptions } = await deliverySetUp([
      { kind: "refused", reason: "HTTP 410", status: 410 },
    ]);

    expect((await deliverEvent(message, ports)).kind).toBe("unsubscribed");
    expect(await subscriptions.get("sub-1")).toBeUndefined();
  });

  it("when the receiver answers another 4xx, then it is not retried and the subscription stays", async () => {
    const { ports, message, subscriptions } = await deliverySetUp([
      { kind: "refused", reason: "HTTP 400", status: 400 },
    ]);

    expect((await deliverEvent(message, ports)).kind).toBe("refused");
    expect(await subscriptions.get("sub-1")).toBeDefined();
  });

  it("when the subscription was deleted, then nothing is posted", async () => {
    const { ports, posts, message, subscriptions } = await deliverySetUp([]);
    await subscriptions.delete("sub-1");

    expect((await deliverEvent(message, ports)).kind).toBe("dropped");
    expect(posts).toHaveLength(0);
  });

  it("when the format is teams, then an Adaptive Card is posted without the contact's name, email or phone", async () => {
    const { ports, posts, message } = await deliverySetUp([], "teams");

    await deliverEvent(message, ports);

    const body = posts[0]?.body ?? "";
    expect(JSON.parse(body)).toMatchObject({
      type: "message",
      attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: { type: "AdaptiveCard" } }],
    });
    const { contact, title, description, firstLineSupport } = buildEscalationRequest();
    for (const personal of [
      contact.name,
      contact.email,
      contact.phone,
      title,
      description,
      ...firstLineSupport.stepsTaken,
    ])
      if (personal !== undefined) expect(body).not.toContain(personal);
  });
});
