// The span a queue handler works in. Its parent is the context the sender put in the message,
// so the intake, the queue and the forwarder are one trace; the invocation's own context (the
// Functions host's span for the trigger, when it has one) is linked rather than lost.
import type { InvocationContext } from "@azure/functions";
import { context as otelContext, propagation, ROOT_CONTEXT, SpanKind, trace, type Span } from "@opentelemetry/api";
import { EscalationMessage } from "../domain/escalations/escalation.js";
import { inSpan } from "../lib/spans.js";
import { ATTR_CORRELATION_ID, ATTR_ESCALATION_ID } from "../lib/telemetry-names.js";
import { messageTraceCarrier, type MessageFacts } from "./service-bus-metadata.js";

export function inMessageSpan<T>(
  name: string,
  message: unknown,
  facts: MessageFacts,
  context: InvocationContext,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const carrier = messageTraceCarrier(context);
  const invocation = trace.getSpanContext(otelContext.active());
  const parent = carrier.traceparent === undefined ? otelContext.active() : propagation.extract(ROOT_CONTEXT, carrier);
  // The body is checked properly by the handler's domain operation; here it only names the escalation.
  const named = EscalationMessage.safeParse(message);
  return inSpan(
    name,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "servicebus",
        "messaging.operation.type": "process",
        "messaging.message.id": facts.messageId,
        ...(facts.deliveryCount === undefined
          ? {}
          : { "messaging.servicebus.message.delivery_count": facts.deliveryCount }),
        ...(named.success
          ? { [ATTR_ESCALATION_ID]: named.data.escalationId, [ATTR_CORRELATION_ID]: named.data.correlationId }
          : {}),
      },
      ...(invocation !== undefined && carrier.traceparent !== undefined ? { links: [{ context: invocation }] } : {}),
    },
    work,
    parent,
  );
}
