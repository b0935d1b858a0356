// Timer: erases the personal data of escalations final for PERSONAL_DATA_RETENTION (P180D), deletes
// escalations and records older than RECORD_RETENTION (P400D) and spent idempotency records.
// DATA_RETENTION_SCHEDULE (6-field NCRONTAB) sets when, daily by default; DATA_RETENTION_RUN_BUDGET
// bounds one run, which the next continues.
import { app } from "@azure/functions";
import { dataRetentionSchedule, runDataRetention } from "../shared/composition-root.js";

app.timer("data-retention", {
  schedule: dataRetentionSchedule(),
  handler: async (_timer, context) => {
    await runDataRetention((message, detail) => {
      context.log(message, detail);
    });
  },
});
