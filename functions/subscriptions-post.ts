// POST /api/subscriptions: subscribe a URL to escalation events (201 + Location, the secret shown once); the Power Automate connector's webhook trigger.
import { app } from "@azure/functions";
import { subscriptionHandlers } from "../shared/composition-root.js";

app.http("subscriptions-post", {
  methods: ["POST"],
  authLevel: "function",
  route: "subscriptions",
  handler: subscriptionHandlers.create,
});
