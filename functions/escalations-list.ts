// GET /api/escalations: list by customer or status, newest first, in pages.
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("escalations-list", {
  methods: ["GET"],
  authLevel: "function",
  route: "escalations",
  handler: handlers.listEscalations,
});
