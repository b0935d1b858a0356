// POST /api/escalations/{id}/vianet-updates: record what 21Vianet said about an escalation (a
// status, a note, or both), as a person or a flow heard it.
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("escalations-vianet-updates-post", {
  methods: ["POST"],
  authLevel: "function",
  route: "escalations/{id}/vianet-updates",
  handler: handlers.recordVianetUpdate,
});
