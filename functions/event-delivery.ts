// Queue trigger: delivers one event to one subscription, one attempt per message; the fan-out
// after each change (and the dispatch sweep) sends the first, retries are scheduled messages.
import { app } from "@azure/functions";
import { EVENT_DELIVERIES_QUEUE, messageHandlers } from "../shared/composition-root.js";

app.serviceBusQueue("event-delivery", {
  connection: "ServiceBusConnection",
  queueName: EVENT_DELIVERIES_QUEUE,
  handler: messageHandlers.deliverEvent,
});
