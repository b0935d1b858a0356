// Seeding the metrics benchmark's stores through the app's own writers: the older history in its
// final states, and the last day's activity step by step, the same in every store.
import type { TableClient } from "@azure/data-tables";
import type { RunningAzurite } from "../../local/azurite.js";
import { TableDeadLetterLog } from "../../shared/adapters/table-storage/table-dead-letter-log.js";
import { TableEscalationStore } from "../../shared/adapters/table-storage/table-escalation-store.js";
import type { Escalation } from "../../shared/domain/escalations/escalation.js";
import type { EscalationQueue } from "../../shared/domain/escalations/ports.js";
import { submitEscalation, type SubmitDependencies } from "../../shared/domain/escalations/submit-escalation.js";
import { recordDeadLetter } from "../../shared/domain/forwarding/dead-letters.js";
import { azuriteTable, formatInteger, inPool } from "../kit/index.js";
import {
  accepted,
  attention,
  awaitingPortal,
  between,
  closed,
  correlationId,
  escalationId,
  forwarded,
  FORWARD_MINUTES,
  historyFate,
  historyStates,
  randomSource,
  refused,
  requestFor,
} from "./history.js";
import { countingPolicy, type Store } from "./measure.js";
import {
  CALLER,
  DAY_MS,
  HISTORY_LONGEST_LIFE_MS,
  HISTORY_NEWEST_DAYS_AGO,
  HISTORY_OLDEST_DAYS_AGO,
  HOUR_MS,
  MINUTE_MS,
  RULES,
  SERVICES,
  type Options,
} from "./settings.js";

const noQueue: EscalationQueue = { send: () => Promise.resolve() };

/** submitEscalation with the clock stopped at `at` and the next id fixed. */
function submitDeps(store: TableEscalationStore, at: number, id: string, correlation: string): SubmitDependencies {
  return {
    store,
    queue: noQueue,
    clock: { now: () => new Date(at) },
    ids: { escalationId: () => id, correlationId: () => correlation },
    rules: RULES,
    services: SERVICES,
  };
}

export interface SeedCounts {
  escalations: number;
  gateRefusals: number;
  deadLetters: number;
  byFinalStatus: Record<string, number>;
}

export interface Seeded {
  counts: SeedCounts;
  historyMs: number;
  recentMs: number;
}

/**
 * An older escalation as it ended, stored by TableEscalationStore.create with its whole history:
 * one write of the escalation instead of one per move (the store refuses a replace that skips a
 * move, and one per move would triple the seeding time). It leaves the rows the step-by-step path
 * leaves (checkFinalStateLayout): the same partitions, keys and properties, but for one: the
 * submission's status event carries the channel the escalation ended with, where step by step
 * it was written before there was one. No report reads these events (they are older than every
 * window), so that property cannot change what is measured.
 */
export async function storeFinal(store: TableEscalationStore, final: Escalation): Promise<void> {
  await store.create(final);
}

