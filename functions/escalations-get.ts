// GET /api/escalations/{id}: one escalation with its status and history.
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("escalations-get", {
  methods: ["GET"],
  authLevel: "function",
  route: "escalations/{id}",
  handler: handlers.getEscalation,
});
