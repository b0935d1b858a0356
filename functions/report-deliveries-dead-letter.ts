// Queue trigger on the report-deliveries queue's dead-letter queue: records each delivery Service
// Bus gave up on in the dead-letter log, with its queue and reason, so no report is lost silently.
import { app } from "@azure/functions";
import { messageHandlers } from "../shared/composition-root.js";

app.serviceBusQueue("report-deliveries-dead-letter", {
  connection: "ServiceBusConnection",
  queueName: "%METRICS_DELIVERY_QUEUE_NAME%/$DeadLetterQueue",
  handler: messageHandlers.recordDeliveryDeadLetter,
});
