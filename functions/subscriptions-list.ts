// GET /api/subscriptions: the caller's own subscriptions, without their secrets.
import { app } from "@azure/functions";
import { subscriptionHandlers } from "../shared/composition-root.js";

app.http("subscriptions-list", {
  methods: ["GET"],
  authLevel: "function",
  route: "subscriptions",
  handler: subscriptionHandlers.list,
});
