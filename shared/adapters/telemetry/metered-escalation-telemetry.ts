// The escalation events as OpenTelemetry metrics: a counter per outcome and a histogram of the
// time to forward, each with low-cardinality attributes (channel, service, severity, caller id,
// reason), never an escalation id or anything about the customer. The span at hand is tagged with
// the outcome too, so a trace says how its escalation ended.
import { metrics, trace, type MeterProvider } from "@opentelemetry/api";
import type { EscalationTelemetry } from "../../domain/escalations/telemetry.js";
import { ATTR_CALLER_ID, ATTR_OUTCOME, INSTRUMENTATION_SCOPE } from "../../lib/telemetry-names.js";

/** Metric names, as documented in the README's Telemetry section. */
export const METRIC_NAMES = {
  accepted: "escalations.accepted",
  refused: "escalations.refused",
  forwarded: "escalations.forwarded",
  rejected: "escalations.rejected",
  failed: "escalations.failed",
  timeToForward: "escalations.time_to_forward",
} as const;

/** Seconds: a minute to a day, the span of 21Vianet's forwarding targets and the retry budget. */
const TIME_TO_FORWARD_BUCKETS_S = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 14_400, 43_200, 86_400];

export function meteredEscalationTelemetry(provider: MeterProvider = metrics.getMeterProvider()): EscalationTelemetry {
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  const counter = (name: string, description: string) =>
    meter.createCounter(name, { description, unit: "{escalation}" });
  const accepted = counter(METRIC_NAMES.accepted, "Escalations accepted by the intake and queued for 21Vianet");
  const refused = counter(METRIC_NAMES.refused, "Escalations refused by the intake: invalid, or criteria unmet");
  const forwarded = counter(METRIC_NAMES.forwarded, "Escalations 21Vianet confirmed receiving");
  const rejected = counter(METRIC_NAMES.rejected, "Escalations 21Vianet refused, with its code");
  const failed = counter(METRIC_NAMES.failed, "Escalations given up: retry budget spent or dead-lettered");
  const timeToForward = meter.createHistogram(METRIC_NAMES.timeToForward, {
    description: "From acceptance to 21Vianet's confirmation, retries included",
    unit: "s",
    advice: { explicitBucketBoundaries: TIME_TO_FORWARD_BUCKETS_S },
  });
  const outcome = (value: string) => trace.getActiveSpan()?.setAttribute(ATTR_OUTCOME, value);
  return {
    accepted: (event) => {
      accepted.add(1, {
        [ATTR_CALLER_ID]: event.callerId,
        "escalation.service": event.service,
        "escalation.severity": event.severity,
      });
    },
    refused: (event) => {
      refused.add(1, { [ATTR_CALLER_ID]: event.callerId, "escalation.refusal": event.reason });
    },
    forwarded: (event) => {
      const attributes = { "escalation.channel": event.channel, "escalation.severity": event.severity };
      forwarded.add(1, attributes);
      timeToForward.record(Math.max(0, event.timeToForwardMs) / 1_000, attributes);
      outcome("forwarded");
    },
    rejected: (event) => {
      rejected.add(1, { "escalation.channel": event.channel, "escalation.vianet_code": event.code });
      outcome("rejected");
    },
    failed: (event) => {
      failed.add(1, { "escalation.failure": event.reason });
      outcome("failed");
    },
  };
}
