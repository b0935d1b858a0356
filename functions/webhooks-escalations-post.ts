// POST /api/webhooks/escalations: escalations from systems signing with Standard Webhooks.
// Anonymous at the platform: the signature is the authentication.
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("webhooks-escalations-post", {
  methods: ["POST"],
  authLevel: "anonymous",
  route: "webhooks/escalations",
  handler: handlers.webhookEscalation,
});
