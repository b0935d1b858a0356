// Event deliveries on their own Service Bus queue (`event-deliveries`): first attempts sent when an
// event is fanned out, with the webhook-id as MessageId so a re-published event is dropped; each
// retry scheduled for its time under a MessageId naming its attempt.
import type { ServiceBusSender } from "@azure/service-bus";
import { eventDeliveryMessageId, type EventDeliveryMessage } from "../../domain/events/deliver-event.js";

/** Messages per batch send: well under the 256 KB message limit for these small bodies. */
const SEND_CHUNK = 100;

export class ServiceBusEventDeliveries {
  readonly #sender: ServiceBusSender;

  constructor(sender: ServiceBusSender) {
    this.#sender = sender;
  }

  async send(messages: readonly EventDeliveryMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SEND_CHUNK)
      await this.#sender.sendMessages(
        messages.slice(start, start + SEND_CHUNK).map((message) => this.#envelope(message)),
      );
  }

  async schedule(message: EventDeliveryMessage, at: Date): Promise<void> {
    await this.#sender.scheduleMessages(this.#envelope(message), at);
  }

  #envelope(message: EventDeliveryMessage) {
    return {
      body: message,
      messageId: eventDeliveryMessageId(message),
      contentType: "application/json",
      subject: message.type,
      applicationProperties: { attempt: message.attempt },
    };
  }
}