/** The older history: `count` escalations in their final states, and 10% more gate refusals. */
async function seedHistory(
  table: TableClient,
  count: number,
  options: Options,
  counts: SeedCounts,
  progress: (done: number) => void,
): Promise<void> {
  const store = new TableEscalationStore(table);
  const deadLetters = new TableDeadLetterLog(table);
  const newest = options.now.getTime() - HISTORY_NEWEST_DAYS_AGO * DAY_MS - HISTORY_LONGEST_LIFE_MS;
  const oldest = options.now.getTime() - HISTORY_OLDEST_DAYS_AGO * DAY_MS;
  const refusals = Math.round(count / 10);
  let done = 0;
  await inPool(count + refusals, options.concurrency, async (n) => {
    // A seed per item: the same item is the same whatever order the pool runs them in.
    const random = randomSource(0x5eed0000 + n);
    const at = Math.round(between(random, oldest, newest));
    const customer = Math.floor(random() * options.customers);
    if (n >= count) {
      const outcome = await submitEscalation(
        requestFor(random, customer, n, false),
        CALLER,
        submitDeps(store, at, "unused", "unused"),
      );
      if (outcome.ok) throw new Error("a history gate refusal was accepted");
      counts.gateRefusals++;
      return;
    }
    const start = accepted(random, requestFor(random, customer, n, true), at);
    // The gate decision the submission made, then the escalation as it ended.
    await store.recordGateDecision({
      at: start.createdAt,
      callerId: CALLER.id,
      tenantId: start.request.customer.tenantId,
      service: start.request.service,
      severity: start.request.severity,
      met: true,
      decisions: start.criteria,
      escalationId: start.id,
    });
    const final = historyStates(random, historyFate(random), start).at(-1) ?? start;
    await storeFinal(store, final);
    if (final.status === "failed") {
      await deadLetters.record({
        source: "dead-letter-queue",
        at: final.updatedAt,
        messageId: final.id,
        sequenceNumber: n,
        enqueuedAt: final.createdAt,
        deliveryCount: 10,
        reason: "MaxDeliveryCountExceeded",
        description: "Message could not be consumed after 10 delivery attempts.",
        escalationId: final.id,
        body: JSON.stringify({ escalationId: final.id, correlationId: final.correlationId }),
        outcome: "escalation-failed",
      });
      counts.deadLetters++;
    }
    counts.escalations++;
    counts.byFinalStatus[final.status] = (counts.byFinalStatus[final.status] ?? 0) + 1;
    done++;
    if (done % 10_000 === 0) progress(done);
  });
}

/** The last day's activity: the same escalations, moves, refusals and dead letters in every store. */
async function seedRecent(table: TableClient, options: Options, counts: SeedCounts): Promise<void> {
  const store = new TableEscalationStore(table);
  const log = new TableDeadLetterLog(table);
  const now = options.now.getTime();
  const due = (at: number) => at < now - MINUTE_MS;
  const recentCustomers = Math.min(options.customers, 150);
  const refusals = Math.round(options.recent * 0.15);
  const malformed = 3;
  await inPool(options.recent + refusals + malformed, Math.min(options.concurrency, 16), async (n) => {
    const random = randomSource(0x7ece0000 + n);
    const at = Math.round(between(random, now - DAY_MS + MINUTE_MS, now - 2 * MINUTE_MS));
    const customer = Math.floor(random() * recentCustomers);
    if (n >= options.recent + refusals) {
      // A message that names no escalation, given up by the forwarder.
      await recordDeadLetter(
        {
          source: "forwarder",
          body: "not an escalation reference",
          identity: {
            messageId: `malformed-${n}`,
            sequenceNumber: 900_000 + n,
            enqueuedAt: new Date(at - 5 * MINUTE_MS).toISOString(),
            deliveryCount: 1,
          },
          reason: "MalformedMessage",
          description: "the body is not an escalation reference",
          failsEscalation: false,
        },
        { store, log, clock: { now: () => new Date(at) }, queue: "escalations" },
      );
      counts.deadLetters++;
      return;
    }
    const request = requestFor(random, customer, 1_000_000 + n, n < options.recent);
    const id = escalationId(random, at);
    const outcome = await submitEscalation(request, CALLER, submitDeps(store, at, id, correlationId(random)));
    if (n >= options.recent) {
      if (outcome.ok) throw new Error("a recent gate refusal was accepted");
      counts.gateRefusals++;
      return;
    }
    if (!outcome.ok) throw new Error(`a recent submission was refused: ${outcome.error}`);
    counts.escalations++;
    let current = outcome.escalation;
    const stored = await store.get(id);
    if (stored === undefined) throw new Error(`escalation ${id} is not stored`);
    let etag = stored.etag;
    const move = async (next: Escalation) => {
      const result = await store.replace(next, etag);
      if (!result.ok) throw new Error(`moving ${id} to ${next.status}: ${result.error}`);
      etag = result.etag;
      current = next;
    };
    const [low, high] = FORWARD_MINUTES[request.severity];
    const forwardAt = at + between(random, low, high) * MINUTE_MS;
    const draw = random();
    if (draw < 0.6) {
      if (due(forwardAt)) await move(forwarded(current, forwardAt, random));
      const later = forwardAt + between(random, HOUR_MS, 12 * HOUR_MS);
      if (current.status === "forwarded" && draw < 0.4 && due(later)) await move(closed(current, later));
      else if (current.status === "forwarded" && draw >= 0.5 && due(later)) await move(attention(current, later));
    } else if (draw < 0.7) {
      const refusedAt = at + between(random, 1, 20) * MINUTE_MS;
      if (due(refusedAt)) await move(refused(current, refusedAt, random));
    } else if (draw < 0.78) {
      const waitingAt = at + between(random, 1, 5) * MINUTE_MS;
      if (due(waitingAt)) await move(awaitingPortal(current, waitingAt));
    } else if (draw < 0.84) {
      // Service Bus gives up on the message: the dead-letter handler records it and fails the escalation.
      const deadAt = at + between(random, 10, 120) * MINUTE_MS;
      if (due(deadAt)) {
        const entry = await recordDeadLetter(
          {
            source: "dead-letter-queue",
            body: { escalationId: id, correlationId: current.correlationId },
            identity: { messageId: id, sequenceNumber: n, enqueuedAt: current.createdAt, deliveryCount: 10 },
            reason: "MaxDeliveryCountExceeded",
            description: "Message could not be consumed after 10 delivery attempts.",
            failsEscalation: true,
          },
          { store, log, clock: { now: () => new Date(deadAt) }, queue: "escalations" },
        );
        if (entry.outcome !== "escalation-failed") throw new Error(`dead letter of ${id}: ${entry.outcome}`);
        counts.deadLetters++;
        current = { ...current, status: "failed" };
      }
    }
    // The rest stay queued: the forwarder has not taken them yet.
    counts.byFinalStatus[current.status] = (counts.byFinalStatus[current.status] ?? 0) + 1;
  });
}

