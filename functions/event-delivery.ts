// Queue trigger: delivers one event to one subscription, one attempt per message; the fan-out
// after each change (and the dispatch sweep) sends the first, retries are scheduled messages.
import { app } from "@azure/functions";
import { messageHandlers } from "../shared/composition-root.js";

app.serviceBusQueue("event-delivery", {
  connection: "ServiceBusConnection",
  queueName: "%EVENT_DELIVERY_QUEUE_NAME%",
  handler: messageHandlers.deliverEvent,
});
