// One escalation's telemetry end to end, through the app's own OpenTelemetry set-up with
// in-memory exporters: the intake's span, the queued message's trace context, the forwarder's
// span and the Partner Center call are one trace; ids are attributes, personal data is nowhere.
import functions from "@azure/functions";
import { context, metrics, propagation, SpanKind, trace } from "@opentelemetry/api";
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EscalationMessage } from "../../../../shared/domain/escalations/escalation.js";
import type { EscalationQueue } from "../../../../shared/domain/escalations/ports.js";
import { PartnerCenterChannel } from "../../../../shared/adapters/partner-center/partner-center-channel.js";
import type { HttpCall, HttpTransport } from "../../../../shared/adapters/http/http-transport.js";
import { sendInSpan } from "../../../../shared/adapters/service-bus/message-tracing.js";
import { meteredEscalationTelemetry } from "../../../../shared/adapters/telemetry/metered-escalation-telemetry.js";
import { startTelemetry, type RunningTelemetry } from "../../../../shared/adapters/telemetry/open-telemetry.js";
import { captureStructuredLogs } from "../../../../shared/adapters/telemetry/structured-logs.js";
import { makeForwardMessageHandler } from "../../../../shared/handlers/forward-message-handler.js";
import { makeSubmitEscalationHandler } from "../../../../shared/handlers/submit-escalation-handler.js";
import { INSTRUMENTATION_SCOPE } from "../../../../shared/lib/telemetry-names.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";
import { intakePorts } from "../../domain/escalations/fakes.js";

const { HttpRequest, InvocationContext } = functions;

const spans = new InMemorySpanExporter();
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const metricReader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
const logs = new InMemoryLogRecordExporter();
let telemetry: RunningTelemetry;

beforeAll(() => {
  telemetry = startTelemetry("escalation-bridge-test", {
    spanProcessors: [new SimpleSpanProcessor(spans)],
    metricReaders: [metricReader],
    logProcessors: [new SimpleLogRecordProcessor(logs)],
  });
});

afterAll(async () => {
  await telemetry.shutdown();
  trace.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
});

beforeEach(() => {
  spans.reset();
  logs.reset();
});

/** The queue adapter's traced send, delivering into memory instead of Service Bus. */
class TracedMemoryQueue implements EscalationQueue {
  readonly sent: { message: EscalationMessage; applicationProperties: Record<string, string> }[] = [];

  send(message: EscalationMessage): Promise<void> {
    return sendInSpan("send", "escalations", message, message.escalationId, (applicationProperties) => {
      this.sent.push({ message, applicationProperties });
      return Promise.resolve();
    });
  }
}

/** Partner Center's create call answering 201 with a service request. */
function partnerCenter(): { transport: HttpTransport; calls: HttpCall[] } {
  const calls: HttpCall[] = [];
  return {
    calls,
    transport: (call) => {
      calls.push(call);
      return Promise.resolve({
        status: 201,
        header: () => undefined,
        text: JSON.stringify({ id: "SR-2026-0001", status: "open" }),
      });
    },
  };
}

function invocation(functionName: string, triggerMetadata?: Record<string, unknown>) {
  const invocationContext = new InvocationContext({
    functionName,
    invocationId: `${functionName}-1`,
    ...(triggerMetadata === undefined ? {} : { triggerMetadata }),
    logHandler: () => undefined,
  });
  captureStructuredLogs(invocationContext, telemetry.loggerProvider.getLogger(INSTRUMENTATION_SCOPE));
  return invocationContext;
}

const request = buildEscalationRequest();
/** What must never leave in telemetry: the customer, the contact and the escalation's text. */
const PERSONAL = [
  request.customer.name,
  request.customer.domain,
  request.contact.name,
  request.contact.email,
  request.contact.phone ?? "",
  request.title,
  request.description,
].filter((value) => value !== "");

