// Fanning events out to the subscriptions that want them, crash-safe without a transaction.
//
// Why this design: the escalation's history already is the event log (event n is history entry
// n), so an event cannot be lost by being written apart from its change; what can be lost is the
// fan-out. Before a change that adds events is written, the store writes an outbox row naming the
// history positions it adds (`after`..`upTo`). After the change, an immediate attempt fans those
// events out and removes the row; if the process dies in between, the row outlives it and the
// dispatch sweep fans the events out once the row is older than a change can take. A row whose
// change was never written (a conflict, a crash before the write) names positions the history does
// not reach: the sweep removes it. Fanning out twice is harmless: each delivery's MessageId is the
// event's webhook-id (`evt_<escalation>_<sequence>_<subscription>`), so Service Bus drops the copy
// within its duplicate-detection window and a receiver sees the same webhook-id after it.
// Tracking a published-up-to mark on the escalation instead would need a second conditional write
// of the escalation after every change, racing the forwarder for its ETag.
import type { Escalation } from "../escalations/escalation.js";
import type { Versioned } from "../escalations/ports.js";
import { eventsOf, type EscalationEvent } from "./escalation-events.js";
import { subscriptionWants, type SubscriptionStore } from "./subscription.js";
import type { EventDeliveryMessage } from "./deliver-event.js";

/** One change's outbox row: the history positions after `after` up to `upTo` hold its events. */
export interface OutboxEntry {
  escalationId: string;
  after: number;
  upTo: number;
  /** When the row was written. */
  markedAt: string;
}

export interface EventOutbox {
  /** Written before the change it names. */
  mark(entry: OutboxEntry): Promise<void>;
  /** The rows of one escalation, oldest change first. */
  forEscalation(escalationId: string): Promise<OutboxEntry[]>;
  /** Rows written before `olderThan`, for the sweep. */
  olderThan(olderThan: Date, limit: number): Promise<OutboxEntry[]>;
  /** Gone already is fine. */
  remove(entry: OutboxEntry): Promise<void>;
}

export interface EventDeliveryQueue {
  /** First attempts; MessageId = webhook-id, so a re-sent one is dropped. */
  send(messages: readonly EventDeliveryMessage[]): Promise<void>;
}

export interface PublishEventsDependencies {
  store: { get(id: string): Promise<Versioned<Escalation> | undefined> };
  outbox: EventOutbox;
  subscriptions: Pick<SubscriptionStore, "all">;
  deliveries: EventDeliveryQueue;
  clock: { now(): Date };
}

/** How long a change may take between its outbox row and its escalation write; older rows are the sweep's. */
export const EVENT_OUTBOX_GRACE_MS = 60_000;

/** The first delivery message of each event for each subscription that wants it. */
export async function fanOut(
  events: readonly EscalationEvent[],
  deps: Pick<PublishEventsDependencies, "subscriptions" | "deliveries">,
): Promise<number> {
  if (events.length === 0) return 0;
  const subscriptions = await deps.subscriptions.all();
  const messages = events.flatMap((event) =>
    subscriptions
      .filter((subscription) => subscriptionWants(subscription, event.type, event.tenantId))
      .map((subscription): EventDeliveryMessage => ({
        escalationId: event.escalationId,
        sequence: event.sequence,
        type: event.type,
        at: event.at,
        subscriptionId: subscription.id,
        attempt: 1,
      })),
  );
  await deps.deliveries.send(messages);
  return messages.length;
}

/**
 * Fans out the events of the given outbox rows of one escalation and removes each row once its
 * events are on the queue. A row the history does not reach yet is left for its own change (still
 * being written) or, once older than the grace period, removed as a change never written.
 */
async function publishEntries(
  escalationId: string,
  entries: readonly OutboxEntry[],
  deps: PublishEventsDependencies,
): Promise<number> {
  if (entries.length === 0) return 0;
  const stored = await deps.store.get(escalationId);
  const cutOff = deps.clock.now().getTime() - EVENT_OUTBOX_GRACE_MS;
  let sent = 0;
  for (const entry of entries) {
    const reached = stored !== undefined && stored.value.history.length >= entry.upTo;
    if (reached) {
      sent += await fanOut(eventsOf(stored.value, entry.after, entry.upTo), deps);
      await deps.outbox.remove(entry);
    } else if (Date.parse(entry.markedAt) < cutOff) {
      await deps.outbox.remove(entry);
    }
  }
  return sent;
}

/** The events one change recorded: the version it wrote and the outbox row written before it. */
export interface RecordedEvents {
  escalation: Escalation;
  entry: OutboxEntry;
}

/**
 * The immediate attempt after a change, from what the change itself wrote: the version it stored
 * reaches its outbox row (history only grows), so neither that row nor the escalation is read
 * again. Rows of other changes are left to their own immediate attempts, or once stale to the
 * sweep. Answers the messages sent.
 */
export async function publishRecorded(
  { escalation, entry }: RecordedEvents,
  deps: Pick<PublishEventsDependencies, "outbox" | "subscriptions" | "deliveries">,
): Promise<number> {
  if (escalation.id !== entry.escalationId || escalation.history.length < entry.upTo)
    throw new RangeError(`the outbox row of ${entry.escalationId} reaches past the version given`);
  const sent = await fanOut(eventsOf(escalation, entry.after, entry.upTo), deps);
  await deps.outbox.remove(entry);
  return sent;
}

/** Every outbox row of the escalation, read from the store. Answers the messages sent. */
export async function publishEvents(escalationId: string, deps: PublishEventsDependencies): Promise<number> {
  return publishEntries(escalationId, await deps.outbox.forEscalation(escalationId), deps);
}

/** The sweep: rows the immediate attempt did not finish (a crash, an outage). Answers the messages sent. */
export async function sweepEvents(deps: PublishEventsDependencies, limit = 500): Promise<number> {
  const cutOff = new Date(deps.clock.now().getTime() - EVENT_OUTBOX_GRACE_MS);
  const stale = await deps.outbox.olderThan(cutOff, limit);
  const byEscalation = new Map<string, OutboxEntry[]>();
  for (const entry of stale)
    byEscalation.set(entry.escalationId, [...(byEscalation.get(entry.escalationId) ?? []), entry]);
  let sent = 0;
  for (const [escalationId, entries] of byEscalation) sent += await publishEntries(escalationId, entries, deps);
  return sent;
}
