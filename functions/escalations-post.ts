// POST /api/escalations: submit an escalation (202 + Location, or problem+json).
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("escalations-post", {
  methods: ["POST"],
  authLevel: "function",
  route: "escalations",
  handler: handlers.submitEscalation,
});
