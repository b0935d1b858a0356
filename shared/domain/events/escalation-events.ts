// The events of an escalation are its history: the entry at position n (counting from 1) is event
// number n, so `sequence` increases with every change and an event's identity never depends on
// who publishes it or how often. Entries a partner does not care about (bookkeeping that moves no
// status and adds no note) are positions without an event.
import type { Escalation, HistoryEntry } from "../escalations/escalation.js";
import type { EventType } from "./subscription.js";

export interface EscalationEvent {
  escalationId: string;
  tenantId: string;
  /** The history position of the change, from 1. */
  sequence: number;
  type: EventType;
  /** When the change happened (the history entry's time). */
  at: string;
}

/** The event type of the entry at `index`, or undefined when it is not one a partner cares about. */
function eventTypeOf(history: readonly HistoryEntry[], index: number): EventType | undefined {
  const entry = history[index];
  if (entry === undefined) return undefined;
  // The first entry naming a note added it; later ones (its delivery failing) only report on it.
  if (entry.noteId !== undefined && !history.slice(0, index).some((earlier) => earlier.noteId === entry.noteId))
    return "escalation.note_added";
  if (entry.from !== entry.to) return `escalation.${entry.to}`;
  return undefined;
}

/** The events of the history positions after `after` up to `upTo` (inclusive), oldest first. */
export function eventsOf(escalation: Escalation, after = 0, upTo = escalation.history.length): EscalationEvent[] {
  const events: EscalationEvent[] = [];
  for (let index = after; index < Math.min(upTo, escalation.history.length); index++) {
    const type = eventTypeOf(escalation.history, index);
    const entry = escalation.history[index];
    if (type === undefined || entry === undefined) continue;
    events.push({
      escalationId: escalation.id,
      tenantId: escalation.request.customer.tenantId,
      sequence: index + 1,
      type,
      at: entry.at,
    });
  }
  return events;
}

/** Whether the positions after `after` hold any event: only such changes need an outbox row. */
export function hasEventsAfter(escalation: Escalation, after: number): boolean {
  return eventsOf(escalation, after).length > 0;
}

/** The receiver's dedupe key: the same for every attempt and every re-publication of one event to one subscription. */
export function eventWebhookId(
  event: Pick<EscalationEvent, "escalationId" | "sequence">,
  subscriptionId: string,
): string {
  return `evt_${event.escalationId}_${String(event.sequence)}_${subscriptionId}`;
}
