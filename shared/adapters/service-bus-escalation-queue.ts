// Queues escalation references on Service Bus with the SDK (the output binding cannot set a
// MessageId): MessageId = escalation id, so duplicate detection drops any re-send; a retry is a
// scheduled message whose MessageId names its attempt.
import type { ServiceBusSender } from "@azure/service-bus";
import type { EscalationMessage } from "../escalations/escalation.js";
import type { EscalationQueue } from "../escalations/ports.js";
import type { RetryQueue } from "../forwarding/ports.js";

/** The MessageId of forwarding attempt `attempt` (the first attempt's message is the escalation id). */
export function retryMessageId(escalationId: string, attempt: number): string {
  return `${escalationId}#${String(attempt)}`;
}

export class ServiceBusEscalationQueue implements EscalationQueue, RetryQueue {
  readonly #sender: ServiceBusSender;

  constructor(sender: ServiceBusSender) {
    this.#sender = sender;
  }

  async send(message: EscalationMessage): Promise<void> {
    await this.#sender.sendMessages({
      body: message,
      messageId: message.escalationId,
      correlationId: message.correlationId,
      contentType: "application/json",
      subject: "escalation.queued",
    });
  }

  async scheduleRetry(message: EscalationMessage, attempt: number, at: Date): Promise<void> {
    await this.#sender.scheduleMessages(
      {
        body: message,
        messageId: retryMessageId(message.escalationId, attempt),
        correlationId: message.correlationId,
        contentType: "application/json",
        subject: "escalation.retry",
        applicationProperties: { attempt },
      },
      at,
    );
  }
}
