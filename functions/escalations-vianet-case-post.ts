// POST /api/escalations/{id}/vianet-case: record the case number a person got from the
// 21Vianet portal for an awaiting_portal escalation (it becomes forwarded).
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("escalations-vianet-case-post", {
  methods: ["POST"],
  authLevel: "function",
  route: "escalations/{id}/vianet-case",
  handler: handlers.recordVianetCase,
});
