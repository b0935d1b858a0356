// POST /api/vianet-cases/{caseNumber}/updates: record what 21Vianet said, for a flow that knows
// only 21Vianet's case or service request number (e.g. from the subject of 21Vianet's e-mail).
import { app } from "@azure/functions";
import { handlers } from "../shared/composition-root.js";

app.http("vianet-cases-updates-post", {
  methods: ["POST"],
  authLevel: "function",
  route: "vianet-cases/{caseNumber}/updates",
  handler: handlers.recordVianetCaseUpdate,
});
