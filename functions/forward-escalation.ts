// Queue trigger: takes each queued escalation to 21Vianet through its channel, exactly once.
// Retries are scheduled messages; bad messages are recorded as dead letters (see the handler).
import { app } from "@azure/functions";
import { messageHandlers } from "../shared/composition-root.js";

app.serviceBusQueue("forward-escalation", {
  connection: "ServiceBusConnection",
  queueName: "%ESCALATIONS_QUEUE_NAME%",
  handler: messageHandlers.forwardEscalation,
});
