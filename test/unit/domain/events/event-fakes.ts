// In-memory fakes of the event ports (the outbox, the delivery queue) and a subscription builder.
import type { EventDeliveryMessage } from "../../../../shared/domain/events/deliver-event.js";
import type { EventOutbox, OutboxEntry } from "../../../../shared/domain/events/publish-events.js";
import type { Subscription } from "../../../../shared/domain/events/subscription.js";

export class InMemoryEventOutbox implements EventOutbox {
  readonly rows = new Map<string, OutboxEntry>();

  mark(entry: OutboxEntry): Promise<void> {
    this.rows.set(`${entry.escalationId}!${String(entry.after)}`, entry);
    return Promise.resolve();
  }

  forEscalation(escalationId: string): Promise<OutboxEntry[]> {
    return Promise.resolve([...this.rows.values()].filter((entry) => entry.escalationId === escalationId));
  }

  olderThan(olderThan: Date, limit: number): Promise<OutboxEntry[]> {
    return Promise.resolve(
      [...this.rows.values()].filter((entry) => Date.parse(entry.markedAt) < olderThan.getTime()).slice(0, limit),
    );
  }

  remove(entry: OutboxEntry): Promise<void> {
    this.rows.delete(`${entry.escalationId}!${String(entry.after)}`);
    return Promise.resolve();
  }
}

/** Keeps what it was sent, and drops a MessageId it has seen, as duplicate detection does. */
export class InMemoryDeliveryQueue {
  readonly sent: EventDeliveryMessage[] = [];
  readonly scheduled: { message: EventDeliveryMessage; at: Date }[] = [];
  readonly #seen = new Set<string>();

  constructor(private readonly messageId: (message: EventDeliveryMessage) => string) {}

  send(messages: readonly EventDeliveryMessage[]): Promise<void> {
    for (const message of messages) {
      const id = this.messageId(message);
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      this.sent.push(message);
    }
    return Promise.resolve();
  }

  schedule(message: EventDeliveryMessage, at: Date): Promise<void> {
    this.scheduled.push({ message, at });
    return Promise.resolve();
  }
}

export function buildSubscription(overrides: Partial<Subscription> = {}): Subscription {
  return {
    id: "sub-1",
    callerId: "contoso-desk",
    tenants: "all",
    url: "https://receiver.example.com/hooks",
    events: ["*"],
    format: "json",
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    createdAt: "2026-11-26T07:00:00.000Z",
    ...overrides,
  };
}
