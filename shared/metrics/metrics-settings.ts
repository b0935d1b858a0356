// The metrics' settings, merged into the one settings schema in shared/config.ts: the
// forward-time and 21Vianet response targets per severity, and how many customers the top list names.
import { z } from "zod";
import { duration } from "../forwarding/forwarding-settings.js";
import { jsonSetting } from "../json-setting.js";
import { DEFAULT_TARGETS, type ReportTargets } from "./report.js";

const SeverityDurations = z.strictObject({ critical: duration.optional(), moderate: duration.optional(), minimal: duration.optional() });

export const metricsSettingsShape = {
  /** e.g. {"critical": "PT15M", "moderate": "PT1H", "minimal": "PT4H"}; unnamed severities keep their default. */
  METRICS_FORWARD_TARGETS: jsonSetting(SeverityDurations).optional(),
  /** 21Vianet's first-response targets, default 2 h / 4 h / 8 h (its published support plans). */
  METRICS_VIANET_RESPONSE_TARGETS: jsonSetting(SeverityDurations).optional(),
  METRICS_TOP_CUSTOMERS: z.coerce.number().int().min(1).max(100).default(10),
};

type MetricsSettings = z.output<z.ZodObject<typeof metricsSettingsShape>>;

export interface MetricsConfig {
  targets: ReportTargets;
  topCustomers: number;
}

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
  };
}
