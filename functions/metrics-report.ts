// Timer: the escalation metrics for the last hour, day, 7 and 30 days, stored for reporting.
// METRICS_SCHEDULE (6-field NCRONTAB) sets when; hourly at minute 0 by default.
import { app } from "@azure/functions";
import { runMetricsReports } from "../shared/composition-root.js";
import { DEFAULT_METRICS_SCHEDULE } from "../shared/metrics/metrics-settings.js";

app.timer("metrics-report", {
  // Read here, not as %METRICS_SCHEDULE%, so the default applies when the setting is unset; the
  // app-start hook refuses an invalid one with every other settings problem.
  schedule: process.env.METRICS_SCHEDULE ?? DEFAULT_METRICS_SCHEDULE,
  handler: async (_timer, context) => {
    await runMetricsReports((message, detail) => {
      context.log(message, detail);
    });
  },
});
