// DELETE /api/subscriptions/{id}: unsubscribe (204); Power Automate calls it when a flow's trigger is removed.
import { app } from "@azure/functions";
import { subscriptionHandlers } from "../shared/composition-root.js";

app.http("subscriptions-delete", {
  methods: ["DELETE"],
  authLevel: "function",
  route: "subscriptions/{id}",
  handler: subscriptionHandlers.delete,
});
