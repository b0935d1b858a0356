// Timer: reads the Partner Center service requests of open escalations, the longest unsynced
// first, and records 21Vianet's status changes and notes. STATUS_SYNC_SCHEDULE (6-field NCRONTAB)
// sets when, every 10 minutes by default; STATUS_SYNC_MAX_REQUESTS caps the calls of one run.
import { app } from "@azure/functions";
import { statusSyncSchedule, syncVianetStatus } from "../shared/composition-root.js";

app.timer("status-sync", {
  schedule: statusSyncSchedule(),
  handler: async (_timer, context) => {
    await syncVianetStatus((message, detail) => {
      context.log(message, detail);
    });
  },
});
