// Settings of event deliveries to subscriptions: the queue they go through (EVENT_DELIVERY_QUEUE_NAME,
// default event-deliveries) and how long one event
// is retried (EVENT_RETRY_BUDGET, ISO 8601, default PT24H). The outbound policy is the report
// webhooks' (WEBHOOK_ALLOWED_PRIVATE_HOSTS).
import { z } from "zod";
import { positiveDuration } from "../lib/iso-duration.js";
import type { BackoffPolicy } from "../domain/forwarding/backoff.js";

export const eventSettingsShape = {
  EVENT_RETRY_BUDGET: positiveDuration.optional(),
  /** The queue the event-delivery trigger reads, named as the other queues are. */
  EVENT_DELIVERY_QUEUE_NAME: z.string().trim().min(1).default("event-deliveries"),
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
    queueName: settings.EVENT_DELIVERY_QUEUE_NAME,
    backoff: { ...DEFAULT_EVENT_BACKOFF, budgetMs: settings.EVENT_RETRY_BUDGET ?? DEFAULT_EVENT_BACKOFF.budgetMs },
  };
}
