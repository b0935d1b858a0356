// Queues escalation references on Service Bus with the SDK (the output binding cannot set a
// MessageId): MessageId = escalation id, so duplicate detection drops any re-send.
import type { ServiceBusSender } from "@azure/service-bus";
import type { EscalationMessage } from "../escalations/escalation.js";
import type { EscalationQueue } from "../escalations/ports.js";

export class ServiceBusEscalationQueue implements EscalationQueue {
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
}
