// POST /api/escalations/{id}/retry: an operator replays a failed escalation (back to queued).
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("escalations-retry-post", {
  methods: ["POST"],
  authLevel: "function",
  route: "escalations/{id}/retry",
  handler: handlers.replayEscalation,
});