/** A store of `size` escalations, seeded in table metrics<name>, with a counting client for the reports. */
export async function seedStore(
  name: Store["name"],
  size: number,
  azurite: RunningAzurite,
  options: Options,
): Promise<Store> {
  const tableName = `metrics${name}`;
  const table = azuriteTable(azurite.connectionString, tableName);
  await table.createTable();
  const counts: SeedCounts = { escalations: 0, gateRefusals: 0, deadLetters: 0, byFinalStatus: {} };
  const historyBegan = performance.now();
  await seedHistory(table, size - options.recent, options, counts, (done) => {
    const seconds = (performance.now() - historyBegan) / 1000;
    console.log(
      `  ${name}: ${formatInteger(done)} older escalations stored in ${seconds.toFixed(0)} s (${(done / seconds).toFixed(0)}/s)`,
    );
  });
  const historyMs = performance.now() - historyBegan;
  const recentBegan = performance.now();
  await seedRecent(table, options, counts);
  const recentMs = performance.now() - recentBegan;
  const counter = { requests: 0, entities: 0 };
  console.log(
    `Seeded the ${name} store (table ${tableName}): ${formatInteger(counts.escalations)} escalations (${Object.entries(
      counts.byFinalStatus,
    )
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `${status} ${formatInteger(count)}`)
      .join(
        ", ",
      )}), ${formatInteger(counts.gateRefusals)} gate refusals, ${formatInteger(counts.deadLetters)} dead letters; ` +
      `older history ${(historyMs / 1000).toFixed(1)} s, recent activity ${(recentMs / 1000).toFixed(1)} s`,
  );
  return {
    name,
    size,
    azurite,
    table,
    counted: azuriteTable(azurite.connectionString, tableName, countingPolicy(counter)),
    counter,
    seeded: { counts, historyMs, recentMs },
  };
}