async function collectedMetrics(): Promise<MetricData[]> {
  await metricReader.forceFlush();
  return metricExporter
    .getMetrics()
    .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
    .filter(
      (metric, index, all) => all.findLastIndex((other) => other.descriptor.name === metric.descriptor.name) === index,
    );
}

function spanNamed(name: string): ReadableSpan {
  const span = spans.getFinishedSpans().find((finished) => finished.name === name);
  if (span === undefined)
    throw new Error(
      `no span ${name}: ${spans
        .getFinishedSpans()
        .map((s) => s.name)
        .join(", ")}`,
    );
  return span;
}

/** Submits one escalation under a span standing for the host's HTTP request, then forwards its message. */
async function submitAndForward() {
  const { store, clock, ports } = intakePorts();
  const queue = new TracedMemoryQueue();
  const escalationTelemetry = meteredEscalationTelemetry();
  const submit = makeSubmitEscalationHandler({ ...ports, queue, callers: [], telemetry: escalationTelemetry });
  const http = new HttpRequest({
    url: "http://127.0.0.1:7071/api/escalations",
    method: "POST",
    headers: { "content-type": "application/json", "x-functions-key": "local-dev-key" },
    body: { string: JSON.stringify(request) },
  });
  const hostRequest = trace.getTracer("functions-host").startSpan("POST /api/escalations", { kind: SpanKind.SERVER });
  const response = await context.with(trace.setSpan(context.active(), hostRequest), () =>
    submit(http, invocation("escalations-post")),
  );
  hostRequest.end();
  expect(response.status).toBe(202);

  clock.advance(90_000);
  const pc = partnerCenter();
  const channel = new PartnerCenterChannel({
    apiUrl: "https://partner.partnercenterapi.microsoftonline.cn",
    tokens: { getToken: () => Promise.resolve("access-token") },
    transport: pc.transport,
    supportTopicId: "32444671",
  });
  const forward = makeForwardMessageHandler({
    forward: {
      store,
      channels: { "partner-center": channel },
      routing: [{ channel: "partner-center" }],
      clock,
      backoff: { baseDelayMs: 30_000, maxDelayMs: 60_000, budgetMs: 86_400_000 },
      newRequestId: () => "5d7d0a55-8f43-4c3e-9d5e-0d7e0c7a1b11",
      telemetry: escalationTelemetry,
    },
    retries: { scheduleRetry: () => Promise.resolve() },
    deadLetters: { store, log: { record: () => Promise.resolve() }, clock, queue: "escalations" },
    telemetry: escalationTelemetry,
  });
  const [queued] = queue.sent;
  if (queued === undefined) throw new Error("nothing was queued");
  // A new invocation: no context but what the message carries.
  await context.with(context.active(), () =>
    forward(
      queued.message,
      invocation("forward-escalation", {
        messageId: queued.message.escalationId,
        deliveryCount: 1,
        applicationProperties: queued.applicationProperties,
      }),
    ),
  );
  return { hostRequest, queued, store, pc };
}

