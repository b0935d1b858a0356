// The report-deliveries queue trigger: one attempt to POST a stored report to one webhook.
// A message that is not a delivery is logged and completed (retrying cannot mend it); a failure
// of our own storage or queue pauses, then throws so Service Bus redelivers the message.
import type { InvocationContext } from "@azure/functions";
import { deliverReport, ReportDeliveryMessage, type ReportDeliveryPorts } from "../metrics/deliver-report.js";
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
      context.error("report delivery message is not valid: dropped", { messageId: facts.messageId, problems: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) });
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
        context.warn("report delivery will be retried", { ...detail, reason: result.reason, at: result.at.toISOString() });
        return;
      case "gave-up":
      case "refused":
      case "dropped":
        context.error(`report not delivered (${result.kind})`, { ...detail, reason: result.reason });
        return;
    }
  };
}
