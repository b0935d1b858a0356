// GET /api/dashboard?window=24h&code=<key>: the escalation metrics as a page with charts.
import { app } from "@azure/functions";
import { dashboardHandlers } from "../shared/composition-root.js";

app.http("dashboard-get", {
  methods: ["GET"],
  authLevel: "function",
  route: "dashboard",
  handler: dashboardHandlers.page,
});
