// Queue trigger: delivers a stored metrics report to one configured webhook (METRICS_WEBHOOKS),
// one attempt per message; the metrics timer sends the first, retries are scheduled messages.
import { app } from "@azure/functions";
import { messageHandlers } from "../shared/composition-root.js";

app.serviceBusQueue("metrics-delivery", {
  connection: "ServiceBusConnection",
  queueName: "%METRICS_DELIVERY_QUEUE_NAME%",
  handler: messageHandlers.deliverReport,
});
