// The event-deliveries queue trigger: one attempt to POST one event to one subscription. A message
// that is not a delivery is logged and completed (retrying cannot mend it); a failure of our own
// storage or queue pauses, then throws so Service Bus redelivers the message. Logs name the
// subscription and the event, never the receiver's URL or secret.
import type { InvocationContext } from "@azure/functions";
import { deliverEvent, EventDeliveryMessage, type EventDeliveryPorts } from "../domain/events/deliver-event.js";
import { pausingOnFailure } from "./forward-message-handler.js";
import { messageFacts } from "./service-bus-metadata.js";

export interface EventDeliveryHandlerDependencies {
  delivery: EventDeliveryPorts;
  retries: { schedule(message: EventDeliveryMessage, at: Date): Promise<void> };
  pause?: (ms: number) => Promise<unknown>;
}

export function makeEventDeliveryHandler(deps: EventDeliveryHandlerDependencies) {
  return async (body: unknown, context: InvocationContext): Promise<void> => {
    const facts = messageFacts(context);
    const parsed = EventDeliveryMessage.safeParse(body);
    if (!parsed.success) {
      context.error("event delivery message is not valid: dropped", {
        messageId: facts.messageId,
        problems: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
      });
      return;
    }
    const message = parsed.data;
    const detail = {
      escalationId: message.escalationId,
      sequence: message.sequence,
      type: message.type,
      subscriptionId: message.subscriptionId,
      attempt: message.attempt,
    };
    const result = await pausingOnFailure(facts.deliveryCount, deps.pause, async () => {
      const outcome = await deliverEvent(message, deps.delivery);
      if (outcome.kind === "retry") await deps.retries.schedule(outcome.message, outcome.at);
      return outcome;
    });
    switch (result.kind) {
      case "delivered":
        context.log("event delivered", { ...detail, status: result.status });
        return;
      case "retry":
        context.warn("event delivery will be retried", {
          ...detail,
          reason: result.reason,
          at: result.at.toISOString(),
        });
        return;
      case "unsubscribed":
        context.warn("event receiver is gone: subscription removed", { ...detail, reason: result.reason });
        return;
      case "gave-up":
      case "refused":
      case "dropped":
        context.error("event not delivered", { ...detail, outcome: result.kind, reason: result.reason });
        return;
    }
  };
}
