// The escalation events as metrics, read back through an in-memory exporter.
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import {
  meteredEscalationTelemetry,
  METRIC_NAMES,
} from "../../../../shared/adapters/telemetry/metered-escalation-telemetry.js";

function setup() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const collect = async () => {
    await reader.forceFlush();
    const all = exporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics));
    exporter.reset();
    return all;
  };
  return { telemetry: meteredEscalationTelemetry(provider), collect, done: () => provider.shutdown() };
}

const ids = { escalationId: "esc-1", correlationId: "corr-1" };

describe("escalation metrics", () => {
  it("when escalations are accepted, refused, forwarded, rejected and failed, then each counter counts its own with its attributes", async () => {
    const { telemetry, collect, done } = setup();
    telemetry.accepted({ ...ids, callerId: "psa-tool", service: "office365", severity: "critical" });
    telemetry.accepted({ ...ids, callerId: "psa-tool", service: "office365", severity: "critical" });
    telemetry.refused({ callerId: "psa-tool", reason: "criteria-unmet" });
    telemetry.forwarded({ ...ids, channel: "partner-center", severity: "critical", timeToForwardMs: 1_500 });
    telemetry.rejected({ ...ids, channel: "partner-center", code: "900123" });
    telemetry.failed({ escalationId: "esc-2", reason: "retry-budget-spent" });
    telemetry.failed({ escalationId: "esc-3", reason: "dead-letter" });

    const points = (await collect()).flatMap((metric) =>
      metric.dataPointType === DataPointType.SUM
        ? metric.dataPoints.map((point) => ({
            name: metric.descriptor.name,
            value: point.value,
            attributes: point.attributes,
          }))
        : [],
    );
    expect(points).toEqual(
      expect.arrayContaining([
        {
          name: METRIC_NAMES.accepted,
          value: 2,
          attributes: {
            "escalation.caller_id": "psa-tool",
            "escalation.service": "office365",
            "escalation.severity": "critical",
          },
        },
        {
          name: METRIC_NAMES.refused,
          value: 1,
          attributes: { "escalation.caller_id": "psa-tool", "escalation.refusal": "criteria-unmet" },
        },
        {
          name: METRIC_NAMES.forwarded,
          value: 1,
          attributes: { "escalation.channel": "partner-center", "escalation.severity": "critical" },
        },
        {
          name: METRIC_NAMES.rejected,
          value: 1,
          attributes: { "escalation.channel": "partner-center", "escalation.vianet_code": "900123" },
        },
        { name: METRIC_NAMES.failed, value: 1, attributes: { "escalation.failure": "retry-budget-spent" } },
        { name: METRIC_NAMES.failed, value: 1, attributes: { "escalation.failure": "dead-letter" } },
      ]),
    );
    // Escalation ids would make one series per escalation: they are on spans and logs, not metrics.
    expect(JSON.stringify(points)).not.toContain("esc-");
    await done();
  });

  it("when escalations are forwarded, then the histogram records each time to forward in seconds", async () => {
    const { telemetry, collect, done } = setup();
    for (const ms of [30_000, 90_000, 600_000])
      telemetry.forwarded({ ...ids, channel: "partner-center", severity: "moderate", timeToForwardMs: ms });

    const histogram = (await collect()).find((metric) => metric.descriptor.name === METRIC_NAMES.timeToForward);
    expect(histogram?.descriptor.unit).toBe("s");
    const [point] = histogram?.dataPointType === DataPointType.HISTOGRAM ? histogram.dataPoints : [];
    expect(point?.value).toMatchObject({ count: 3, sum: 720, min: 30, max: 600 });
    expect(point?.value.buckets.boundaries).toContain(900);
    await done();
  });
});
