// POST /api/escalations/{id}/notes: the partner's note to 21Vianet on an escalation.
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("escalations-notes-post", {
  methods: ["POST"],
  authLevel: "function",
  route: "escalations/{id}/notes",
  handler: handlers.addPartnerNote,
});
