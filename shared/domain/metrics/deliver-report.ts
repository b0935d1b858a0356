// Delivering stored reports to webhooks, one queue message per report and webhook, so the timer
// only enqueues and a slow or failing receiver never delays the next report. Each attempt is
// signed afresh (Standard Webhooks: the timestamp is the attempt's); the webhook-id stays the
// same across attempts so a receiver can drop a repeat. A transient failure schedules the next
// attempt as a new message with backoff, within a budget counted from the report's time.
import { z } from "zod";
import { retryDelayMs } from "../forwarding/backoff.js";
import { signWebhook } from "../../lib/standard-webhooks.js";
import type { BackoffPolicy } from "../forwarding/backoff.js";
import type { WebhookSecret } from "../../lib/standard-webhooks.js";
import { jsonPayload, teamsPayload } from "./report-payloads.js";
import type { StoredReport } from "./scheduled-reports.js";
import { REPORT_WINDOW_NAMES, type ReportWindow } from "./windows.js";

export const REPORT_WEBHOOK_FORMATS = ["teams", "json"] as const;
export type ReportWebhookFormat = (typeof REPORT_WEBHOOK_FORMATS)[number];

/** A webhook the reports go to, as the settings configure it. */
export interface ReportWebhook {
  id: string;
  url: URL;
  format: ReportWebhookFormat;
  secret: WebhookSecret;
  /** The windows whose reports it receives. */
  windows: readonly ReportWindow[];
}

export const ReportDeliveryMessage = z.strictObject({
  window: z.enum(REPORT_WINDOW_NAMES as [ReportWindow, ...ReportWindow[]]),
  /** The report's end, which names it with its window. */
  to: z.iso.datetime(),
  webhook: z.string().min(1),
  attempt: z.number().int().min(1),
});
export type ReportDeliveryMessage = z.infer<typeof ReportDeliveryMessage>;

/** What one POST came to, as the HTTP adapter classifies it. */
export type PostOutcome =
  | { kind: "delivered"; status: number }
  | { kind: "transient"; reason: string; retryAfterMs?: number }
  | { kind: "refused"; reason: string; status?: number };

export interface SignedPost {
  url: URL;
  body: string;
  headers: Record<string, string>;
}

export interface ReportDeliveryPorts {
  config: { webhooks: readonly ReportWebhook[]; backoff: BackoffPolicy };
  report(window: ReportWindow, to: Date): Promise<StoredReport | undefined>;
  post(request: SignedPost): Promise<PostOutcome>;
  clock: { now(): Date };
  random?: () => number;
}

export type DeliveryResult =
  | { kind: "delivered"; status: number }
  | { kind: "retry"; message: ReportDeliveryMessage; at: Date; reason: string }
  | { kind: "gave-up"; reason: string }
  | { kind: "refused"; reason: string }
  | { kind: "dropped"; reason: string };

/** Same report, same webhook: the same id on every attempt. */
export function deliveryWebhookId(message: Pick<ReportDeliveryMessage, "window" | "to" | "webhook">): string {
  return `report_${message.window}_${message.to}_${message.webhook}`;
}

/** The queue MessageId of an attempt: duplicate detection drops a re-sent attempt, never the next one. */
export function deliveryMessageId(message: ReportDeliveryMessage): string {
  return `${deliveryWebhookId(message)}#${String(message.attempt)}`;
}

/** The first attempt's message for each webhook that takes this report's window. */
export function deliveriesOf(stored: StoredReport, webhooks: readonly ReportWebhook[]): ReportDeliveryMessage[] {
  return webhooks
    .filter((webhook) => webhook.windows.includes(stored.window))
    .map((webhook) => ({ window: stored.window, to: stored.report.window.to, webhook: webhook.id, attempt: 1 }));
}

export function signedPost(stored: StoredReport, webhook: ReportWebhook, now: Date): SignedPost {
  const body = JSON.stringify(webhook.format === "teams" ? teamsPayload(stored) : jsonPayload(stored));
  const id = deliveryWebhookId({ window: stored.window, to: stored.report.window.to, webhook: webhook.id });
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    url: webhook.url,
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook({ id, timestamp, body: Buffer.from(body, "utf8"), secret: webhook.secret }),
    },
  };
}

export async function deliverReport(
  message: ReportDeliveryMessage,
  ports: ReportDeliveryPorts,
): Promise<DeliveryResult> {
  const webhook = ports.config.webhooks.find((candidate) => candidate.id === message.webhook);
  // Settings changed since the message was sent: the webhook is gone, so is the delivery.
  if (webhook === undefined) return { kind: "dropped", reason: `no webhook "${message.webhook}" is configured now` };
  const stored = await ports.report(message.window, new Date(message.to));
  if (stored === undefined)
    return { kind: "dropped", reason: `no stored ${message.window} report ending ${message.to}` };

  const now = ports.clock.now();
  const outcome = await ports.post(signedPost(stored, webhook, now));
  if (outcome.kind !== "transient") return outcome;

  const at = new Date(
    now.getTime() + retryDelayMs(ports.config.backoff, message.attempt, outcome.retryAfterMs, ports.random),
  );
  if (at.getTime() - Date.parse(stored.generatedAt) > ports.config.backoff.budgetMs) {
    return {
      kind: "gave-up",
      reason: `${outcome.reason}; attempt ${String(message.attempt)}, the retry budget is spent`,
    };
  }
  return { kind: "retry", message: { ...message, attempt: message.attempt + 1 }, at, reason: outcome.reason };
}
