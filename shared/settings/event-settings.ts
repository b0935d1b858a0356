// Settings of event deliveries to subscriptions: the queue they go through (EVENT_DELIVERY_QUEUE_NAME,
// default event-deliveries) and how one event is retried: EVENT_RETRY_BUDGET (ISO 8601, default
// PT24H), EVENT_RETRY_BASE_DELAY and EVENT_RETRY_MAX_DELAY. The outbound policy is the report
// webhooks' (WEBHOOK_ALLOWED_PRIVATE_HOSTS).
import { z } from "zod";
import type { BackoffPolicy } from "../domain/forwarding/backoff.js";
import { retrySettings, retrySettingsRule, retrySettingsShape } from "./forwarding-settings.js";
import type { CrossSettingRule } from "./setting-rules.js";

export const eventSettingsShape = {
  ...retrySettingsShape("EVENT_RETRY"),
  /** The queue the event-delivery trigger reads, named as the other queues are. */
  EVENT_DELIVERY_QUEUE_NAME: z.string().trim().min(1).default("event-deliveries"),
};

type EventSettings = z.output<z.ZodObject<typeof eventSettingsShape>>;

/** A day of retries: partner systems are down for maintenance for hours, and an event is not superseded like a report. */
export const DEFAULT_EVENT_BACKOFF: BackoffPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 30 * 60_000,
  budgetMs: 24 * 60 * 60_000,
};

export const eventRules: readonly CrossSettingRule<EventSettings>[] = [
  retrySettingsRule("EVENT_RETRY", DEFAULT_EVENT_BACKOFF),
];

export interface EventConfig {
  queueName: string;
  backoff: BackoffPolicy;
}

export function eventConfig(settings: EventSettings): EventConfig {
  return {
    queueName: settings.EVENT_DELIVERY_QUEUE_NAME,
    backoff: retrySettings("EVENT_RETRY", settings, DEFAULT_EVENT_BACKOFF),
  };
}
