// The event outbox against Azurite with the real SDK: the escalation store writes a row before each
// change that adds events; a crash before the fan-out loses nothing (the sweep publishes it), and
// a change never written leaves a row the sweep removes without sending anything.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TableEscalationStore } from "../../../../shared/adapters/table-storage/table-escalation-store.js";
import { TableEventOutbox } from "../../../../shared/adapters/table-storage/table-event-outbox.js";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import { eventDeliveryMessageId } from "../../../../shared/domain/events/deliver-event.js";
import {
  EVENT_OUTBOX_GRACE_MS,
  sweepEvents,
  type PublishEventsDependencies,
} from "../../../../shared/domain/events/publish-events.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";
import { buildSubscription, InMemoryDeliveryQueue } from "../../../unit/domain/events/event-fakes.js";
import { InMemorySubscriptionStore } from "../../../unit/domain/events/fakes.js";
import { freshTable } from "./fresh-table.js";

function buildEscalation(id: string): Escalation {
  const at = new Date().toISOString();
  return {
    id,
    status: "queued",
    request: buildEscalationRequest(),
    callerId: "partner-portal",
    correlationId: randomUUID(),
    createdAt: at,
    updatedAt: at,
    dispatch: "sent",
    criteria: [],
    history: [{ at, from: null, to: "queued", actor: "partner-portal", detail: "accepted" }],
  };
}

const forwarded = (escalation: Escalation): Escalation => ({
  ...escalation,
  status: "forwarded",
  history: [
    ...escalation.history,
    { at: new Date().toISOString(), from: "queued", to: "forwarded", actor: "system", detail: "forwarded" },
  ],
});

describe("the event outbox against Azurite", () => {
  const table = freshTable("eventoutbox");
  const store = new TableEscalationStore(table);
  const outbox = new TableEventOutbox(table);

  async function sweeper() {
    const subscriptions = new InMemorySubscriptionStore();
    await subscriptions.create(buildSubscription({ id: "all" }));
    const deliveries = new InMemoryDeliveryQueue(eventDeliveryMessageId);
    // The sweep's clock past the grace period of every row written so far.
    const clock = { now: () => new Date(Date.now() + EVENT_OUTBOX_GRACE_MS + 1_000) };
    const deps: PublishEventsDependencies = { store, outbox, subscriptions, deliveries, clock };
    return { deps, deliveries };
  }

  it("when changes are stored and the process dies before their fan-out, then the sweep publishes every event once and clears the rows", async () => {
    const id = `esc_${randomUUID()}`;
    const created = await store.create(buildEscalation(id));
    const replaced = await store.replace(forwarded(created.value), created.etag);
    expect(replaced.ok).toBe(true);
    expect((await outbox.forEscalation(id)).map(({ after, upTo }) => [after, upTo])).toEqual([
      [0, 1],
      [1, 2],
    ]);

    const { deps, deliveries } = await sweeper();
    await sweepEvents(deps);
    await sweepEvents(deps);

    const ours = deliveries.sent.filter((message) => message.escalationId === id);
    expect(ours.map(({ sequence, type }) => [sequence, type])).toEqual([
      [1, "escalation.queued"],
      [2, "escalation.forwarded"],
    ]);
    expect(await outbox.forEscalation(id)).toEqual([]);
  });

  it("when a change loses its conditional write, then its row is removed by the sweep and sends nothing", async () => {
    const id = `esc_${randomUUID()}`;
    const created = await store.create(buildEscalation(id));
    const { deps } = await sweeper();
    await sweepEvents(deps);

    // Another worker changes it (bookkeeping, no event) while this store still holds the old version.
    const elsewhere = new TableEscalationStore(table);
    const bookkeeping = await elsewhere.replace(
      { ...created.value, updatedAt: new Date().toISOString() },
      created.etag,
    );
    expect(bookkeeping.ok).toBe(true);
    const stale = await store.replace(forwarded(created.value), created.etag);
    expect(stale).toEqual({ ok: false, error: "conflict" });
    expect((await outbox.forEscalation(id)).map(({ after, upTo }) => [after, upTo])).toEqual([[1, 2]]);
    const { deps: later, deliveries } = await sweeper();
    await sweepEvents(later);

    expect(deliveries.sent.filter((message) => message.escalationId === id)).toEqual([]);
    expect(await outbox.forEscalation(id)).toEqual([]);
  });

  it("when a change records events, then the store's hook runs after it; a bookkeeping change never waits for it", async () => {
    const recorded: string[] = [];
    const hooked = new TableEscalationStore(table, {
      onEventsRecorded: (escalationId) => Promise.resolve(void recorded.push(escalationId)),
    });
    const id = `esc_${randomUUID()}`;
    const created = await hooked.create(buildEscalation(id));
    const bookkeeping = await hooked.replace({ ...created.value, updatedAt: new Date().toISOString() }, created.etag);
    if (!bookkeeping.ok) throw new Error("conflict");
    expect(recorded).toEqual([id]);

    await hooked.replace(forwarded(created.value), bookkeeping.etag);

    expect(recorded).toEqual([id, id]);
  });

  it("when one id starts with another, then each escalation's rows are its own", async () => {
    const id = `esc_${randomUUID()}`;
    await outbox.mark({ escalationId: id, after: 0, upTo: 1, markedAt: new Date().toISOString() });
    await outbox.mark({ escalationId: `${id}0`, after: 0, upTo: 1, markedAt: new Date().toISOString() });

    expect((await outbox.forEscalation(id)).map((entry) => entry.escalationId)).toEqual([id]);
  });
});
