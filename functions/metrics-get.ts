// GET /api/metrics?window=24h: the latest escalation metrics report (fresh=true computes one now).
import { app } from "@azure/functions";
import { metricsHandlers } from "../shared/composition-root.js";

app.http("metrics-get", {
  methods: ["GET"],
  authLevel: "function",
  route: "metrics",
  handler: metricsHandlers.json,
});
