// The report-deliveries queue trigger: one attempt to POST a stored report to one webhook.
// A message that is not a delivery is logged and completed (retrying cannot mend it); a failure
// of our own storage or queue pauses, then throws so Service Bus redelivers the message.
import type { InvocationContext } from "@azure/functions";
import { recordDeadLetter, type DeadLetterDependencies } from "../domain/forwarding/dead-letters.js";
import { deliverReport, ReportDeliveryMessage, type ReportDeliveryPorts } from "../domain/metrics/deliver-report.js";
import { pausingOnFailure } from "./forward-message-handler.js";
import { messageFacts } from "./service-bus-metadata.js";

export interface ReportDeliveryHandlerDependencies {
  delivery: ReportDeliveryPorts;
  retries: { schedule(message: ReportDeliveryMessage, at: Date): Promise<void> };
  pause?: (ms: number) => Promise<unknown>;
}

export function makeReportDeliveryHandler(deps: ReportDeliveryHandlerDependencies) {
  return async (body: unknown, context: InvocationContext): Promise<void> => {
    const facts = messageFacts(context);
    const parsed = ReportDeliveryMessage.safeParse(body);
    if (!parsed.success) {
      context.error("report delivery message is not valid: dropped", {
        messageId: facts.messageId,
        problems: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`),
      });
      return;
    }
    const message = parsed.data;
    const detail = { window: message.window, to: message.to, webhook: message.webhook, attempt: message.attempt };
    const result = await pausingOnFailure(facts.deliveryCount, deps.pause, async () => {
      const outcome = await deliverReport(message, deps.delivery);
      if (outcome.kind === "retry") await deps.retries.schedule(outcome.message, outcome.at);
      return outcome;
    });
    switch (result.kind) {
      case "delivered":
        context.log("report delivered", { ...detail, status: result.status });
        return;
      case "retry":
        context.warn("report delivery will be retried", {
          ...detail,
          reason: result.reason,
          at: result.at.toISOString(),
        });
        return;
      case "gave-up":
      case "refused":
      case "dropped":
        context.error("report not delivered", { ...detail, outcome: result.kind, reason: result.reason });
        return;
    }
  };
}

/**
 * The trigger on `<report-deliveries>/$DeadLetterQueue`: a delivery Service Bus gave up on (the
 * function kept failing, or the message expired) is recorded in the dead-letter log with its
 * queue and reason, as the escalations queue's are, so the metrics and operators see it. A
 * delivery names no escalation, so none changes. Like that handler it pauses before throwing,
 * since a dead-letter queue redelivers at once and forever.
 */
export function makeDeliveryDeadLetterHandler(
  deps: DeadLetterDependencies & { pause?: (ms: number) => Promise<unknown> },
) {
  return async (body: unknown, context: InvocationContext): Promise<void> => {
    const facts = messageFacts(context);
    const entry = await pausingOnFailure(facts.deliveryCount, deps.pause, () =>
      recordDeadLetter(
        {
          source: "delivery-dead-letter-queue",
          body,
          identity: facts,
          reason: facts.deadLetterReason ?? "unknown",
          description: facts.deadLetterDescription ?? "Service Bus gave no description",
          failsEscalation: false,
        },
        deps,
      ),
    );
    // The webhook's id and the report it carried, never its URL or secret (they are not in the message).
    const delivery = ReportDeliveryMessage.safeParse(body);
    const detail = delivery.success
      ? {
          window: delivery.data.window,
          to: delivery.data.to,
          webhook: delivery.data.webhook,
          attempt: delivery.data.attempt,
        }
      : { delivery: "not a report delivery" };
    context.error("dead-lettered report delivery recorded", {
      messageId: facts.messageId,
      queue: entry.queue,
      reason: entry.reason,
      ...detail,
    });
  };
}
