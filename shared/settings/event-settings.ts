// Settings of event deliveries to subscriptions: the queue they go through and how long one event
// is retried (EVENT_RETRY_BUDGET, ISO 8601, default PT24H). The outbound policy is the report
// webhooks' (WEBHOOK_ALLOWED_PRIVATE_HOSTS).
import { z } from "zod";
import { positiveDuration } from "../lib/iso-duration.js";
import type { BackoffPolicy } from "../domain/forwarding/backoff.js";

/** The queue of event deliveries: a fixed name (the queue trigger names it, and infra defines it from the emulator configuration). */
export const EVENT_DELIVERIES_QUEUE = "event-deliveries";

export const eventSettingsShape = {
  EVENT_RETRY_BUDGET: positiveDuration.optional(),
};

type EventSettings = z.output<z.ZodObject<typeof eventSettingsShape>>;

export const DEFAULT_EVENT_BACKOFF: BackoffPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 30 * 60_000,
  budgetMs: 24 * 60 * 60_000,
};

export interface EventConfig {
  queueName: string;
  backoff: BackoffPolicy;
}

export function eventConfig(settings: EventSettings): EventConfig {
  return {
    queueName: EVENT_DELIVERIES_QUEUE,
    backoff: { ...DEFAULT_EVENT_BACKOFF, budgetMs: settings.EVENT_RETRY_BUDGET ?? DEFAULT_EVENT_BACKOFF.budgetMs },
  };
}
