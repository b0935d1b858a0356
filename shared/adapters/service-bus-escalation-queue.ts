// Queues escalation references on Service Bus with the SDK (the output binding cannot set a
// MessageId): MessageId = escalation id, so duplicate detection drops any re-send; a retry is a
// scheduled message whose MessageId names its retry number.
import type { ServiceBusSender } from "@azure/service-bus";
import type { EscalationMessage } from "../escalations/escalation.js";
import type { EscalationQueue } from "../escalations/ports.js";
import type { RetryQueue } from "../forwarding/ports.js";

/** The MessageId of an escalation's retry number `retry` (its first message is the escalation id). */
export function retryMessageId(escalationId: string, retry: number): string {
  return `${escalationId}#retry-${String(retry)}`;
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

  async scheduleRetry(message: EscalationMessage, retry: number, at: Date): Promise<void> {
    await this.#sender.scheduleMessages(
      {
        body: message,
        messageId: retryMessageId(message.escalationId, retry),
        correlationId: message.correlationId,
        contentType: "application/json",
        subject: "escalation.retry",
        applicationProperties: { retry },
      },
      at,
    );
  }
}
