// Report deliveries on their own Service Bus queue: the first attempt sent when the report is
// stored, each retry scheduled for its time. The MessageId names the attempt, so duplicate
// detection drops a re-sent attempt but never the next one.
import type { ServiceBusSender } from "@azure/service-bus";
import { deliveryMessageId, type ReportDeliveryMessage } from "../../domain/metrics/deliver-report.js";

export class ServiceBusReportDeliveries {
  readonly #sender: ServiceBusSender;

  constructor(sender: ServiceBusSender) {
    this.#sender = sender;
  }

  async send(messages: readonly ReportDeliveryMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.#sender.sendMessages(messages.map((message) => this.#envelope(message)));
  }

  async schedule(message: ReportDeliveryMessage, at: Date): Promise<void> {
    await this.#sender.scheduleMessages(this.#envelope(message), at);
  }

  #envelope(message: ReportDeliveryMessage) {
    return {
      body: message,
      messageId: deliveryMessageId(message),
      contentType: "application/json",
      subject: "report.delivery",
      applicationProperties: { attempt: message.attempt },
    };
  }
}
