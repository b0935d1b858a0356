// The metrics' settings, merged into the one settings schema in shared/settings/app-settings.ts: the
// forward-time and 21Vianet response targets per severity, how many customers the top list
// names, and where reports are delivered.
import { z } from "zod";
import { CallerId, SecretText, uniqueIds } from "./caller-settings.js";
import type { BackoffPolicy } from "../domain/forwarding/backoff.js";
import { retrySettings, retrySettingsRule, retrySettingsShape } from "./forwarding-settings.js";
import { positiveDuration } from "../lib/iso-duration.js";
import { outboundUrlProblem, type OutboundPolicy } from "../lib/outbound-url.js";
import { jsonSetting } from "./json-setting.js";
import { ncrontabSchedule } from "./ncrontab.js";
import type { CrossSettingRule } from "./setting-rules.js";
import { DEFAULT_TARGETS, type ReportTargets } from "../domain/metrics/report.js";
import { REPORT_WINDOW_NAMES, type ReportWindow } from "../domain/metrics/windows.js";
import { REPORT_WEBHOOK_FORMATS, type ReportWebhook } from "../domain/metrics/deliver-report.js";

const ReportWebhookSetting = z.strictObject({
  id: CallerId,
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  /** teams: an Adaptive Card for a Teams incoming webhook or Workflows; json: the report for Power Automate's "When an HTTP request is received". */
  format: z.enum(REPORT_WEBHOOK_FORMATS).default("json"),
  secret: SecretText,
  windows: z
    .array(z.enum(REPORT_WINDOW_NAMES as [ReportWindow, ...ReportWindow[]]))
    .min(1)
    .optional(),
});

const SeverityDurations = z.strictObject({
  critical: positiveDuration.optional(),
  moderate: positiveDuration.optional(),
  minimal: positiveDuration.optional(),
});

/** The metrics-report timer's default: every hour at minute 0. */
export const DEFAULT_METRICS_SCHEDULE = "0 0 * * * *";

export const metricsSettingsShape = {
  /** When the metrics-report timer runs; the Functions host reads it too, so it is checked here at start-up. */
  METRICS_SCHEDULE: ncrontabSchedule.default(DEFAULT_METRICS_SCHEDULE),
  /** e.g. {"critical": "PT15M", "moderate": "PT1H", "minimal": "PT4H"}; unnamed severities keep their default. */
  METRICS_FORWARD_TARGETS: jsonSetting(SeverityDurations).optional(),
  /** 21Vianet's first-response targets, default 2 h / 4 h / 8 h (its published support plans). */
  METRICS_VIANET_RESPONSE_TARGETS: jsonSetting(SeverityDurations).optional(),
  METRICS_TOP_CUSTOMERS: z.coerce.number().int().min(1).max(100).default(10),
  /** Where each stored report is POSTed: [{"id", "url", "format": "teams" | "json", "secret": "whsec_...", "windows"?: ["24h"]}]. */
  METRICS_WEBHOOKS: jsonSetting(
    uniqueIds(ReportWebhookSetting, "webhook").refine((webhooks) => webhooks.length <= 10, "at most 10 webhooks"),
  ).optional(),
  /** Hosts report and event webhooks may reach over http or at a private address: for local runs and tests only, refused when hosted. */
  WEBHOOK_ALLOWED_PRIVATE_HOSTS: z.string().optional(),
  /** The earlier name of WEBHOOK_ALLOWED_PRIVATE_HOSTS, still read; the two lists are joined. */
  METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS: z.string().optional(),
  METRICS_DELIVERY_QUEUE_NAME: z.string().trim().min(1).default("report-deliveries"),
  ...retrySettingsShape("METRICS_WEBHOOK_RETRY"),
};

type MetricsSettings = z.output<z.ZodObject<typeof metricsSettingsShape>>;

/** Report webhooks retry for hours, not a day: a report a day late is superseded by newer ones. */
export const DEFAULT_DELIVERY_BACKOFF: BackoffPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 30 * 60_000,
  budgetMs: 6 * 60 * 60_000,
};

export interface ReportDeliveryConfig {
  webhooks: ReportWebhook[];
  policy: OutboundPolicy;
  queueName: string;
  backoff: BackoffPolicy;
}

export interface MetricsConfig {
  targets: ReportTargets;
  topCustomers: number;
  delivery: ReportDeliveryConfig;
}

function outboundPolicy(settings: MetricsSettings): OutboundPolicy {
  const hosts = [settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS, settings.METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS]
    .join(",")
    .split(",")
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== "");
  return { exemptHosts: new Set(hosts) };
}

/** Cross-setting rules: webhook URLs against the outbound policy, and the retry delays' order. */
export const metricsRules: readonly CrossSettingRule<MetricsSettings>[] = [
  {
    reads: ["METRICS_WEBHOOKS", "WEBHOOK_ALLOWED_PRIVATE_HOSTS", "METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS"],
    check: (settings) => {
      const policy = outboundPolicy(settings);
      return (settings.METRICS_WEBHOOKS ?? []).flatMap((webhook, index) => {
        const problem = outboundUrlProblem(new URL(webhook.url), policy);
        return problem === undefined ? [] : [{ path: ["METRICS_WEBHOOKS", String(index), "url"], message: problem }];
      });
    },
  },
  retrySettingsRule("METRICS_WEBHOOK_RETRY", DEFAULT_DELIVERY_BACKOFF),
];

export function metricsConfig(settings: MetricsSettings): MetricsConfig {
  const forward = settings.METRICS_FORWARD_TARGETS ?? {};
  const response = settings.METRICS_VIANET_RESPONSE_TARGETS ?? {};
  return {
    targets: {
      forwardMs: {
        critical: forward.critical ?? DEFAULT_TARGETS.forwardMs.critical,
        moderate: forward.moderate ?? DEFAULT_TARGETS.forwardMs.moderate,
        minimal: forward.minimal ?? DEFAULT_TARGETS.forwardMs.minimal,
      },
      vianetResponseMs: {
        critical: response.critical ?? DEFAULT_TARGETS.vianetResponseMs.critical,
        moderate: response.moderate ?? DEFAULT_TARGETS.vianetResponseMs.moderate,
        minimal: response.minimal ?? DEFAULT_TARGETS.vianetResponseMs.minimal,
      },
    },
    topCustomers: settings.METRICS_TOP_CUSTOMERS,
    delivery: {
      webhooks: (settings.METRICS_WEBHOOKS ?? []).map((webhook) => ({
        id: webhook.id,
        url: new URL(webhook.url),
        format: webhook.format,
        secret: webhook.secret,
        windows: webhook.windows ?? REPORT_WINDOW_NAMES,
      })),
      policy: outboundPolicy(settings),
      queueName: settings.METRICS_DELIVERY_QUEUE_NAME,
      backoff: retrySettings("METRICS_WEBHOOK_RETRY", settings, DEFAULT_DELIVERY_BACKOFF),
    },
  };
}
