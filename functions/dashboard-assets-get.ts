// GET /api/dashboard/assets/{file}: the dashboard's script, stylesheet and Chart.js, served
// locally; anonymous, and only those files.
import { app } from "@azure/functions";
import { dashboardHandlers } from "../shared/composition-root.js";

app.http("dashboard-assets-get", {
  methods: ["GET"],
  authLevel: "anonymous",
  route: "dashboard/assets/{file}",
  handler: dashboardHandlers.assets,
});
