// GET /api/subscriptions/{id}: one of the caller's own subscriptions.
import { app } from "@azure/functions";
import { subscriptionHandlers } from "../shared/composition-root.js";

app.http("subscriptions-get", {
  methods: ["GET"],
  authLevel: "function",
  route: "subscriptions/{id}",
  handler: subscriptionHandlers.get,
});
