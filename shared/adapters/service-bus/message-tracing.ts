// Trace context across the queue: each send runs in a producer span whose context travels in the
// message's application properties, as W3C `traceparent` (and `tracestate`) and as the
// `Diagnostic-Id` the Azure SDKs and the Functions host read. @azure/service-bus adds its own
// `Diagnostic-Id` only when Azure SDK tracing is enabled and the message has none, so a message
// never carries two contexts.
import { context, propagation, SpanKind } from "@opentelemetry/api";
import type { EscalationMessage } from "../../domain/escalations/escalation.js";
import { inSpan } from "../../lib/spans.js";
import { ATTR_CORRELATION_ID, ATTR_ESCALATION_ID } from "../../lib/telemetry-names.js";

/** The application property @azure/service-bus and the Functions host keep a traceparent in. */
export const DIAGNOSTIC_ID_PROPERTY = "Diagnostic-Id";

/** The active trace context as application properties; empty when nothing is traced. */
export function traceProperties(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const traceparent = carrier.traceparent;
  return traceparent === undefined ? {} : { ...carrier, [DIAGNOSTIC_ID_PROPERTY]: traceparent };
}

/** Runs `send` in a producer span, giving it the application properties that carry the span's context. */
export function sendInSpan(
  operation: "send" | "schedule",
  queue: string,
  message: EscalationMessage,
  messageId: string,
  send: (properties: Record<string, string>) => Promise<void>,
): Promise<void> {
  return inSpan(
    `${operation} ${queue}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "servicebus",
        "messaging.operation.type": operation === "send" ? "send" : "create",
        "messaging.operation.name": operation,
        "messaging.destination.name": queue,
        "messaging.message.id": messageId,
        [ATTR_ESCALATION_ID]: message.escalationId,
        [ATTR_CORRELATION_ID]: message.correlationId,
      },
    },
    () => send(traceProperties()),
  );
}