describe("escalation telemetry", () => {
  it("when an escalation is accepted and forwarded, then the request, the message, the forwarder and the Partner Center call are one trace", async () => {
    const { hostRequest, queued } = await submitAndForward();

    const traceId = hostRequest.spanContext().traceId;
    const intake = spanNamed("accept escalation");
    const send = spanNamed("send escalations");
    const forwarder = spanNamed("forward escalation");
    const call = spanNamed("POST /v1/servicerequests/{agent-locale}");
    for (const span of [intake, send, forwarder, call]) expect(span.spanContext().traceId).toBe(traceId);
    expect(intake.parentSpanContext?.spanId).toBe(hostRequest.spanContext().spanId);
    expect(send.parentSpanContext?.spanId).toBe(intake.spanContext().spanId);
    expect(forwarder.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(call.parentSpanContext?.spanId).toBe(forwarder.spanContext().spanId);
    expect([send.kind, forwarder.kind, call.kind]).toEqual([SpanKind.PRODUCER, SpanKind.CONSUMER, SpanKind.CLIENT]);

    // The message carries the producer span's context, as W3C traceparent and as Azure's Diagnostic-Id.
    const traceparent = `00-${traceId}-${send.spanContext().spanId}-01`;
    expect(queued.applicationProperties).toEqual({ traceparent, "Diagnostic-Id": traceparent });
  });

  it("when an escalation goes through, then its spans name it by escalation and correlation id, and the call by its request id", async () => {
    const { queued, pc } = await submitAndForward();
    const ids = {
      "escalation.id": queued.message.escalationId,
      "escalation.correlation_id": queued.message.correlationId,
    };

    expect(spanNamed("accept escalation").attributes).toMatchObject({ ...ids, "escalation.outcome": "accepted" });
    expect(spanNamed("send escalations").attributes).toMatchObject({
      ...ids,
      "messaging.message.id": ids["escalation.id"],
    });
    expect(spanNamed("forward escalation").attributes).toMatchObject({ ...ids, "escalation.outcome": "forwarded" });
    expect(spanNamed("POST /v1/servicerequests/{agent-locale}").attributes).toMatchObject({
      "partner_center.request_id": pc.calls[0]?.headers["MS-RequestId"],
      "http.response.status_code": 201,
      "url.template": "/v1/servicerequests/{agent-locale}",
    });
  });

  it("when an escalation goes through, then no span, metric or log record carries the customer's or the contact's data", async () => {
    await submitAndForward();
    const exported = JSON.stringify({
      spans: spans.getFinishedSpans().map((span) => ({
        name: span.name,
        attributes: span.attributes,
        events: span.events,
        links: span.links,
      })),
      metrics: (await collectedMetrics()).map((metric) => metric.dataPoints.map((point) => point.attributes)),
      logs: logs.getFinishedLogRecords().map((record) => ({ body: record.body, attributes: record.attributes })),
    });
    // The check looks at real data: the ids are there.
    expect(exported).toContain("esc-0001");
    for (const value of PERSONAL) expect(exported).not.toContain(value);
  });

  it("when an escalation is accepted, then the log line is a record with the message as body and the fields as attributes, in the trace", async () => {
    await submitAndForward();
    const accepted = logs.getFinishedLogRecords().find((record) => record.body === "escalation accepted");
    expect(accepted?.attributes).toMatchObject({
      escalationId: "esc-0001",
      callerId: "default",
      "faas.name": "escalations-post",
    });
    expect(accepted?.spanContext?.traceId).toBe(spanNamed("accept escalation").spanContext().traceId);
  });

  it("when an escalation is accepted and forwarded after 90 s, then the counters count it and the histogram records 90 s", async () => {
    const before = await collectedMetrics();
    const countOf = (all: MetricData[], name: string) =>
      all
        .flatMap((metric) =>
          metric.descriptor.name === name && metric.dataPointType === DataPointType.SUM ? metric.dataPoints : [],
        )
        .reduce((sum, point) => sum + point.value, 0);
    await submitAndForward();
    const after = await collectedMetrics();

    expect(countOf(after, "escalations.accepted") - countOf(before, "escalations.accepted")).toBe(1);
    expect(countOf(after, "escalations.forwarded") - countOf(before, "escalations.forwarded")).toBe(1);
    const histogram = after.find((metric) => metric.descriptor.name === "escalations.time_to_forward");
    expect(histogram?.descriptor.unit).toBe("s");
    expect(histogram?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const points = histogram?.dataPointType === DataPointType.HISTOGRAM ? histogram.dataPoints : [];
    expect(points.map((point) => point.attributes)).toContainEqual({
      "escalation.channel": "partner-center",
      "escalation.severity": "moderate",
    });
    expect(points.reduce((max, point) => Math.max(max, point.value.max ?? 0), 0)).toBe(90);
  });
});
