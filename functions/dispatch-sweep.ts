// Every minute: queue escalations that were stored but never confirmed queued (a crash or a
// Service Bus outage between the two); the same MessageId keeps each one single.
import { app } from "@azure/functions";
import { sweepPendingDispatch } from "../shared/composition-root.js";

app.timer("dispatch-sweep", {
  schedule: "0 * * * * *",
  handler: async (_timer, context) => {
    await sweepPendingDispatch((message, detail) => {
      context.warn(message, detail);
    });
  },
});
