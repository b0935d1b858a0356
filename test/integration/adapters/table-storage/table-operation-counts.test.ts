// How many Table Storage requests each step of an escalation's life costs, counted by a pipeline
// policy on the real client against Azurite, with the store wired as the composition root wires it
// (the immediate event fan-out included): submission, forwarding through Partner Center and through
// the portal, the case number from the portal, a status change read by the status sync or reported
// by 21Vianet, and closing. Cost in Azure follows from these counts, so a change that adds a
// request on the common path fails here.
import { randomUUID } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { afterEach, describe, expect, inject, it } from "vitest";
import { TableEscalationStore } from "../../../../shared/adapters/table-storage/table-escalation-store.js";
import { TableEventOutbox } from "../../../../shared/adapters/table-storage/table-event-outbox.js";
import { TableSubscriptionStore } from "../../../../shared/adapters/table-storage/table-subscription-store.js";
import { TableSyncSchedule } from "../../../../shared/adapters/table-storage/table-sync-schedule.js";
import { changeEscalation } from "../../../../shared/domain/escalations/change-escalation.js";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import { CriteriaRules } from "../../../../shared/domain/escalations/criteria.js";
import { submitEscalation, type SubmitDependencies } from "../../../../shared/domain/escalations/submit-escalation.js";
import { recordVianetUpdate, type VianetStatus } from "../../../../shared/domain/escalations/vianet-updates.js";
import { DEFAULT_BACKOFF } from "../../../../shared/domain/forwarding/backoff.js";
import { publishRecorded, type EventDeliveryQueue } from "../../../../shared/domain/events/publish-events.js";
import type { VianetChannel } from "../../../../shared/domain/forwarding/channel.js";
import {
  forwardEscalation,
  type ForwardDependencies,
} from "../../../../shared/domain/forwarding/forward-escalation.js";
import { PortalChannel, recordPortalCase } from "../../../../shared/domain/forwarding/portal-channel.js";
import { runStatusSync } from "../../../../shared/domain/forwarding/status-sync.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";
import {
  describeOperations,
  recordTableOperations,
  type TimedTableOperation,
} from "../../../builders/table-operations.js";
import { FakeClock, InMemoryQueue } from "../../../unit/domain/escalations/fakes.js";

const tables: TableClient[] = [];

afterEach(async () => {
  await Promise.all(tables.splice(0).map((table) => table.deleteTable()));
});

/** A table of its own per test (the sync line and the outboxes are one partition each), recorded. */
async function recordedStore() {
  const table = TableClient.fromConnectionString(
    inject("tableConnectionString"),
    `ops${randomUUID().replaceAll("-", "").slice(0, 12)}`,
    { allowInsecureConnection: true },
  );
  await table.createTable();
  tables.push(table);
  const operations: TimedTableOperation[] = [];
  recordTableOperations(table, operations);
  const deliveries: EventDeliveryQueue = { send: () => Promise.resolve() };
  const publishing = {
    outbox: new TableEventOutbox(table),
    subscriptions: new TableSubscriptionStore(table, { remembersAll: true }),
    deliveries,
  };
  // A worker that has fanned events out before: it has read the subscriptions once already.
  await publishing.subscriptions.all();
  operations.length = 0;
  // As the composition root wires it: every change with events is followed by their fan-out.
  const store = new TableEscalationStore(table, {
    onEventsRecorded: async (_escalationId, recorded) => {
      await publishRecorded(recorded, publishing);
    },
  });
  return { table, store, operations };
}

function submitDeps(store: TableEscalationStore, clock: FakeClock): SubmitDependencies {
  return {
    store,
    queue: new InMemoryQueue(),
    clock,
    ids: { escalationId: () => `esc_${randomUUID()}`, correlationId: () => randomUUID() },
    rules: CriteriaRules.parse({}),
    services: ["office365"],
  };
}

async function submitted(store: TableEscalationStore, clock: FakeClock): Promise<Escalation> {
  const outcome = await submitEscalation(
    buildEscalationRequest(),
    { id: "partner", tenants: "all" },
    submitDeps(store, clock),
  );
  if (!outcome.ok) throw new Error(`submission refused: ${outcome.error}`);
  return outcome.escalation;
}

const partnerCenter: VianetChannel = {
  name: "partner-center",
  submit: () =>
    Promise.resolve({ kind: "created", serviceRequestId: `SR-${randomUUID().slice(0, 8)}`, status: "open" }),
  findExisting: () => Promise.resolve(undefined),
};

function forwardDeps(
  store: TableEscalationStore,
  clock: FakeClock,
  channel: "partner-center" | "portal",
): ForwardDependencies {
  return {
    store,
    channels: { "partner-center": partnerCenter, portal: new PortalChannel() },
    routing: [{ channel }],
    clock,
    backoff: DEFAULT_BACKOFF,
    newRequestId: randomUUID,
  };
}

async function forwarded(store: TableEscalationStore, clock: FakeClock, channel: "partner-center" | "portal") {
  const escalation = await submitted(store, clock);
  clock.advance(1_000);
  const result = await forwardEscalation(
    { escalationId: escalation.id, correlationId: escalation.correlationId },
    forwardDeps(store, clock, channel),
  );
  expect(result).toEqual({ kind: "done", status: channel === "portal" ? "awaiting_portal" : "forwarded" });
  return escalation.id;
}

async function reported(store: TableEscalationStore, clock: FakeClock, id: string, status: VianetStatus) {
  const change = await changeEscalation(store, id, ({ value }) => {
    const result = recordVianetUpdate(value, { status, at: clock.now(), source: "email" }, clock.now());
    return result.ok && result.changed ? { write: result.escalation, answer: true } : { stop: false };
  });
  expect(change).toMatchObject({ ok: true, answer: true });
}

