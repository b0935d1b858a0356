// The parts of a Service Bus trigger's metadata the handlers use, read defensively: the host
// camel-cases the names and may leave any of them out.
import type { InvocationContext } from "@azure/functions";
import { z } from "zod";

const Metadata = z.object({
  messageId: z.string().optional().catch(undefined),
  deliveryCount: z.number().int().optional().catch(undefined),
  sequenceNumber: z.number().int().optional().catch(undefined),
  enqueuedTimeUtc: z.string().optional().catch(undefined),
  deadLetterReason: z.string().optional().catch(undefined),
  deadLetterErrorDescription: z.string().optional().catch(undefined),
  applicationProperties: z.record(z.string(), z.unknown()).optional().catch(undefined),
});

export interface MessageFacts {
  messageId: string;
  deliveryCount?: number;
  sequenceNumber?: number;
  enqueuedAt?: string;
  deadLetterReason?: string;
  deadLetterDescription?: string;
}

type ParsedMetadata = z.infer<typeof Metadata>;

// A queue handler reads the facts and then the trace carrier of the same invocation: parsed once.
const parsedMetadata = new WeakMap<InvocationContext, ParsedMetadata>();

function metadataOf(context: InvocationContext): ParsedMetadata {
  let metadata = parsedMetadata.get(context);
  if (metadata === undefined) {
    metadata = Metadata.parse(context.triggerMetadata ?? {});
    parsedMetadata.set(context, metadata);
  }
  return metadata;
}

export function messageFacts(context: InvocationContext): MessageFacts {
  const metadata = metadataOf(context);
  // Service Bus keeps the dead-letter reason in the message's application properties too.
  const properties = metadata.applicationProperties ?? {};
  const reason = metadata.deadLetterReason ?? stringOr(properties.DeadLetterReason);
  const description = metadata.deadLetterErrorDescription ?? stringOr(properties.DeadLetterErrorDescription);
  const enqueuedAt =
    metadata.enqueuedTimeUtc === undefined || Number.isNaN(Date.parse(metadata.enqueuedTimeUtc))
      ? undefined
      : new Date(metadata.enqueuedTimeUtc).toISOString();
  return {
    messageId: metadata.messageId ?? `invocation-${context.invocationId}`,
    ...(metadata.deliveryCount === undefined ? {} : { deliveryCount: metadata.deliveryCount }),
    ...(metadata.sequenceNumber === undefined ? {} : { sequenceNumber: metadata.sequenceNumber }),
    ...(enqueuedAt === undefined ? {} : { enqueuedAt }),
    ...(reason === undefined ? {} : { deadLetterReason: reason }),
    ...(description === undefined ? {} : { deadLetterDescription: description }),
  };
}

function stringOr(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The trace context the sender put in the message's application properties: W3C `traceparent`
 * and `tracestate`, or the `Diagnostic-Id` the Azure SDKs write; empty when there is none.
 */
export function messageTraceCarrier(context: InvocationContext): Record<string, string> {
  const properties = metadataOf(context).applicationProperties ?? {};
  const traceparent = stringOr(properties.traceparent) ?? stringOr(properties["Diagnostic-Id"]);
  if (traceparent === undefined) return {};
  const tracestate = stringOr(properties.tracestate);
  return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
}
