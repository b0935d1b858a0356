// Event subscriptions: a partner system or a Power Automate flow asks to be told when an
// escalation changes. A subscription belongs to the caller that made it, receives only events of
// the customers that caller may read, and is signed with its own Standard Webhooks secret.
import type { Caller } from "../escalations/submit-escalation.js";

/** One event per history entry a partner cares about. */
export const EVENT_TYPES = [
  "escalation.queued",
  "escalation.forwarded",
  "escalation.awaiting_portal",
  "escalation.rejected",
  "escalation.failed",
  "escalation.attention_needed",
  "escalation.closed",
  "escalation.note_added",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** How an event is delivered: Standard Webhooks JSON, or an Adaptive Card Teams Workflows accept. */
export type EventFormat = "json" | "teams";

export interface Subscription {
  id: string;
  /** The caller that made it: the only one that sees or deletes it. */
  callerId: string;
  /** The customers that caller may read when it subscribed: the only events it receives. */
  tenants: Caller["tenants"];
  url: string;
  /** The event types it receives; `*` for every type. */
  events: readonly EventType[] | readonly ["*"];
  format: EventFormat;
  /** `whsec_...`: shown once when created, kept to sign each delivery. */
  secret: string;
  description?: string;
  createdAt: string;
}

/** Where subscriptions are kept. */
export interface SubscriptionStore {
  create(subscription: Subscription): Promise<void>;
  get(id: string): Promise<Subscription | undefined>;
  /** The caller's own subscriptions, oldest first. */
  listByCaller(callerId: string): Promise<Subscription[]>;
  /** false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Every subscription, for fanning an event out (tens, not thousands). */
  all(): Promise<Subscription[]>;
}

/** Whether a subscription receives an event of this type about this customer. */
export function subscriptionWants(subscription: Subscription, type: EventType, tenantId: string): boolean {
  const typeMatches = subscription.events.some((event) => event === "*" || event === type);
  const tenantMatches = subscription.tenants === "all" || subscription.tenants.includes(tenantId);
  return typeMatches && tenantMatches;
}
