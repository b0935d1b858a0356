// GET /api/metrics.csv?window=24h: the same report as CSV, one figure per row.
import { app } from "@azure/functions";
import { metricsHandlers } from "../shared/composition-root.js";

app.http("metrics-csv-get", {
  methods: ["GET"],
  authLevel: "function",
  route: "metrics.csv",
  handler: metricsHandlers.csv,
});