/** What a step cost, with the list in the failure message. */
function costOf(operations: readonly TimedTableOperation[]) {
  return { count: operations.length, operations: describeOperations(operations) };
}

describe("Table Storage requests per step of an escalation's life", () => {
  it("when an escalation is submitted, then it costs the requests listed", async () => {
    const clock = new FakeClock();
    const { store, operations } = await recordedStore();

    await submitted(store, clock);

    expect(costOf(operations)).toEqual({
      count: 11,
      operations:
        "delete dispatch-pending, delete event-outbox, get subscription, insert escalation, insert gate, update escalation, upsert customer, upsert dispatch-pending, upsert event-outbox, upsert events, upsert status",
    });
  });

  it("when it is forwarded through Partner Center, then it costs the requests listed", async () => {
    const clock = new FakeClock();
    const { store, operations } = await recordedStore();
    const escalation = await submitted(store, clock);
    operations.length = 0;
    clock.advance(1_000);

    await forwardEscalation(
      { escalationId: escalation.id, correlationId: escalation.correlationId },
      forwardDeps(store, clock, "partner-center"),
    );

    expect(costOf(operations)).toEqual({
      count: 14,
      operations:
        "delete event-outbox, delete status, 2x get escalation, get subscription, 2x update escalation, upsert customer, upsert event-outbox, upsert events, upsert status, upsert vianet-case, upsert vianet-sync, upsert vianet-waiting",
    });
  });

  it("when it is forwarded through the portal and its case number recorded, then each costs the requests listed", async () => {
    const clock = new FakeClock();
    const { store, operations } = await recordedStore();
    const escalation = await submitted(store, clock);
    operations.length = 0;
    clock.advance(1_000);

    await forwardEscalation(
      { escalationId: escalation.id, correlationId: escalation.correlationId },
      forwardDeps(store, clock, "portal"),
    );
    expect(costOf(operations)).toEqual({
      count: 11,
      operations:
        "delete event-outbox, delete status, 2x get escalation, get subscription, 2x update escalation, upsert customer, upsert event-outbox, upsert events, upsert status",
    });
    operations.length = 0;
    clock.advance(1_000);
    const change = await changeEscalation(store, escalation.id, ({ value }) => {
      const result = recordPortalCase(value, "CN-2026-0001", "partner", clock.now());
      return result.ok ? { write: result.escalation, answer: true } : { stop: false };
    });

    expect(change).toMatchObject({ ok: true });
    expect(costOf(operations)).toEqual({
      count: 12,
      operations:
        "delete event-outbox, delete status, 2x get escalation, get subscription, update escalation, upsert customer, upsert event-outbox, upsert events, upsert status, upsert vianet-case, upsert vianet-waiting",
    });
  });

  it("when the status sync reads a status change, then it costs the requests listed", async () => {
    const clock = new FakeClock();
    const { table, store, operations } = await recordedStore();
    await forwarded(store, clock, "partner-center");
    operations.length = 0;
    clock.advance(60_000);

    const summary = await runStatusSync({
      store,
      schedule: new TableSyncSchedule(table),
      requests: {
        read: () => Promise.resolve({ kind: "read", request: { status: "attention_needed", notes: [] } }),
        addNote: () => Promise.resolve({ kind: "added" }),
      },
      clock,
      maxRequests: 10,
    });

    expect(summary).toMatchObject({ visited: 1, changed: 1 });
    expect(costOf(operations)).toEqual({
      count: 13,
      operations:
        "batch vianet-sync, delete event-outbox, delete status, delete vianet-waiting, 2x get escalation, get subscription, query vianet-sync, update escalation, upsert customer, upsert event-outbox, upsert events, upsert status",
    });
  });

  it("when the status sync finds nothing new, then the visit costs a read, the write of its sync time and the move in the line", async () => {
    const clock = new FakeClock();
    const { table, store, operations } = await recordedStore();
    await forwarded(store, clock, "partner-center");
    operations.length = 0;
    clock.advance(60_000);

    const summary = await runStatusSync({
      store,
      schedule: new TableSyncSchedule(table),
      requests: {
        read: () => Promise.resolve({ kind: "read", request: { status: "open", notes: [] } }),
        addNote: () => Promise.resolve({ kind: "added" }),
      },
      clock,
      maxRequests: 10,
    });

    expect(summary).toMatchObject({ visited: 1, changed: 0 });
    expect(costOf(operations)).toEqual({
      count: 4,
      operations: "batch vianet-sync, get escalation, query vianet-sync, update escalation",
    });
  });

  it("when 21Vianet reports a status change and then closes it, then each costs the requests listed", async () => {
    const clock = new FakeClock();
    const { store, operations } = await recordedStore();
    const id = await forwarded(store, clock, "partner-center");
    operations.length = 0;
    clock.advance(60_000);

    await reported(store, clock, id, "attention_needed");
    expect(costOf(operations)).toEqual({
      count: 11,
      operations:
        "delete event-outbox, delete status, delete vianet-waiting, 2x get escalation, get subscription, update escalation, upsert customer, upsert event-outbox, upsert events, upsert status",
    });
    operations.length = 0;
    clock.advance(60_000);
    await reported(store, clock, id, "closed");

    expect(costOf(operations)).toEqual({
      count: 11,
      operations:
        "delete event-outbox, delete status, delete vianet-sync, 2x get escalation, get subscription, update escalation, upsert customer, upsert event-outbox, upsert events, upsert status",
    });
  });
});
