// Queue trigger on the escalations queue's dead-letter queue: records each dead letter with its
// reason and moves an escalation still waiting to reach 21Vianet to `failed`, so nothing ends silently.
import { app } from "@azure/functions";
import { messageHandlers } from "../shared/composition-root.js";

app.serviceBusQueue("escalations-dead-letter", {
  connection: "ServiceBusConnection",
  queueName: "%ESCALATIONS_QUEUE_NAME%/$DeadLetterQueue",
  handler: messageHandlers.recordDeadLetter,
});
