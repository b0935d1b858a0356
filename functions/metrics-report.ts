// Timer: the escalation metrics for the last hour, day, 7 and 30 days, stored for reporting.
// METRICS_SCHEDULE (6-field NCRONTAB) sets when; hourly at minute 0 by default.
import { app } from "@azure/functions";
import { metricsSchedule, runMetricsReports } from "../shared/composition-root.js";

app.timer("metrics-report", {
  schedule: metricsSchedule(),
  handler: async (_timer, context) => {
    await runMetricsReports((message, detail) => {
      context.log(message, detail);
    });
  },
});
