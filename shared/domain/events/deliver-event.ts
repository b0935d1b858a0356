// Delivering one event to one subscription, one attempt per queue message, so a slow or dead
// receiver holds up only its own deliveries, never the forwarder or other receivers. Each attempt
// is signed afresh with the subscription's secret; the webhook-id stays the same. A transient
// failure schedules the next attempt as a new message (backoff with full jitter, never sooner than
// Retry-After) while the event is younger than EVENT_RETRY_BUDGET; 410 Gone removes the
// subscription; any other refusal is final. `data` is the escalation as its GET answers at the
// attempt (so a late retry never shows a stale state), plus the event's `sequence`.
import { z } from "zod";
import { retryDelayMs, type BackoffPolicy } from "../forwarding/backoff.js";
import { parseWebhookSecret, signWebhook } from "../../lib/standard-webhooks.js";
import type { Escalation } from "../escalations/escalation.js";
import type { Versioned } from "../escalations/ports.js";
import type { PostOutcome, SignedPost } from "../metrics/deliver-report.js";
import { eventWebhookId } from "./escalation-events.js";
import { EVENT_TYPES, type Subscription, type SubscriptionStore } from "./subscription.js";

export const EventDeliveryMessage = z.strictObject({
  escalationId: z.string().min(1).max(128),
  sequence: z.number().int().min(1),
  type: z.enum(EVENT_TYPES),
  /** When the change happened: the retry budget counts from it. */
  at: z.iso.datetime(),
  subscriptionId: z.string().min(1).max(128),
  attempt: z.number().int().min(1),
});
export type EventDeliveryMessage = z.infer<typeof EventDeliveryMessage>;

export function deliveryWebhookIdOf(message: EventDeliveryMessage): string {
  return eventWebhookId(message, message.subscriptionId);
}

/** The queue MessageId: the webhook-id for the first attempt (so a re-published event is dropped), with the attempt number after. */
export function eventDeliveryMessageId(message: EventDeliveryMessage): string {
  const id = deliveryWebhookIdOf(message);
  return message.attempt === 1 ? id : `${id}#${String(message.attempt)}`;
}

export interface EventDeliveryPorts {
  backoff: BackoffPolicy;
  subscriptions: Pick<SubscriptionStore, "get" | "delete">;
  store: { get(id: string): Promise<Versioned<Escalation> | undefined> };
  /** The escalation as GET /api/escalations/{id} answers it. */
  view(escalation: Escalation): Record<string, unknown>;
  post(request: SignedPost): Promise<PostOutcome>;
  clock: { now(): Date };
  random?: () => number;
}

export type EventDeliveryResult =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; message: EventDeliveryMessage; at: Date; reason: string }
  | { kind: "gave-up"; reason: string }
  | { kind: "refused"; reason: string }
  | { kind: "unsubscribed"; reason: string }
  | { kind: "dropped"; reason: string };

const STATUS_TITLES: Record<EventDeliveryMessage["type"], string> = {
  "escalation.queued": "queued for 21Vianet",
  "escalation.forwarded": "forwarded to 21Vianet",
  "escalation.awaiting_portal": "waiting to be submitted in the 21Vianet portal",
  "escalation.rejected": "rejected by 21Vianet",
  "escalation.failed": "failed",
  "escalation.attention_needed": "waiting on the partner",
  "escalation.closed": "closed",
  "escalation.note_added": "has a new note",
};

/**
 * A message with one Adaptive Card, the shape Teams Workflows accept. It names the escalation,
 * its customer, service, severity and status, and carries no personal data: not the contact, and
 * not the title, description, steps or notes, free text that often names people. A Teams channel
 * keeps what it is posted beyond any erasure here; the reader follows the escalation's id.
 * "What changed" is the history entry's detail, which the app writes itself from ids, statuses
 * and what 21Vianet or Service Bus answered, never from what a caller typed.
 */
export function teamsEventCard(message: EventDeliveryMessage, escalation: Escalation): Record<string, unknown> {
  const { request } = escalation;
  const entry = escalation.history[message.sequence - 1];
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    body: [
      {
        type: "TextBlock",
        size: "Medium",
        weight: "Bolder",
        wrap: true,
        text: `Escalation ${escalation.id} ${STATUS_TITLES[message.type]}`,
      },
      {
        type: "FactSet",
        facts: [
          { title: "Customer", value: `${request.customer.name} (${request.customer.domain})` },
          { title: "Service", value: request.service },
          { title: "Severity", value: request.severity },
          { title: "Status", value: escalation.status },
          ...(escalation.vianet?.serviceRequestId === undefined
            ? []
            : [{ title: "21Vianet number", value: escalation.vianet.serviceRequestId }]),
          ...(entry === undefined ? [] : [{ title: "What changed", value: entry.detail }]),
          { title: "When", value: message.at },
          { title: "Sequence", value: String(message.sequence) },
        ],
      },
    ],
  };
  return {
    type: "message",
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
  };
}

export function eventBody(
  message: EventDeliveryMessage,
  subscription: Subscription,
  escalation: Escalation,
  view: EventDeliveryPorts["view"],
): Record<string, unknown> {
  if (subscription.format === "teams") return teamsEventCard(message, escalation);
  return { type: message.type, timestamp: message.at, data: { ...view(escalation), sequence: message.sequence } };
}

export function signEvent(
  message: EventDeliveryMessage,
  subscription: Subscription,
  body: string,
  now: Date,
): SignedPost | undefined {
  const secret = parseWebhookSecret(subscription.secret);
  if (!secret.ok) return undefined;
  const id = deliveryWebhookIdOf(message);
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    url: new URL(subscription.url),
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook({ id, timestamp, body: Buffer.from(body, "utf8"), secret: secret.secret }),
    },
  };
}

export async function deliverEvent(
  message: EventDeliveryMessage,
  ports: EventDeliveryPorts,
): Promise<EventDeliveryResult> {
  const subscription = await ports.subscriptions.get(message.subscriptionId);
  // Deleted since the event was fanned out: delivery stops with it.
  if (subscription === undefined) return { kind: "dropped", reason: "the subscription is gone" };
  const stored = await ports.store.get(message.escalationId);
  if (stored === undefined) return { kind: "dropped", reason: "the escalation is gone" };

  const now = ports.clock.now();
  const body = JSON.stringify(eventBody(message, subscription, stored.value, (escalation) => ports.view(escalation)));
  const request = signEvent(message, subscription, body, now);
  if (request === undefined) return { kind: "refused", reason: "the subscription's secret is not a whsec_ secret" };
  const outcome = await ports.post(request);
  if (outcome.kind === "delivered") return outcome;
  if (outcome.kind === "refused") {
    if (outcome.status === 410) {
      await ports.subscriptions.delete(subscription.id);
      return { kind: "unsubscribed", reason: "HTTP 410: the receiver is gone, the subscription is removed" };
    }
    return outcome;
  }
  const at = new Date(now.getTime() + retryDelayMs(ports.backoff, message.attempt, outcome.retryAfterMs, ports.random));
  if (at.getTime() - Date.parse(message.at) > ports.backoff.budgetMs) {
    return {
      kind: "gave-up",
      reason: `${outcome.reason}; attempt ${String(message.attempt)}, the retry budget is spent`,
    };
  }
  return { kind: "retry", message: { ...message, attempt: message.attempt + 1 }, at, reason: outcome.reason };
}
