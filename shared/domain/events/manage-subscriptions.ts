// Creating, reading and deleting subscriptions on behalf of a caller: the request's rules (an
// outbound URL the app may post to, known event names), the per-caller limit, and ownership, so a
// caller never sees or deletes another caller's subscription.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { outboundUrlProblem, type OutboundPolicy } from "../../lib/outbound-url.js";
import type { Clock } from "../escalations/ports.js";
import { cleanText } from "../escalations/clean-text.js";
import { toFieldIssues, type FieldIssue } from "../escalations/field-issues.js";
import type { Caller } from "../escalations/submit-escalation.js";
import { EVENT_TYPES, type EventType, type Subscription, type SubscriptionStore } from "./subscription.js";

/** Tens of subscriptions per caller are plenty; every event is fanned out to each of them. */
export const MAX_SUBSCRIPTIONS_PER_CALLER = 25;

/** Every value `events` may hold: an event type, or `*` alone for all of them. */
export const EVENT_FILTERS = ["*", ...EVENT_TYPES] as const;

export const EVENT_FORMATS = ["json", "teams"] as const;

/** `POST /subscriptions`: where to post, which events, in which format. */
export const SubscriptionRequest = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2048),
  events: z
    .array(z.enum(EVENT_FILTERS))
    .min(1)
    .max(EVENT_FILTERS.length)
    .refine((events) => new Set(events).size === events.length, "names an event twice")
    .refine((events) => !events.includes("*") || events.length === 1, '"*" stands for every event: give it alone'),
  format: z.enum(EVENT_FORMATS).default("json"),
  description: cleanText({ max: 200 }).optional(),
});
export type SubscriptionRequest = z.input<typeof SubscriptionRequest>;

/** The URL alone, when the rest of the body is wrong: its outbound check is reported with the rest. */
const UrlOnly = z.object({ url: SubscriptionRequest.shape.url });

export interface SubscriptionDependencies {
  store: SubscriptionStore;
  /** The rule every URL the app posts to follows (https, public addresses, local exemptions). */
  policy: OutboundPolicy;
  clock: Clock;
  newId: () => string;
  newSecret: () => string;
}

export type CreateSubscriptionOutcome =
  | { ok: true; subscription: Subscription }
  | { ok: false; error: "invalid"; invalidParams: FieldIssue[] }
  | { ok: false; error: "limit-reached"; limit: number };

/** `sub_`, then time-ordered and random characters safe in URLs and Table keys. */
export function newSubscriptionId(): string {
  return `sub_${Date.now().toString(36).padStart(9, "0")}${randomBytes(8).toString("hex")}`;
}

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes (256 bits, the HMAC's own size). */
export function newSubscriptionSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

const SUBSCRIPTION_ID = /^sub_[A-Za-z0-9]{1,64}$/;

function isEventType(event: string): event is EventType {
  return EVENT_TYPES.some((type) => type === event);
}

/** The filter as the port keeps it: `["*"]`, or the event types named. */
function toEventFilter(events: readonly (typeof EVENT_FILTERS)[number][]): Subscription["events"] {
  return events.includes("*") ? ["*"] : events.filter(isEventType);
}

export async function createSubscription(
  input: unknown,
  caller: Caller,
  deps: SubscriptionDependencies,
): Promise<CreateSubscriptionOutcome> {
  // Every bad field in one answer: the schema's issues and the outbound rule's verdict on the URL.
  const parsed = SubscriptionRequest.safeParse(input);
  const invalid = parsed.success ? [] : toFieldIssues(parsed.error.issues);
  const named = UrlOnly.safeParse(input);
  const refused = named.success ? outboundUrlProblem(new URL(named.data.url), deps.policy) : undefined;
  if (refused !== undefined) invalid.push({ name: "url", reason: refused });
  if (!parsed.success || invalid.length > 0) return { ok: false, error: "invalid", invalidParams: invalid };
  const { url, events, format, description } = parsed.data;

  // Two creations racing past this count may end one over the limit: a bound, not an exact quota.
  const existing = await deps.store.listByCaller(caller.id);
  if (existing.length >= MAX_SUBSCRIPTIONS_PER_CALLER)
    return { ok: false, error: "limit-reached", limit: MAX_SUBSCRIPTIONS_PER_CALLER };

  const subscription: Subscription = {
    id: deps.newId(),
    callerId: caller.id,
    // The scope at creation: a subscription never receives events its caller could not read then.
    tenants: caller.tenants === "all" ? "all" : [...caller.tenants],
    url,
    events: toEventFilter(events),
    format,
    secret: deps.newSecret(),
    ...(description === undefined ? {} : { description }),
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.store.create(subscription);
  return { ok: true, subscription };
}

/** The caller's own subscription with this id; undefined for another caller's, exactly as for none. */
export async function ownSubscription(
  store: Pick<SubscriptionStore, "get">,
  caller: Caller,
  id: string,
): Promise<Subscription | undefined> {
  if (!SUBSCRIPTION_ID.test(id)) return undefined;
  const subscription = await store.get(id);
  return subscription?.callerId === caller.id ? subscription : undefined;
}

/** Deletes the caller's own subscription; false when it has none with this id. */
export async function deleteOwnSubscription(store: SubscriptionStore, caller: Caller, id: string): Promise<boolean> {
  const subscription = await ownSubscription(store, caller, id);
  if (subscription === undefined) return false;
  return store.delete(subscription.id);
}
